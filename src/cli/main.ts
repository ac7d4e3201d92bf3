#!/usr/bin/env node
/**
 * `airssys-rt` (and `npm start`): the self-healing demo. A supervised
 * pipeline whose workers crash at random and whose enrichment service goes
 * down for a while behind a circuit breaker; every accepted job is still
 * stored exactly once. `airssys-rt audit verify FILE [--key-file KEY]`
 * checks an audit log's hash chain instead (see `./audit.ts`). See `airssys-rt --help`.
 *
 * Exit codes: 0 when every job was accounted for (or the audit log is
 * intact), 1 when not (or the demo failed, or the log is broken), 2 for a
 * bad command line or an unreadable log, 130 for a second Ctrl-C.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type DemoFlags, helpText, parseCommandLine } from './args.js';
import { verifyAuditCommand } from './audit.js';
import {
  clusterDemoHealed,
  formatClusterSummary,
  natsServerMissing,
  randomSeed,
  runClusterDemo,
  runDemo,
} from './demo/index.js';
import { consoleReporter, formatSummary } from './report.js';

/**
 * The version in airssys-rt's package.json: the first one named
 * `airssys-rt` above this file (dist/cli/ when installed, build/src/cli/
 * in the repository's tests).
 */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'airssys-rt' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look one folder up
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

/**
 * `--nodes N`: the cluster demo. Without a runnable nats-server it says why
 * and resolves with 1, starting nothing.
 */
async function clusterDemo(flags: DemoFlags, nodes: number, signal: AbortSignal): Promise<number> {
  const why = natsServerMissing();
  if (why !== undefined) {
    process.stderr.write(`airssys-rt: the cluster demo needs a local nats-server: ${why}\n`);
    return 1;
  }
  process.stdout.write(
    `airssys-rt cluster demo: ${nodes} worker nodes, ${flags.durationMs / 1_000} s at ` +
      `${flags.rate} jobs/s, crash rate ${flags.crashRate}\n`,
  );
  const summary = await runClusterDemo({
    nodes,
    durationMs: flags.durationMs,
    crashRate: flags.crashRate,
    rate: flags.rate,
    seed: flags.seed ?? randomSeed(),
    signal,
    say: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${formatClusterSummary(summary)}\n`);
  return clusterDemoHealed(summary) ? 0 : 1;
}

/**
 * Runs the command line `args` (the arguments after the program name) and
 * resolves with the exit code. Writes to stdout and stderr; installs a
 * SIGINT handler for the length of the demo.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
async function main(args: readonly string[]): Promise<number> {
  const command = parseCommandLine(args);
  if (command.kind === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command.kind === 'usage-error') {
    process.stderr.write(`airssys-rt: ${command.message}\nTry 'airssys-rt --help'.\n`);
    return 2;
  }
  if (command.kind === 'audit-verify') {
    return verifyAuditCommand(command, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  }
  const { flags } = command;
  const live = process.stdout.isTTY === true && !process.env.CI;
  const reporter = consoleReporter({
    write: (text) => process.stdout.write(text),
    live,
    columns: () => process.stdout.columns,
  });
  const stop = new AbortController();
  const onSigint = (): void => {
    if (stop.signal.aborted) {
      reporter.finish();
      process.stderr.write('airssys-rt: interrupted twice, quitting without a summary\n');
      process.exit(130);
    }
    reporter.say(
      'Ctrl-C: stopping the intake and draining the jobs in flight (Ctrl-C again quits at once)',
    );
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  if (flags.nodes !== undefined) {
    try {
      return await clusterDemo(flags, flags.nodes, stop.signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`airssys-rt: the cluster demo failed: ${message}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
  process.stdout.write(
    `airssys-rt self-healing demo: ${flags.durationMs / 1_000} s at ${flags.rate} jobs/s, ` +
      `crash rate ${flags.crashRate}${live ? ' (Ctrl-C to stop early)' : ''}\n`,
  );
  try {
    const summary = await runDemo({
      durationMs: flags.durationMs,
      crashRate: flags.crashRate,
      rate: flags.rate,
      ...(flags.port === undefined ? {} : { port: flags.port }),
      observer: flags.observer,
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      signal: stop.signal,
      reporter,
    });
    reporter.finish();
    process.stdout.write(`${formatSummary(summary)}\n`);
    return summary.jobsLost === 0 && summary.stored === summary.jobsIn ? 0 : 1;
  } catch (error) {
    reporter.finish();
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`airssys-rt: the demo failed: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// Output piped into a reader that quit (`| head`): stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
