/**
 * Statistics and formatting for the results table: median [min–max] over
 * rounds, same-round ratios, units, and whether each goal is met.
 */
import type { BenchSpec, Goal, MetricSpec, Unit } from './metric-spec.js';

/** The systems a benchmark is run on, in table order. */
export const SYSTEMS = ['airssys', 'baseline', 'erlang'] as const;
export type System = (typeof SYSTEMS)[number];

/** One round's figures for one benchmark: per system, its metrics (or undefined on failure). */
export type RoundResult = Partial<Record<System, Record<string, number>>>;

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** Median [min–max] of the finite values; undefined when there are none. */
export function summarize(values: readonly number[]): Summary | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const count = sorted.length;
  if (count === 0) return undefined;
  const mid = count >> 1;
  const median =
    count % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[count - 1] as number, count };
}

/** Values of one metric of one system across rounds. */
export function valuesOf(rounds: readonly RoundResult[], system: System, key: string): number[] {
  const out: number[] = [];
  for (const round of rounds) {
    const v = round[system]?.[key];
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** airssys ÷ other, per round (both from the same round), for the median ratio. */
export function ratiosOf(rounds: readonly RoundResult[], other: System, key: string): number[] {
  const out: number[] = [];
  for (const round of rounds) {
    const a = round.airssys?.[key];
    const b = round[other]?.[key];
    if (a !== undefined && b !== undefined && b !== 0) out.push(a / b);
  }
  return out;
}

/** Three significant digits, without trailing noise. */
function sig(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

/** Formats one value in its unit: 15.6M, 229 B, 2.62 KiB, 1.07 s, 930 ns… */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'rate':
      if (value >= 1e6) return `${sig(value / 1e6)}M`;
      if (value >= 1e3) return `${sig(value / 1e3)}k`;
      return sig(value);
    case 'bytes':
      return value >= 1024 ? `${sig(value / 1024)} KiB` : `${Math.round(value)} B`;
    case 'MiB':
      return `${sig(value)} MiB`;
    case 'ms':
      return value >= 1000 ? `${sig(value / 1000)} s` : `${sig(value)} ms`;
    case 'us':
      if (value >= 1000) return formatValue(value / 1000, 'ms');
      return value >= 1 ? `${sig(value)} µs` : `${Math.round(value * 1000)} ns`;
    case 'count':
      return String(Math.round(value));
    case 'ratio':
      return `${sig(value)}×`;
    case 'pct':
      return `${sig(value)}%`;
  }
}

/** `median [min–max]`, or just the value for a single round. */
export function formatSummary(s: Summary | undefined, unit: Unit): string {
  if (s === undefined) return '—';
  const median = formatValue(s.median, unit);
  if (s.count === 1) return median;
  return `${median} [${formatValue(s.min, unit)}–${formatValue(s.max, unit)}]`;
}

export function formatRatio(s: Summary | undefined): string {
  if (s === undefined) return '—';
  return `${s.median >= 10 ? s.median.toFixed(1) : s.median.toFixed(2)}×`;
}

export function formatGoal(goal: Goal | undefined, unit: Unit): string {
  if (goal === undefined) return '—';
  const text = `${goal.kind === 'min' ? '≥' : '≤'} ${formatValue(goal.value, unit)}`;
  return goal.note === undefined ? text : `${text} ᵖ`;
}

/**
 * "yes", or "no" with how far off the median is: "no (−38%)", "no (+7%)",
 * "no (3.1× the limit)"; for a percentage, in points: "no (+4.2 pts)".
 */
export function formatMet(goal: Goal | undefined, s: Summary | undefined, unit?: Unit): string {
  if (goal === undefined || s === undefined) return '—';
  const met = goal.kind === 'min' ? s.median >= goal.value : s.median <= goal.value;
  if (met) return 'yes';
  if (unit === 'pct') {
    const diff = s.median - goal.value;
    return `no (${diff > 0 ? '+' : '−'}${Math.abs(diff).toFixed(1)} pts)`;
  }
  if (goal.kind === 'min') return `no (−${Math.round((1 - s.median / goal.value) * 100)}%)`;
  if (goal.value === 0) return 'no';
  const over = s.median / goal.value;
  return over < 2 ? `no (+${Math.round((over - 1) * 100)}%)` : `no (${over.toFixed(1)}× the limit)`;
}

/** One markdown table row per metric of `bench`. */
export function tableRows(bench: BenchSpec, rounds: readonly RoundResult[]): string[] {
  return bench.metrics.map((m: MetricSpec) => {
    const a = summarize(valuesOf(rounds, 'airssys', m.key));
    const b = summarize(valuesOf(rounds, 'baseline', m.key));
    const e = summarize(valuesOf(rounds, 'erlang', m.key));
    const erlangCell =
      'skip' in bench.erlang ? `n/a (${bench.erlang.skip})` : formatSummary(e, m.unit);
    return [
      bench.title,
      m.label,
      formatSummary(a, m.unit),
      formatSummary(b, m.unit),
      formatRatio(summarize(ratiosOf(rounds, 'baseline', m.key))),
      erlangCell,
      formatRatio(summarize(ratiosOf(rounds, 'erlang', m.key))),
      formatGoal(m.goal, m.unit),
      formatMet(m.goal, a, m.unit),
    ].join(' | ');
  });
}

export const TABLE_HEADER = [
  '| benchmark | metric | airssys | baseline | airssys ÷ baseline | erlang-S1 | airssys ÷ erlang | goal | met? |',
  '|---|---|---|---|---|---|---|---|---|',
];

/** The whole table, markdown. */
export function renderTable(
  benches: readonly BenchSpec[],
  results: ReadonlyMap<string, readonly RoundResult[]>,
): string {
  const lines = [...TABLE_HEADER];
  for (const bench of benches) {
    for (const row of tableRows(bench, results.get(bench.name) ?? [])) lines.push(`| ${row} |`);
  }
  return lines.join('\n');
}
