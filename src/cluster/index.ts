export { type ClusterEvent, ClusterNode, type NodeDownMessage, type NodeHost } from './node.js';
export {
  type ClusterOptions,
  isNodeId,
  newNodeId,
  nodeName,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
export { RemoteProcess } from './remote-process.js';
export type { WirePid } from './wire-value.js';
