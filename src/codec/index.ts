export type { RefCodec } from './codec.js';
export { decode, encode, isDetached, MARK } from './codec.js';
