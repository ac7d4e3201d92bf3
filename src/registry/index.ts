export type { Nameable } from './names.js';
export { NameTable } from './names.js';
