/**
 * The shape of a regular expression, as far as its matching time depends
 * on it: a parser for the JavaScript syntax under the `u` flag that keeps
 * only what an automaton needs — character sets, sequence, alternation and
 * repetition. Assertions (`^`, `$`, `\b`) match no character; lookarounds
 * are kept aside and analysed as patterns of their own. Backreferences are
 * refused: with them matching is not a regular problem at all.
 *
 * The pattern has already compiled under `u` when this runs, so the parser
 * can trust its syntax and stay small.
 *
 * @module
 */

/** Sorted, disjoint inclusive code point ranges: `[lo0, hi0, lo1, hi1, ...]`. */
export type CharSet = readonly number[];

/**
 * A regular expression reduced to what decides its matching time.
 *
 * @example
 * ```ts
 * const shape: Shape = { k: 'rep', min: 1, max: Infinity, body: { k: 'set', set: [97, 97] } }; // a+
 * ```
 */
export type Shape =
  | { readonly k: 'set'; readonly set: CharSet }
  | { readonly k: 'cat'; readonly items: readonly Shape[] }
  | { readonly k: 'alt'; readonly items: readonly Shape[] }
  | { readonly k: 'rep'; readonly body: Shape; readonly min: number; readonly max: number }
  | { readonly k: 'empty' };

/**
 * A pattern the analysis refuses outright (a backreference).
 *
 * @example
 * ```ts
 * try { parseShape('(a)\\1'); } catch (e) { if (e instanceof UnsupportedPattern) console.log(e.message); }
 * ```
 */
export class UnsupportedPattern extends Error {}

const MAX_CP = 0x10ffff;
const EMPTY: Shape = { k: 'empty' };

function union(a: CharSet, b: CharSet): CharSet {
  const pairs: [number, number][] = [];
  for (const s of [a, b])
    for (let i = 0; i < s.length; i += 2) pairs.push([s[i] as number, s[i + 1] as number]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(a: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if ((a[i] as number) > next) out.push(next, (a[i] as number) - 1);
    next = (a[i + 1] as number) + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

/**
 * Whether two character sets share a character.
 *
 * @example
 * ```ts
 * overlaps([48, 57], [50, 50]); // true: \d and '2'
 * ```
 */
export function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if ((a[i + 1] as number) < (b[j] as number)) i += 2;
    else if ((b[j + 1] as number) < (a[i] as number)) j += 2;
    else return true;
  }
  return false;
}

const DIGIT: CharSet = [48, 57];
const WORD: CharSet = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE: CharSet = union(
  [9, 13, 32, 32, 160, 160, 5760, 5760, 8192, 8202, 8232, 8233, 8239, 8239],
  [8287, 8287, 12288, 12288, 65279, 65279],
);
const ANY: CharSet = [0, MAX_CP];
const DOT: CharSet = complement([10, 10, 13, 13, 8232, 8233]);
const single = (cp: number): CharSet => [cp, cp];

/** A recursive-descent parser over the pattern's code points. */
class Parser {
  readonly #cps: number[];
  #at = 0;
  /** Lookaround bodies, analysed on their own. */
  readonly lookarounds: Shape[] = [];

  constructor(source: string) {
    this.#cps = Array.from(source, (c) => c.codePointAt(0) as number);
  }

  get done(): boolean {
    return this.#at >= this.#cps.length;
  }

  #peek(offset = 0): string {
    const cp = this.#cps[this.#at + offset];
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  #take(): string {
    return String.fromCodePoint(this.#cps[this.#at++] as number);
  }

  #eat(text: string): boolean {
    for (let i = 0; i < text.length; i++) if (this.#peek(i) !== text[i]) return false;
    this.#at += text.length;
    return true;
  }

  alternation(): Shape {
    const items = [this.#sequence()];
    while (this.#eat('|')) items.push(this.#sequence());
    return items.length === 1 ? (items[0] as Shape) : { k: 'alt', items };
  }

  #sequence(): Shape {
    const items: Shape[] = [];
    while (!this.done && this.#peek() !== '|' && this.#peek() !== ')') {
      items.push(this.#quantified(this.#atom()));
    }
    return { k: 'cat', items };
  }

  #number(): number {
    let digits = '';
    while (/[0-9]/.test(this.#peek())) digits += this.#take();
    return digits === '' ? Number.NaN : Number(digits);
  }

  #quantified(atom: Shape): Shape {
    let min: number;
    let max: number;
    if (this.#eat('*')) [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (this.#eat('+')) [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (this.#eat('?')) [min, max] = [0, 1];
    else if (this.#peek() === '{' && /[0-9]/.test(this.#peek(1))) {
      this.#take();
      min = this.#number();
      max = this.#eat(',') ? this.#number() : min;
      if (Number.isNaN(max)) max = Number.POSITIVE_INFINITY;
      this.#eat('}');
    } else return atom;
    this.#eat('?'); // lazy or greedy: the same paths, tried in another order
    return { k: 'rep', body: atom, min, max };
  }

  #atom(): Shape {
    const c = this.#take();
    if (c === '(') return this.#group();
    if (c === '[') return { k: 'set', set: this.#class() };
    if (c === '.') return { k: 'set', set: DOT };
    if (c === '^' || c === '$') return EMPTY;
    if (c === '\\') {
      const escaped = this.#escape(false);
      return escaped === undefined ? EMPTY : { k: 'set', set: escaped };
    }
    return { k: 'set', set: single(c.codePointAt(0) as number) };
  }

  #group(): Shape {
    if (this.#eat('?=') || this.#eat('?!') || this.#eat('?<=') || this.#eat('?<!')) {
      this.lookarounds.push(this.alternation());
      this.#eat(')');
      return EMPTY;
    }
    if (this.#eat('?<')) while (!this.done && this.#take() !== '>');
    else this.#eat('?:');
    const body = this.alternation();
    this.#eat(')');
    return body;
  }

  #class(): CharSet {
    const negated = this.#eat('^');
    let set: CharSet = [];
    while (!this.done && this.#peek() !== ']') {
      const from = this.#classAtom();
      if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== '') {
        this.#take();
        const to = this.#classAtom();
        if (from.length === 2 && to.length === 2 && from[0] === from[1] && to[0] === to[1]) {
          set = union(set, [from[0] as number, to[0] as number]);
          continue;
        }
        set = union(union(set, from), union(to, single(45)));
        continue;
      }
      set = union(set, from);
    }
    this.#eat(']');
    return negated ? complement(set) : set;
  }

  #classAtom(): CharSet {
    const c = this.#take();
    if (c !== '\\') return single(c.codePointAt(0) as number);
    return this.#escape(true) ?? single(8); // \b in a class is a backspace
  }

  /** The set an escape stands for; undefined for an assertion (`\b`, `\B`). */
  #escape(inClass: boolean): CharSet | undefined {
    const c = this.#take();
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'p':
      case 'P':
        // A Unicode property: counted as any character, which can only make the analysis stricter.
        if (this.#eat('{')) while (!this.done && this.#take() !== '}');
        return ANY;
      case 'b':
      case 'B':
        return inClass ? single(8) : undefined;
      case 'k':
        throw new UnsupportedPattern(
          'a backreference (\\k<name>) cannot be matched in bounded time',
        );
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 't':
        return single(9);
      case 'f':
        return single(12);
      case 'v':
        return single(11);
      case '0':
        return single(0);
      case 'c':
        return single((this.#take().codePointAt(0) as number) % 32);
      case 'x':
        return single(Number.parseInt(this.#take() + this.#take(), 16));
      case 'u': {
        if (this.#eat('{')) {
          let hex = '';
          while (!this.done && this.#peek() !== '}') hex += this.#take();
          this.#take();
          return single(Number.parseInt(hex, 16));
        }
        let hex = '';
        for (let i = 0; i < 4; i++) hex += this.#take();
        return single(Number.parseInt(hex, 16));
      }
      default:
        if (/[1-9]/.test(c) && !inClass) {
          throw new UnsupportedPattern(
            `a backreference (\\${c}) cannot be matched in bounded time`,
          );
        }
        return single(c.codePointAt(0) as number);
    }
  }
}

/**
 * Parses a pattern that compiles under the `u` flag into its shape and the
 * shapes of its lookarounds. Throws `UnsupportedPattern` for a
 * backreference.
 *
 * @example
 * ```ts
 * const { main, lookarounds } = parseShape('(?<=--password=)\\S+');
 * ```
 */
export function parseShape(source: string): { main: Shape; lookarounds: readonly Shape[] } {
  const parser = new Parser(source);
  const main = parser.alternation();
  return { main, lookarounds: parser.lookarounds };
}
