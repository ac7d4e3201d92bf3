/**
 * The `airssys-rt/cluster` entry: the cluster's core (re-exported from its
 * front door) plus the cluster registry and process groups. Kept apart from
 * `index.ts`, which the system imports, because the registry and groups load
 * the JetStream client as soon as they are imported: a system that never
 * joins a cluster — a sandboxed host, which sees no `node_modules` — must
 * not load it.
 *
 * @example
 * ```ts
 * import { openClusterRegistry } from 'airssys-rt/cluster';
 * const registry = await openClusterRegistry(system);
 * ```
 *
 * @module
 */

export {
  type BroadcastResult,
  type ClusterGroupChange,
  ClusterGroups,
  type ClusterGroupsOptions,
} from './groups.js';
export {
  type ClusterEvent,
  ClusterNode,
  type ClusterOptions,
  isNodeId,
  type NodeDownMessage,
  type NodeHost,
  newNodeId,
  nodeName,
  RemoteProcess,
  type ResolvedClusterOptions,
  resolveClusterOptions,
  type WirePid,
} from './index.js';
export {
  ClusterRegistry,
  type ClusterRegistryOptions,
  type NameListener,
  type UnknownOwnerListener,
  type UnknownOwnerRelease,
} from './registry.js';
export { ClusterNameTakenError, ClusterUnavailableError } from './registry-errors.js';
export { type ClusteredSystem, openClusterGroups, openClusterRegistry } from './registry-node.js';
export {
  type ClusterNodePort,
  type ClusterPid,
  formatClusterPid,
  type GroupsNodePort,
} from './registry-port.js';
