/**
 * Timers under CPU-bound handlers: one actor works through `n` queued
 * messages whose handler burns 20 ms of CPU each, while a chain of
 * `setTimeout(1)` timers records how late each one fires. JavaScript cannot
 * preempt a handler, so a timer waits for at least the handler that runs
 * when it falls due; a scheduler that runs a whole batch of such handlers
 * (64 here) before it looks at the clock makes it wait for the batch.
 * airssys ends a round once its time slice is spent, one handler past it.
 *
 * Prints `RESULT {"worstTimerDelayMs": …, "timersFired": …, "msgsPerSec": …}`.
 */
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain } from './common.js';
import { underTimerProbe } from './timer-probe.js';

const DEFAULT_MESSAGES = 100;
/** CPU each handler burns. */
const HANDLER_MS = 20;

/** Burns `ms` of CPU, as a CPU-bound handler does. */
function burn(ms: number): void {
  const end = now() + ms;
  while (now() < end) {
    // spin: the work of a CPU-bound handler
  }
}

/** Queues `n` messages with `tell`, waits with `idle`; returns the timers' lateness. */
/** Tells `n` messages, then waits for `idle`, under the timer probe. */
function measure(
  n: number,
  tell: () => void,
  idle: () => Promise<void>,
): Promise<Record<string, number>> {
  return underTimerProbe('msgsPerSec', async () => {
    for (let i = 0; i < n; i++) tell();
    await idle();
    return n;
  });
}

async function airssys(n: number): Promise<Record<string, number>> {
  const system = createSystem();
  const ref = system.spawn(
    defineActor<number>({
      label: 'cpu-bound worker',
      handle() {
        burn(HANDLER_MS);
      },
    }),
  );
  await system.idle();
  const result = await measure(
    n,
    () => ref.tell(1),
    () => system.idle(),
  );
  await system.shutdown();
  return result;
}

async function baseline(n: number): Promise<Record<string, number>> {
  const rt = new BaseRuntime();
  const ref = rt.spawn<number, undefined>(() => burn(HANDLER_MS), undefined);
  return measure(
    n,
    () => ref.tell(1),
    () => rt.idle(),
  );
}

runMain(async () => {
  const options = childOptions();
  const n = options.n ?? DEFAULT_MESSAGES;
  emit(await (options.impl === 'airssys' ? airssys(n) : baseline(n)));
});
