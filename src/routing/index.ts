export { HashRing, hashString } from './hash-ring.js';
export type { PoolOptions } from './pool.js';
export { Pool, startPool } from './pool.js';
export type { RoutingStrategy, Slot } from './router.js';
export { ROUTING_STRATEGIES, Router } from './router.js';
