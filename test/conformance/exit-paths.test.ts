/**
 * otp-rules.md §1.2 R2.3 and semantics §4, §11: on every way a process can
 * exit, a trapping peer linked to it receives its real reason, and its
 * children end by the tree rule — a linked child with that reason
 * (`shutdown` for `normal`, which a link does not carry; never `killed`
 * for a normal exit), an unlinked one with `shutdown`, or `killed` when
 * the process ended at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExitReason, exitReason, type Pid } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { exitsIn, type Probe, setup, spawner } from './harness.js';

const crash = (error: unknown) => () => {
  throw error;
};

describe('conformance §1.2: the reason linked peers and children see, on every exit path', () => {
  failOnUnhandledRejections();

  /**
   * Every way a process can exit, with what a trapping peer linked to it
   * receives and how its children (tied to it; one also linked) end.
   */
  const exitPaths: {
    readonly path: string;
    readonly end: (parent: Probe, s: ReturnType<typeof setup>) => void;
    readonly peer: ExitReason;
    readonly linked: ExitReason;
    readonly plain: ExitReason;
  }[] = [
    {
      path: 'ctx.stop() (a normal stop)',
      end: (parent) => parent.run((ctx) => ctx.stop()),
      peer: exitReason.normal,
      linked: exitReason.shutdown(),
      plain: exitReason.shutdown(),
    },
    {
      path: "ctx.exit(ctx.self, 'normal') (OTP exit(self(), normal))",
      end: (parent) => parent.run((ctx) => ctx.exit(ctx.self, exitReason.normal)),
      peer: exitReason.normal,
      linked: exitReason.shutdown(),
      plain: exitReason.killed,
    },
    {
      path: 'ctx.exit(ctx.self, other)',
      end: (parent) => parent.run((ctx) => ctx.exit(ctx.self, exitReason.error('other'))),
      peer: exitReason.error('other'),
      linked: exitReason.error('other'),
      plain: exitReason.killed,
    },
    {
      path: "ctx.exit(ctx.self, 'kill')",
      end: (parent) => parent.run((ctx) => ctx.exit(ctx.self, exitReason.kill)),
      peer: exitReason.killed,
      linked: exitReason.killed,
      plain: exitReason.killed,
    },
    {
      path: "ctx.stop('kill') (a link-propagated kill stays kill)",
      end: (parent) => parent.run((ctx) => ctx.stop(exitReason.kill)),
      peer: exitReason.kill,
      linked: exitReason.kill,
      plain: exitReason.shutdown(),
    },
    {
      path: "system.exit(ref, 'kill')",
      end: (parent, s) => s.system.exit(parent.ref, exitReason.kill),
      peer: exitReason.killed,
      linked: exitReason.killed,
      plain: exitReason.killed,
    },
    {
      path: 'a crash',
      end: (parent) => parent.run(crash('crashed')),
      peer: exitReason.error('crashed'),
      linked: exitReason.error('crashed'),
      plain: exitReason.shutdown(),
    },
  ];

  for (const { path, end, peer, linked, plain } of exitPaths) {
    it(`R2.3 ${path}: a trapping linked peer gets its real reason; its linked child ends with it (shutdown for normal), never killed for normal`, async () => {
      const s = setup();
      const a = await spawner(s);
      a.spawn('spawnLink');
      a.spawn('spawn');
      const watcher = await s.probe({ trap: true });
      watcher.run((ctx) => ctx.link(a.parent.ref));
      await s.system.idle();
      const [linkedPid, plainPid] = a.spawned.map((c) => c.pid) as [Pid, Pid];
      end(a.parent, s);
      await s.system.idle();
      assert.deepEqual(exitsIn(watcher.inbox), [[a.parent.pid, peer]], 'the linked peer');
      assert.deepEqual(s.exitsOf(linkedPid), [linked], 'the linked child');
      assert.deepEqual(s.exitsOf(plainPid), [plain], 'the unlinked child');
      await s.system.shutdown();
    });
  }
});
