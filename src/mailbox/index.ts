export type { Priority, SendOptions } from './envelope.js';
export { Envelope, LANE_NORMAL, LANE_SYSTEM, laneOf } from './envelope.js';
export type { MailboxMetrics } from './mailbox.js';
export { Mailbox } from './mailbox.js';
export type { MailboxOptions, OverflowDecision, OverflowPolicy } from './overflow.js';
export { checkMailboxOptions, decideOverflow } from './overflow.js';
export { PairRing } from './ring.js';
