export type {
  DeadLetter,
  DeadLetterReason,
  Listener,
  MessageEvent,
  SupervisionEvent,
  SystemEvent,
  SystemEventType,
} from './events.js';
export { Stream } from './events.js';
export type { Topic } from './topics.js';
export { Subscription, TopicTable, topic, topicName } from './topics.js';
