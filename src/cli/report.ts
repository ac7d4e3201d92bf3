/**
 * What the demo prints: a live status line on a terminal, a few plain
 * progress lines elsewhere (pipes, CI), and the summary.
 *
 * @module
 */
import type { DemoProgress, DemoReporter, DemoSummary } from './demo/index.js';

/**
 * Where and how to print.
 *
 * @example
 * ```ts
 * const out: Output = { write: (s) => process.stdout.write(s), live: false };
 * ```
 */
export interface Output {
  readonly write: (text: string) => void;
  /** Redraw one status line in place (a terminal, not CI). */
  readonly live: boolean;
  /** The terminal's width now, to keep the status line on one row. Default 80. */
  readonly columns?: () => number | undefined;
}

/**
 * A reporter that also clears its status line when the run is over.
 *
 * @example
 * ```ts
 * const reporter = consoleReporter(out);
 * await runDemo({ reporter });
 * reporter.finish();
 * ```
 */
export interface ConsoleReporter extends DemoReporter {
  /** Prints a line of its own above the status line. */
  say(text: string): void;
  /** Clears the status line, if one is shown. */
  finish(): void;
}

/** Plain progress lines are printed this often (clock time). */
const PLAIN_EVERY_MS = 5_000;

const seconds = (ms: number): string => `${(ms / 1_000).toFixed(1)} s`;

/**
 * The status line of one progress sample.
 *
 * @example
 * ```ts
 * statusLine(progress); // 'running 6.2/20.0s  in 1240  done 1198  in flight 42  crashes 61  ...'
 * ```
 */
export function statusLine(p: DemoProgress): string {
  const head =
    p.phase === 'running'
      ? `running ${(p.elapsedMs / 1_000).toFixed(1)}/${(p.durationMs / 1_000).toFixed(1)}s`
      : `draining ${(p.elapsedMs / 1_000).toFixed(1)}s`;
  return [
    head,
    `in ${p.jobsIn}`,
    `done ${p.jobsDone}`,
    `in flight ${p.inFlight}`,
    `crashes ${p.crashes}`,
    `restarts ${p.restarts}`,
    `breaker ${p.breaker}`,
    `service ${p.serviceUp ? 'up' : 'DOWN'}`,
  ].join('  ');
}

/**
 * A reporter printing to `out`: on a live terminal, a status line redrawn
 * at each sample with notes printed above it; otherwise notes and a
 * progress line every 5 s.
 *
 * @example
 * ```ts
 * const live = process.stdout.isTTY === true && !process.env.CI;
 * const reporter = consoleReporter({ write: (s) => process.stdout.write(s), live });
 * ```
 */
export function consoleReporter(out: Output): ConsoleReporter {
  let status = '';
  let nextPlain = PLAIN_EVERY_MS;
  const clear = (): void => {
    if (status !== '') out.write('\r\x1b[2K');
  };
  const redraw = (): void => {
    if (status !== '') out.write(status);
  };
  return {
    observer(url) {
      clear();
      out.write(`observer: ${url}\n`);
      redraw();
    },
    note(text, elapsedMs) {
      clear();
      out.write(`  [${seconds(elapsedMs).padStart(7)}] ${text}\n`);
      redraw();
    },
    progress(p) {
      if (out.live) {
        const width = Math.max(40, (out.columns?.() || 80) - 1);
        const line = statusLine(p);
        clear();
        status = line.length > width ? `${line.slice(0, width - 1)}…` : line;
        out.write(status);
      } else if (p.phase === 'running' && p.elapsedMs >= nextPlain) {
        nextPlain += PLAIN_EVERY_MS;
        out.write(`  [${seconds(p.elapsedMs).padStart(7)}] ${statusLine(p)}\n`);
      }
    },
    say(text) {
      clear();
      out.write(`${text}\n`);
      redraw();
    },
    finish() {
      clear();
      status = '';
    },
  };
}

function deadLetterDetail(reasons: Readonly<Record<string, number>>): string {
  const parts = Object.entries(reasons).map(([reason, n]) => `${n} ${reason}`);
  return parts.length === 0 ? '' : `${parts.join(', ')} (their jobs were sent again)`;
}

function row(label: string, value: string | number, detail = ''): string {
  const cell = String(value).padStart(7);
  return `  ${label.padEnd(14)}${cell}${detail === '' ? '' : `  ${detail}`}`;
}

/**
 * The summary printed at the end of a run.
 *
 * @example
 * ```ts
 * console.log(formatSummary(await runDemo({ durationMs: 5_000 })));
 * ```
 */
export function formatSummary(s: DemoSummary): string {
  const retries = s.retriesAfterCrash + s.retriesAfterOutage;
  const lines = [
    '',
    `summary: ${seconds(s.elapsedMs)}${s.interrupted ? ' (interrupted by Ctrl-C)' : ''}, ` +
      `${s.rate} jobs/s, crash rate ${s.crashRate} per attempt, seed ${s.seed} (replay: --seed ${s.seed})`,
    row('jobs in', s.jobsIn),
    row('jobs done', s.jobsDone, 'acknowledged by the store'),
    row('jobs lost', s.jobsLost, s.jobsLost === 0 ? 'every accepted job is accounted for' : 'LOST'),
    row(
      'crashes',
      s.crashes,
      `worker processes that died mid-job: each attempt at parse, enrich and store crashes with probability ${s.crashRate}, so about ${s.crashRate} × the attempts at those stages (retries add attempts)`,
    ),
    row('restarts', s.restarts, 'by their supervisors'),
    row(
      'retries',
      retries,
      `${s.retriesAfterCrash} after a crash, ${s.retriesAfterOutage} while the enrichment service was down`,
    ),
    row(
      'breaker opens',
      s.breakerOpens,
      `${s.rejectedFast} calls rejected fast (service down ${seconds(s.outage.fromMs)} to ${seconds(s.outage.untilMs)})`,
    ),
    row('stored', s.stored, `unique records; ${s.duplicateWrites} duplicate writes absorbed`),
    row('dead letters', s.deadLetters, deadLetterDetail(s.deadLetterReasons)),
  ];
  if (s.jobsLost === 0 && s.stored === s.jobsIn) {
    lines.push('every accepted job was stored exactly once.');
  } else {
    lines.push(`${s.jobsLost} jobs lost, ${s.stored} of ${s.jobsIn} stored: this is a bug.`);
  }
  lines.push(
    'status line: "in flight" = jobs accepted and not yet stored; "running" = accepting jobs,',
    '"draining" = intake stopped, the jobs in flight being finished (retried until stored).',
  );
  return lines.join('\n');
}
