export type { ProcessTarget, StopOptions } from './control.js';
export { createSystem } from './create.js';
export type { ProcessInfo, SystemStats } from './info.js';
export type { InspectOptions } from './inspection.js';
export type {
  AskView,
  Introspection,
  RemovedStale,
  RemoveStaleOptions,
  StaleView,
  TimerTarget,
  TimerView,
} from './introspect.js';
export type { SystemOptions } from './options.js';
export type { Groups, Services, Topics, TypedGroup } from './registries.js';
export type { ShutdownOptions } from './shutdown.js';
export { ActorSystem } from './system.js';
