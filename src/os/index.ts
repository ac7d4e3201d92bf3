export type { CgroupBase, TreeController } from './cgroup.js';
export { findCgroupBase, TreeCgroup } from './cgroup.js';
export type { Attempter } from './file-attempt.js';
export { Attempt } from './file-attempt.js';
export type { FileKind } from './file-io.js';
export { ioError, kindOf, openedAt, openedPath, openNoFollow, readBounded } from './file-io.js';
export type { FileActorOptions, FileEncoding, FileRequest, FileStat } from './files.js';
export { fileActor } from './files.js';
export type {
  Containment,
  Launch,
  LaunchOptions,
  LaunchRefusal,
  LaunchTools,
  TreeLimit,
} from './launch.js';
export { buildLaunch, describeContainment, findTool, findTools, prlimitFlags } from './launch.js';
export type { PortOutput, PumpOptions } from './port-output.js';
export { OutputPump } from './port-output.js';
export type { RunOptions } from './port-run.js';
export { PortRun } from './port-run.js';
export type { PortCommand, PortEvent, PortOptions, PortState } from './ports.js';
export { port } from './ports.js';
export type { TreeMode, TreePieces, TreeRequest } from './process-tree.js';
export {
  childrenOf,
  chooseTree,
  descendantsOf,
  freeze,
  killGroup,
  ProcessTree,
  processGone,
  unshareArgs,
  unshareUnusable,
} from './process-tree.js';
export type { SandboxOptions } from './sandbox.js';
export { bwrapArgs, hostSockets } from './sandbox.js';
export { unrecorded, unrecordedCode } from './unrecorded.js';
