import { isNodeId } from './options.js';

/**
 * The subject a node's heartbeats travel on: `<root>.<cluster>.hb.<name>.<incarnation>`.
 * The name is a token of its own so that a NATS server can let a user publish the
 * heartbeats of one node name only (`…hb.<name>.*`): NATS wildcards match whole tokens,
 * so with the id in one token (`hb.<name>_<incarnation>`) no permission could say "this
 * name, any incarnation", and every node could beat under any other's id.
 *
 * @module
 */

/**
 * The heartbeat subject of node `nodeId` under `prefix` (`<root>.<cluster>`).
 *
 * @example
 * ```ts
 * heartbeatSubject('airssys.prod', 'web-1_0mift3kq8abc'); // 'airssys.prod.hb.web-1.0mift3kq8abc'
 * ```
 */
export function heartbeatSubject(prefix: string, nodeId: string): string {
  const at = nodeId.lastIndexOf('_');
  return `${prefix}.hb.${nodeId.slice(0, at)}.${nodeId.slice(at + 1)}`;
}

/**
 * The node id a heartbeat subject names, from what follows `<prefix>.hb.`
 * (`<name>.<incarnation>`), or undefined when it names no node id.
 *
 * @example
 * ```ts
 * heartbeatSender('web-1.0mift3kq8abc'); // 'web-1_0mift3kq8abc'
 * heartbeatSender('web-1_0mift3kq8abc'); // undefined (the old, one-token form)
 * ```
 */
export function heartbeatSender(rest: string): string | undefined {
  const dot = rest.indexOf('.');
  if (dot < 0) return undefined;
  const id = `${rest.slice(0, dot)}_${rest.slice(dot + 1)}`;
  return isNodeId(id) ? id : undefined;
}
