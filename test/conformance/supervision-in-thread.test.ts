/**
 * The supervision conformance suite with the children in this thread
 * (see shared/supervision-suite.ts; its twin places them in workers).
 */
import { supervisionSuite } from './shared/supervision-suite.js';

supervisionSuite('main');
