export { HostExitedError, HostLink, type MainSide } from './link.js';
export type { HostView, PlacementOptions } from './placement.js';
export { Placements } from './placement.js';
export { importDefinition, MODULE_REF, moduleOf, portable } from './portable.js';
export type { Batch, ModuleRef, ToHost, ToMain, WireReason } from './protocol.js';
export { standInDefinition } from './stand-in.js';
export type { HostEnd, Transport } from './transport.js';
export { FrameReader, frameBytes, MAX_BATCH_BYTES, writeBatch } from './wire.js';
