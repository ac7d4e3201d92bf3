/**
 * A runtime that is not root (run by the test as `nobody`), for the
 * unprivileged containment test: it starts a port whose program leaves a
 * `setsid` daemon, reports the port's containment, stops the port and
 * reports whether the daemon is gone, as one JSON line (or the code the
 * port's start was refused with). Arguments: the marker, `sandbox` or
 * `plain`, and the containment (default `tree`).
 */
import {
  type ActorRef,
  createSystem,
  defineActor,
  type PortCommand,
  type PortEvent,
  type PortState,
  port,
  type TreeRequest,
} from '../../src/index.js';
import { daemons, SH } from './port-fixture.js';

const [mark = 'missing-marker', sandbox = 'plain', containment = 'tree'] = process.argv.slice(2);
const loop = `trap "" TERM HUP INT; while :; do sleep 1; done`;
const script = `(setsid /bin/sh -c '${loop}' ${mark} </dev/null >/dev/null 2>&1 &); echo started; exec sleep 3000`;
const system = createSystem({
  security: { exec: { allow: [SH], ...(sandbox === 'sandbox' ? { sandbox: {} } : {}) } },
});
let started: () => void = () => {};
const ready = new Promise<void>((resolve) => {
  started = resolve;
});
let spawned: (ref: ActorRef<PortCommand>) => void = () => {};
const child = new Promise<ActorRef<PortCommand>>((resolve) => {
  spawned = resolve;
});
system.spawn(
  defineActor<PortEvent>({
    init(ctx) {
      const ref = ctx.spawn(
        port({
          argv: ['/bin/sh', '-c', script],
          grace: 200,
          containment: containment as TreeRequest,
        }),
      );
      spawned(ref);
    },
    handle(msg) {
      if (msg.type === 'port-output' && msg.data === 'started') started();
    },
  }),
);
const report: Record<string, unknown> = { uid: process.getuid?.() };
try {
  const ref = await child;
  const exit = system.exited(ref).then((reason) => {
    const error = reason.kind === 'error' ? (reason.error as { code?: string }) : undefined;
    throw new Error(`port exited: ${error?.code ?? reason.kind}`);
  });
  exit.catch(() => {});
  await Promise.race([ready, exit]);
  const until = Date.now() + 60_000;
  while (daemons(mark).length === 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
  report.daemonsBefore = daemons(mark).length;
  const info = (await ref.ask({ type: 'info' })) as PortState;
  report.containment = info.containment;
  await system.stop(ref);
  report.daemonsAfter = daemons(mark).length;
} catch (error) {
  report.error = String(error);
}
console.log(JSON.stringify(report));
await system.shutdown();
