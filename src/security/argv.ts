import type { ExecRule, RedactOption } from './policy.js';

/**
 * Arguments against an exec rule, read the way a program reads them: as
 * patterns (`args`, each argument on its own) or as getopt-style options
 * and operands (`options`, `operands`), so that `-o/any/path`,
 * `-o /any/path` and `--output=/any/path` are all the option `-o` with a
 * value, never an operand that happens to match. Also the redaction of
 * option values (`--password hunter2`).
 *
 * @module
 */

/** Longest argument matched; a longer one is denied before any pattern runs. */
export const MAX_ARG = 4096;

/** An option's value: its pattern, and whether it is optional (attached only). */
interface OptionValue {
  readonly re: RegExp;
  readonly optional: boolean;
}

/** A pattern compiled anchored, as every check uses it. */
function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

/**
 * An exec rule with its patterns compiled once, when the context is built.
 *
 * @example
 * ```ts
 * const compiled = new CompiledRule({ path: '/usr/bin/sort', options: [{ names: ['-r'] }] });
 * compiled.problem(['-r', 'data.txt'], "policy 0's"); // "argument 2 is an operand, and policy 0's rule allows none"
 * ```
 */
export class CompiledRule {
  readonly #args: readonly RegExp[] | undefined;
  readonly #operands: readonly RegExp[];
  /** Option name → its value (null: a flag, taking no value). */
  readonly #options: ReadonlyMap<string, OptionValue | null> | undefined;
  readonly maxArgs: number;

  constructor(rule: ExecRule) {
    this.#args = rule.args?.map(anchored);
    this.#operands = (rule.operands ?? []).map(anchored);
    const structured = rule.options !== undefined || rule.operands !== undefined;
    this.#options = structured
      ? new Map(
          (rule.options ?? []).flatMap((o) =>
            o.names.map(
              (n) =>
                [
                  n,
                  o.value === undefined
                    ? null
                    : { re: anchored(o.value), optional: o.optional === true },
                ] as const,
            ),
          ),
        )
      : undefined;
    this.maxArgs = rule.maxArgs ?? (rule.args === undefined && !structured ? 0 : 64);
  }

  /**
   * Why `args` are not allowed by this rule, or undefined when they are;
   * `whose` names the rule's policy (`policy 0's`). Never quotes an argument.
   */
  problem(args: readonly string[], whose: string): string | undefined {
    for (const [i, arg] of args.entries()) {
      if (arg.length > MAX_ARG) return `argument ${i + 1} is longer than ${MAX_ARG} characters`;
      if (arg.includes('\0')) return `argument ${i + 1} contains a NUL byte`;
    }
    if (this.#options !== undefined) return this.#structured(this.#options, args, whose);
    const patterns = this.#args ?? [];
    for (const [i, arg] of args.entries()) {
      if (!patterns.some((re) => re.test(arg))) {
        return `argument ${i + 1} matches none of ${whose} patterns`;
      }
    }
    return undefined;
  }

  #structured(
    options: ReadonlyMap<string, OptionValue | null>,
    args: readonly string[],
    whose: string,
  ): string | undefined {
    let operandsOnly = false;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      const n = i + 1;
      if (operandsOnly || arg === '-' || !arg.startsWith('-')) {
        if (!this.#operands.some((re) => re.test(arg))) {
          return this.#operands.length === 0
            ? `argument ${n} is an operand, and ${whose} rule allows none`
            : `argument ${n} (an operand) matches none of ${whose} operand patterns`;
        }
        continue;
      }
      if (arg === '--') {
        operandsOnly = true;
        continue;
      }
      if (arg.startsWith('--')) {
        const eq = arg.indexOf('=');
        const name = eq < 0 ? arg : arg.slice(0, eq);
        const value = options.get(name);
        if (value === undefined) return `argument ${n} is an option not in ${whose} options`;
        if (value === null) {
          if (eq >= 0) return `argument ${n}: option ${name} takes no value`;
          continue;
        }
        // An optional value is only ever attached (--name=value), as getopt reads it.
        if (eq < 0 && value.optional) continue;
        const given = eq >= 0 ? arg.slice(eq + 1) : args[++i];
        if (given === undefined) return `argument ${n}: option ${name} needs a value`;
        if (!value.re.test(given))
          return `the value of option ${name} (argument ${n}) does not match ${whose} pattern for it`;
        continue;
      }
      // A cluster of one-letter options: -rn, or -ofile where -o takes a value.
      for (let j = 1; j < arg.length; j++) {
        const name = `-${arg[j]}`;
        const value = options.get(name);
        if (value === undefined) return `argument ${n} has an option not in ${whose} options`;
        if (value === null) continue;
        if (j + 1 === arg.length && value.optional) break;
        const given = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (given === undefined) return `argument ${n}: option ${name} needs a value`;
        if (!value.re.test(given))
          return `the value of option ${name} (argument ${n}) does not match ${whose} pattern for it`;
        break;
      }
    }
    return undefined;
  }
}

/**
 * `argv` with the values of the listed options replaced by `[redacted]`:
 * the argument after `--password`, the value of `--password=…`, and for a
 * one-letter option `-p` the rest of `-p…`.
 *
 * @example
 * ```ts
 * redactOptionValues(['mysql', '--password', 'hunter2'], [{ option: '--password' }]);
 * // ['mysql', '--password', '[redacted]']
 * ```
 */
export function redactOptionValues(
  argv: readonly string[],
  rules: readonly RedactOption[],
): string[] {
  const names = new Set(rules.map((r) => r.option));
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i] as string;
    if (arg === '--') break;
    if (names.has(arg)) {
      if (i + 1 < out.length) out[++i] = '[redacted]';
      continue;
    }
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && names.has(arg.slice(0, eq))) {
      out[i] = `${arg.slice(0, eq + 1)}[redacted]`;
    } else if (!arg.startsWith('--') && arg.length > 2 && names.has(arg.slice(0, 2))) {
      out[i] = `${arg.slice(0, 2)}[redacted]`;
    }
  }
  return out;
}
