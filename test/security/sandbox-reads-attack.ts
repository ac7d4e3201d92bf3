/**
 * The read attack of the sandbox read tests (semantics §20, §23), shared by
 * the test and by the runtime it runs as another user: a sandboxed body
 * tries to read files it was not given three ways — with `fs` in itself
 * (Node's permission model answers first), with `cat`, and with a `node`
 * it starts without permission flags (the OS sandbox alone answers) — and
 * lists what it sees of `/` and of the runtime's working directory.
 */
import type { ActorRef } from '../../src/index.js';
import type { AttackMsg } from './attacker.js';

/** What the body achieved, per path in the order given. */
export interface ReadReport {
  /** `fs.readFileSync` in the body: the text read, or the error code. */
  readonly fs: readonly string[];
  /** `cat path`: its status, output and error output. */
  readonly cat: readonly { status: number | null; stdout: string; stderr: string }[];
  /** `node -e` without permission flags: the text read, or the error code. */
  readonly node: readonly string[];
  /** `ls -A /` and `ls -A <cwd>` inside the sandbox (a missing one reads `ENOENT`). */
  readonly root: readonly string[];
  readonly cwd: readonly string[] | 'ENOENT';
}

const READ_JS =
  'try{process.stdout.write(require("fs").readFileSync(process.argv[1],"utf8"))}catch(e){process.stdout.write(String(e.code))}';

/** Runs the attack from `ref` (spawned with `allowChildProcess`) against `paths`. */
export async function attemptReads(
  ref: ActorRef<AttackMsg>,
  paths: readonly string[],
  cwd: string,
  node: string,
): Promise<ReadReport> {
  const fs: string[] = [];
  const cat: ReadReport['cat'][number][] = [];
  const viaNode: string[] = [];
  for (const path of paths) {
    fs.push(await ref.ask({ type: 'read', path }));
    cat.push(await ref.ask({ type: 'sh', script: `cat '${path}'` }));
    // Node 24 passes its permission flags on to child Node processes through
    // NODE_OPTIONS; clearing it makes this node really unflagged, so only the
    // OS sandbox stands between it and the file.
    const script = `NODE_OPTIONS= '${node}' -e '${READ_JS}' '${path}'`;
    const run = await ref.ask({ type: 'sh', script });
    viaNode.push(run.stdout || `status ${run.status}: ${run.stderr}`);
  }
  const root = await ref.ask({ type: 'sh', script: 'ls -A /' });
  const here = await ref.ask({ type: 'sh', script: `ls -A '${cwd}'` });
  return {
    fs,
    cat,
    node: viaNode,
    root: root.stdout.split('\n').filter((l) => l !== ''),
    cwd: here.status === 0 ? here.stdout.split('\n').filter((l) => l !== '') : 'ENOENT',
  };
}
