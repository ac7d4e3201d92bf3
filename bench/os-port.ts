/** The port part of the OS benchmarks (see os.ts). */
import { osMain } from './os.js';

osMain('port');
