export type {
  DeadLetter,
  DeadLetterReason,
  Listener,
  SupervisionEvent,
  SystemEvent,
  SystemEventType,
} from './events.js';
export { Stream } from './events.js';
