export type {
  DeadLetter,
  DeadLetterReason,
  Listener,
  SystemEvent,
  SystemEventType,
} from './events.js';
export { Stream } from './events.js';
