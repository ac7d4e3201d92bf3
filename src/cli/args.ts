/**
 * The command line of `airssys-rt`: `demo` (the default), `audit verify
 * FILE` and `help`, the demo's flags, and the help text.
 *
 * @module
 */
import { parseArgs } from 'node:util';

/**
 * The demo's settings as given on the command line (durations in ms).
 * `seed` is undefined when not given: the demo picks one.
 *
 * @example
 * ```ts
 * const { durationMs, crashRate } = (parseCommandLine(['--duration', '5']) as DemoCommand).flags;
 * ```
 */
export interface DemoFlags {
  readonly durationMs: number;
  readonly crashRate: number;
  readonly rate: number;
  /** Undefined: the observer's default port (9465), or any free one if it is taken. */
  readonly port: number | undefined;
  readonly seed: number | undefined;
  readonly observer: boolean;
  /** Worker nodes of the cluster demo (`--nodes N`); absent: the single-node demo. */
  readonly nodes?: number;
}

/**
 * Run the demo with these flags.
 *
 * @example
 * ```ts
 * const command: DemoCommand = { kind: 'demo', flags };
 * ```
 */
export interface DemoCommand {
  readonly kind: 'demo';
  readonly flags: DemoFlags;
}

/**
 * Verify the hash chain of the audit log `file`, with its key and
 * checkpoint when given.
 *
 * @example
 * ```ts
 * parseCommandLine(['audit', 'verify', 'audit.jsonl', '--key-file', 'audit.key']);
 * // { kind: 'audit-verify', file: 'audit.jsonl', keyFile: 'audit.key' }
 * ```
 */
export interface AuditVerifyCommand {
  readonly kind: 'audit-verify';
  readonly file: string;
  readonly keyFile?: string;
  readonly checkpoint?: string;
}

/**
 * What the command line asks for: the demo, an audit log check, the help
 * text, or nothing but an error (the caller prints `message` and exits
 * with code 2).
 *
 * @example
 * ```ts
 * const command = parseCommandLine(process.argv.slice(2));
 * if (command.kind === 'usage-error') console.error(command.message);
 * ```
 */
export type Command =
  | DemoCommand
  | AuditVerifyCommand
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string };

/**
 * The help text of `airssys-rt`, as `--help` prints it.
 *
 * @example
 * ```ts
 * console.log(helpText());
 * ```
 */
export function helpText(): string {
  return `Usage: airssys-rt [demo] [options]
       airssys-rt audit verify FILE [--key-file KEY] [--checkpoint CP]

Runs the self-healing demo: a supervised pipeline (ingest -> parse -> enrich
-> store) whose workers crash at random and whose enrichment service goes
down for a while behind a circuit breaker. It prints the observer's URL, a
live status line, and at the end a summary: jobs in, jobs done, crashes,
restarts, retries, and jobs lost, which is always 0.

Commands:
  demo                   run the demo (the default; what \`npm start\` runs)
  audit verify FILE      check the hash chain of an audit log (JSON lines):
                         prints "ok: N lines ..." and exits 0 when it is
                         intact, or "line N: reason" for the first line that
                         was edited, removed, inserted or moved, and exits 1;
                         says whether the chain is keyed (HMAC) or not
    --key-file KEY       the log's HMAC key (default: $AIRSSYS_AUDIT_KEY_FILE);
                         a keyed log cannot be verified without it (exit 2)
    --checkpoint CP      a checkpoint file the log must reach (lines cut off
                         its end are found)
  help                   show this help

Options:
  --duration <seconds>   how long jobs are accepted; then the pipeline drains
                         and the summary is printed (default 20)
  --crash-rate <p>       probability that one attempt at one stage crashes its
                         worker, 0 <= p < 1 (default 0.05)
  --rate <jobs/s>        jobs accepted per second (default 200)
  --seed <n>             seed of every random choice; the summary prints it,
                         so a run can be replayed (default: random)
  --port <n>             port of the observer, 0 for any free port (default
                         9465, or any free port when 9465 is taken)
  --no-observer          do not start the observer
  --nodes <n>            run the pipeline over a cluster instead: a local
                         nats-server (it must be installed) and n worker
                         nodes as child processes, 2 <= n <= 16; one is
                         killed with SIGKILL at 60% of the run and its
                         workers restart on the others (no observer, no
                         breaker: a breaker belongs to one node)
  -h, --help             show this help
  -v, --version          print the version of airssys-rt

The enrichment service is down from 30% to 55% of the run (15 s at most).
Ctrl-C stops the intake early; the demo still drains every job in flight and
prints the summary. A second Ctrl-C quits at once.

Examples:
  npm start
  npm start -- --nodes 3
  npx airssys-rt demo --duration 60 --crash-rate 0.2
  npx airssys-rt demo --seed 42 --no-observer
  npx airssys-rt audit verify /var/log/airssys-audit.jsonl --key-file /etc/airssys/audit.key
`;
}

class UsageError extends Error {}

/** The value of a numeric flag, or a usage error naming the flag and the rule. */
function numberFlag(
  flag: string,
  text: string | undefined,
  fallback: number,
  ok: (n: number) => boolean,
  rule: string,
): number {
  if (text === undefined) return fallback;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || !ok(n)) {
    throw new UsageError(`--${flag} must be ${rule}, got '${text}'`);
  }
  return n;
}

function demoFlags(values: Record<string, string | boolean | undefined>): DemoFlags {
  const text = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const seedText = text('seed');
  return {
    durationMs:
      numberFlag(
        'duration',
        text('duration'),
        20,
        (n) => n > 0 && n <= 86_400,
        'a number of seconds in (0, 86400]',
      ) * 1_000,
    crashRate: numberFlag(
      'crash-rate',
      text('crash-rate'),
      0.05,
      (n) => n >= 0 && n < 1,
      'a number in [0, 1)',
    ),
    rate: numberFlag(
      'rate',
      text('rate'),
      200,
      (n) => n > 0 && n <= 100_000,
      'a number of jobs/s in (0, 100000]',
    ),
    port:
      text('port') === undefined
        ? undefined
        : numberFlag(
            'port',
            text('port'),
            0,
            (n) => Number.isInteger(n) && n >= 0 && n <= 65_535,
            'an integer in [0, 65535]',
          ),
    seed:
      seedText === undefined
        ? undefined
        : numberFlag('seed', seedText, 0, (n) => Number.isSafeInteger(n), 'an integer'),
    observer: values['no-observer'] !== true,
    ...(text('nodes') === undefined
      ? {}
      : {
          nodes: numberFlag(
            'nodes',
            text('nodes'),
            0,
            (n) => Number.isInteger(n) && n >= 2 && n <= 16,
            'an integer in [2, 16]',
          ),
        }),
  };
}

/** Node's parse errors, said shortly. */
function usageMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option '${option}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return `option '${option}' needs a value`;
  }
  return message;
}

/** `audit verify FILE [--key-file KEY] [--checkpoint CP]`: the arguments after `audit`. */
function auditCommand(args: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'key-file': { type: 'string' },
      checkpoint: { type: 'string' },
    },
  });
  if (values.help === true) return { kind: 'help' };
  const [sub, file, ...extra] = positionals;
  if (sub !== 'verify') {
    throw new UsageError(
      sub === undefined
        ? "audit needs a command: 'audit verify FILE'"
        : `unknown audit command '${sub}' (commands: verify)`,
    );
  }
  if (file === undefined || file === '') throw new UsageError('audit verify needs a FILE');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const keyFile = values['key-file'];
  const checkpoint = values.checkpoint;
  return {
    kind: 'audit-verify',
    file,
    ...(keyFile === undefined ? {} : { keyFile }),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  };
}

/**
 * Parses the arguments after the program name. Never throws and never
 * exits: a bad command line comes back as a `usage-error`.
 *
 * @example
 * ```ts
 * parseCommandLine([]); // { kind: 'demo', flags: { durationMs: 20000, crashRate: 0.05, ... } }
 * parseCommandLine(['demo', '--help']); // { kind: 'help' }
 * parseCommandLine(['--version']); // { kind: 'version' }
 * parseCommandLine(['--bogus']); // { kind: 'usage-error', message: "unknown option '--bogus'" }
 * parseCommandLine(['audit', 'verify', 'a.jsonl']); // { kind: 'audit-verify', file: 'a.jsonl' }
 * ```
 */
export function parseCommandLine(args: readonly string[]): Command {
  try {
    if (args[0] === 'audit') return auditCommand(args.slice(1));
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        duration: { type: 'string' },
        'crash-rate': { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        port: { type: 'string' },
        'no-observer': { type: 'boolean' },
        nodes: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    if (values.version === true) return { kind: 'version' };
    const [command = 'demo', ...extra] = positionals;
    if (command !== 'demo' && command !== 'help') {
      throw new UsageError(`unknown command '${command}' (commands: demo, audit, help)`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (command === 'help' || values.help === true) return { kind: 'help' };
    return { kind: 'demo', flags: demoFlags(values) };
  } catch (error) {
    return { kind: 'usage-error', message: usageMessage(error) };
  }
}
