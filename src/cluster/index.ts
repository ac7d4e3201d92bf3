// The cluster registry and process groups (cluster-kv).
export {
  type BroadcastResult,
  type ClusterGroupChange,
  ClusterGroups,
  type ClusterGroupsOptions,
} from './groups.js';
export { type ClusterEvent, ClusterNode, type NodeDownMessage, type NodeHost } from './node.js';
export {
  type ClusterOptions,
  isNodeId,
  newNodeId,
  nodeName,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
export { ClusterRegistry, type ClusterRegistryOptions, type NameListener } from './registry.js';
export { ClusterNameTakenError, ClusterUnavailableError } from './registry-errors.js';
export { openClusterGroups, openClusterRegistry } from './registry-node.js';
export {
  type ClusterNodePort,
  type ClusterPid,
  formatClusterPid,
  type GroupsNodePort,
} from './registry-port.js';
export { RemoteProcess } from './remote-process.js';
export type { WirePid } from './wire-value.js';
