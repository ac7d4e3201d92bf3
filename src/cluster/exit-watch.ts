import type { ActorProcess } from '../actor/index.js';
import { dropMonitor, monitor } from '../actor/index.js';
import type { Pid } from '../process/index.js';
import type { NodeHost } from './node.js';
import type { RemoteTable } from './remote-table.js';
import type { WirePid } from './wire-value.js';

/**
 * Watching a process's end from the cluster layer (what the registry and
 * groups hold a name or a member by): a local process is monitored
 * directly, another node's through its remote record, which ends when the
 * process does or when its node goes — so the watch fires at once for a
 * process that has ended or whose node is not up.
 *
 * @module
 */

/**
 * Calls `listener` once when process `target` exits — a local id, or a
 * cluster pid of node `self` or another; returns the cancel, which removes
 * the watch.
 *
 * @example
 * ```ts
 * const cancel = watchExit(host, table, self, { node: 'web-2_k3v9', id: 7 }, () => release());
 * ```
 */
export function watchExit(
  host: NodeHost,
  table: () => RemoteTable,
  self: string,
  target: number | WirePid,
  listener: () => void,
): () => void {
  let p: ActorProcess | undefined;
  let pid: Pid;
  if (typeof target === 'number' || target.node === self) {
    pid = (typeof target === 'number' ? target : target.id) as Pid;
    p = host.lookup(pid);
  } else {
    p = table().remote(target.node, target.id);
    pid = p.pid;
  }
  const runtime = host as unknown as ActorProcess['runtime'];
  const m = monitor(runtime, null, p, pid, undefined, () => listener());
  return () => void dropMonitor(m);
}
