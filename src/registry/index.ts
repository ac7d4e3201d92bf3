export type { GroupChange } from './groups.js';
export { GroupTable } from './groups.js';
export type { Undeliverable } from './named-ref.js';
export { NamedRef } from './named-ref.js';
export type { Nameable } from './names.js';
export { NameTable } from './names.js';
export type { Holder, Registration } from './registration.js';
export type { KeyMode, ServiceEntry } from './services.js';
export { ServiceRef, ServiceTable } from './services.js';
