export type { ProcessInfo } from './info.js';
export type { InspectOptions } from './inspection.js';
export type { AskView, Introspection, StaleView, TimerView } from './introspect.js';
export type { SystemOptions } from './options.js';
export type { Groups, Services, Topics, TypedGroup } from './registries.js';
export type { ProcessTarget, ShutdownOptions, StopOptions, SystemStats } from './system.js';
export { ActorSystem, createSystem } from './system.js';
