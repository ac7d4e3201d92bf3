/**
 * The supervision conformance suite with each child placed in a worker
 * thread of its own (see shared/supervision-suite.ts; its twin keeps them
 * in this thread).
 */
import { supervisionSuite } from './shared/supervision-suite.js';

supervisionSuite('worker');
