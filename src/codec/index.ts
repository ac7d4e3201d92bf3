export type { RefCodec } from './codec.js';
export { decode, encode, MARK } from './codec.js';
