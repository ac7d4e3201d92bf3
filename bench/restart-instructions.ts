/**
 * Restart in instruction counts: what one crash cycle (crash, restart, idle)
 * costs, counted by valgrind's callgrind instead of timed, so the figure does
 * not depend on the machine's load. One one-for-one supervisor, one child
 * that throws a premade Error on 'crash', crashed one at a time (`tell`, then
 * `await system.idle()`). Method: node runs with `--predictable
 * --single-threaded --random-seed=1 --hash-seed=1` and `performance.now` is
 * replaced by a counter (+0.5 µs a reading), so the scheduler's time slices,
 * tiering and GC do not follow valgrind's speed (without both, repeat runs
 * differed by up to 143 M instructions); 15,000 warm-up crashes bring the
 * path to optimized code; the program is run twice, with N = 1,000 and
 * N = 5,000 measured crashes, and the difference ÷ 4,000 is the cost of one
 * cycle, start-up and warm-up cancelled out. `--perf-basic-prof` names the
 * JIT code, so the cycle is split into optimized JS (TurboFan code of the
 * library and this loop), builtins (ICs, promises, Set and Map) and GC.
 *
 * Usage (needs valgrind): `node build/bench/restart-instructions.js [build]`
 * measures `build` (a directory holding `src/index.js`; this build when
 * left out), e.g. an older commit's build beside this one. Prints
 * `RESULT {"total": …, "optimizedJs": …, "builtins": …, "gc": …}` per cycle.
 * A major GC that falls inside one of the two runs moves `total` and `gc` by
 * thousands: compare `optimizedJs`, which repeats within ~150, over two runs
 * or more. Not part of `bench/run.ts`: it needs valgrind and takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WARM_UP = 15_000;
const FEW = 1_000;
const MANY = 5_000;

/** The probe itself, run under valgrind: `probe <warm> <n> <build>`. */
async function probe(warm: number, n: number, build: string): Promise<void> {
  let fakeNow = 0;
  performance.now = () => {
    fakeNow += 0.0005;
    return fakeNow;
  };
  const rt: typeof import('../src/index.js') = await import(
    pathToFileURL(join(build, 'src/index.js')).href
  );
  const crash = new Error('crash');
  let self: import('../src/index.js').ActorRef<string> | undefined;
  let inits = 0;
  const crasher = rt.defineActor<string, number, number>({
    label: 'crasher',
    init(ctx, slot) {
      inits++;
      self = ctx.self;
      return slot;
    },
    handle(msg) {
      if (msg === 'crash') throw crash;
    },
  });
  const system = rt.createSystem();
  const children = [{ id: 'c0', actor: crasher, options: { args: 0 } }];
  await system.start(
    rt.supervisor({ strategy: 'one-for-one', intensity: 1e9, period: 1000, children }),
  );
  await system.idle();
  for (let i = 0; i < warm + n; i++) {
    const before = self;
    before?.tell('crash');
    await system.idle();
    if (self === before) throw new Error('not restarted');
  }
  if (inits !== warm + n + 1) throw new Error(`${inits} inits`);
  await system.shutdown();
}

type Split = { total: number; optimizedJs: number; builtins: number; gc: number };

const GC = /Scaven|Heap|heap::|Mark|Sweep|Evacuat|RememberedSet|IterateObjectCache/;

/** Runs the probe under callgrind and splits its instructions by kind of code. */
function count(n: number, build: string): Split {
  const out = join(tmpdir(), `restart-instructions-${process.pid}-${n}`);
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--perf-basic-prof',
      '--predictable',
      '--single-threaded',
      '--random-seed=1',
      '--hash-seed=1',
      fileURLToPath(import.meta.url),
      'probe',
      String(WARM_UP),
      String(n),
      build,
    ],
    { encoding: 'utf8' },
  );
  const pid = /==(\d+)==/.exec(run.stderr)?.[1];
  if (run.status !== 0 || pid === undefined) throw new Error(`valgrind failed: ${run.stderr}`);
  const mapFile = `/tmp/perf-${pid}.map`;
  const jit = readFileSync(mapFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return {
        start: Number.parseInt(start ?? '', 16),
        size: Number.parseInt(size ?? '', 16),
        name: name.join(' '),
      };
    })
    .sort((a, b) => a.start - b.start);
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', out], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  }).stdout;
  rmSync(out, { force: true });
  rmSync(mapFile, { force: true });
  const split: Split = { total: 0, optimizedJs: 0, builtins: 0, gc: 0 };
  for (const line of annotated.split('\n')) {
    const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line);
    if (m === null) continue;
    const instructions = Number((m[1] ?? '').replaceAll(',', ''));
    let name = m[2] ?? '';
    if (name.startsWith('PROGRAM TOTALS')) split.total = instructions;
    const address = /^\?\?\?:0x([0-9a-f]+) /.exec(name)?.[1];
    if (address !== undefined) name = jitName(jit, Number.parseInt(address, 16));
    if (name.startsWith('JS:*') && name.includes('file://')) split.optimizedJs += instructions;
    else if (name.includes('Builtins_')) split.builtins += instructions;
    else if (GC.test(name)) split.gc += instructions;
  }
  return split;
}

/** The JIT code an address falls in: the highest start at or below it whose code covers it. */
function jitName(jit: { start: number; size: number; name: string }[], address: number): string {
  let lo = 0;
  let hi = jit.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((jit[mid]?.start ?? 0) <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = hi; i >= 0 && i > hi - 50; i--) {
    const e = jit[i];
    if (e !== undefined && e.start <= address && address < e.start + e.size) return e.name;
  }
  return 'JIT?';
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'probe') {
  await probe(Number(rest[0]), Number(rest[1]), rest[2] ?? '');
} else {
  const build = resolve(mode ?? fileURLToPath(new URL('..', import.meta.url)));
  const few = count(FEW, build);
  const many = count(MANY, build);
  const perCycle = (key: keyof Split) => Math.round((many[key] - few[key]) / (MANY - FEW));
  const result = {
    total: perCycle('total'),
    optimizedJs: perCycle('optimizedJs'),
    builtins: perCycle('builtins'),
    gc: perCycle('gc'),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}
