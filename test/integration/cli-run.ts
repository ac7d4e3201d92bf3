/**
 * Runs the compiled CLI (`src/cli/main.ts`) as its own process, as a user
 * would, for the demo tests: its exit code and what it printed. A hang is
 * failed at the run's limit (LIMITS.wait unless given) and the CLI killed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../support/guard.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `airssys-rt ...args` to its end, with `env` over this process's
 * environment and `CI=1` (no status line); a run past `limitMs` is a hang.
 *
 * @example
 * const { code, stdout } = await cli(['--help']);
 */
export function cli(
  args: readonly string[],
  env: Record<string, string> = {},
  limitMs: number = LIMITS.wait,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, CI: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`airssys-rt ${args.join(' ')} hung past ${limitMs} ms:\n${stdout}\n${stderr}`),
      );
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}
