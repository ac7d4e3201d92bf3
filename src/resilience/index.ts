export type { CircuitBreakerOptions, CircuitStateChange } from './breaker-options.js';
export { resolveBreakerOptions } from './breaker-options.js';
export type {
  Admission,
  BreakerLimits,
  BreakerSnapshot,
  CallTicket,
  CircuitState,
} from './breaker-policy.js';
export {
  admitCall,
  elapseBreaker,
  initialBreaker,
  openBreaker,
  recordFailure,
  recordSuccess,
} from './breaker-policy.js';
export type { CircuitBreakerStats, GuardedAddress } from './circuit-breaker.js';
export { CircuitBreaker, systemCircuitBreaker } from './circuit-breaker.js';
