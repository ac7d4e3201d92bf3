/**
 * Timers under an ask loop: a client outside any process awaits asks to an
 * idle actor back to back for `n` ms, while a chain of `setTimeout(1)`
 * timers records how late each one fires. A scheduler that only ever
 * wakes from microtasks never lets the event loop turn during such a loop,
 * so the first timer fires only when the loop ends; airssys's rounds
 * chained from microtasks share one budget and time slice, then yield.
 *
 * Prints `RESULT {"worstTimerDelayMs": …, "timersFired": …, "asksPerSec": …}`.
 */
import { airssysServer, baselineServer, type Call } from './ask-server.js';
import { childOptions, emit, now, runMain } from './common.js';
import { underTimerProbe } from './timer-probe.js';

const DEFAULT_MS = 1_000;

/** Asks with `call` back to back for `ms` ms; returns asks per second and the timers' lateness. */
function loop(ms: number, call: Call): Promise<Record<string, number>> {
  return underTimerProbe('asksPerSec', async () => {
    const t0 = now();
    let asks = 0;
    while (now() - t0 < ms) {
      for (let i = 0; i < 64; i++) {
        if ((await call()) !== 42) throw new Error('wrong answer');
      }
      asks += 64;
    }
    return asks;
  });
}

async function airssys(ms: number): Promise<Record<string, number>> {
  const { call, close } = await airssysServer();
  const result = await loop(ms, call);
  await close();
  return result;
}

async function baseline(ms: number): Promise<Record<string, number>> {
  return loop(ms, baselineServer());
}

runMain(async () => {
  const options = childOptions();
  const ms = options.n ?? DEFAULT_MS;
  emit(await (options.impl === 'airssys' ? airssys(ms) : baseline(ms)));
});
