import { defineActor } from '../actor/index.js';
import { SystemCore } from './core.js';
import { resolveOptions, type SystemOptions } from './options.js';
import { ShapeAnchor } from './shape-anchor.js';
import { ActorSystem } from './system.js';

/**
 * Creates an actor system. Invalid options throw `InvalidArgumentError`
 * naming the option.
 *
 * @example
 * ```ts
 * import { createSystem } from 'airssys-rt';
 * import { ManualClock } from 'airssys-rt/testing';
 * const system = createSystem({ clock: new ManualClock() });
 * ```
 */
export function createSystem(options?: SystemOptions): ActorSystem {
  ShapeAnchor.ensure(makeShapeAnchor);
  const resolved = resolveOptions(options);
  const system = new ActorSystem(
    new SystemCore(resolved, options?.clock, options?.security, options?.audit),
  );
  if (options?.cluster !== undefined) system.joinCluster(options.cluster);
  const inspect = options?.inspect;
  if (inspect !== undefined) {
    if (typeof inspect === 'function') system.inspect(inspect);
    else system.inspect(inspect.listener, inspect);
  }
  return system;
}

/**
 * Messages the anchor's first process handles before it spawns the others:
 * enough for V8 to give the run loop, the mailbox and the send path their
 * type feedback (a function gets it only after running a while), and past
 * its mailbox's first segments, so a lane's growth, advance and emptying
 * have run.
 */
const ANCHOR_WARM_MESSAGES = 256;
/**
 * Children the anchor's first process spawns and tells one message once it
 * has handled {@link ANCHOR_WARM_MESSAGES}: the sites every new process
 * passes once (its mailbox's creation, its `init`, a sender's column) then
 * run with type feedback recorded, so a user's first processes do not
 * deoptimize the optimized run loop and send path (`--trace-deopt`:
 * "Insufficient type feedback for call" at `runInit`, "… for construct" at
 * `new Mailbox()`, in a new system after a warm-up).
 */
const ANCHOR_CHILDREN = 12;

/**
 * The idle system {@link ShapeAnchor} keeps: a process that has handled a
 * small burst and the children it spawned, so its objects have been through
 * the same transitions as a user's and the runtime's once-per-process sites
 * have type feedback before the first user system's hot code is optimized.
 */
function makeShapeAnchor(): ActorSystem {
  const system = new ActorSystem(new SystemCore(resolveOptions(undefined), undefined));
  const anchor = defineActor<number, number>({
    label: 'shape anchor',
    init: () => 0,
    handle(message, ctx) {
      ctx.state += message;
      if (ctx.state !== ANCHOR_WARM_MESSAGES) return;
      for (let i = 0; i < ANCHOR_CHILDREN; i++) ctx.spawn(anchor).tell(0);
    },
  });
  const first = system.spawn(anchor);
  for (let i = 0; i < ANCHOR_WARM_MESSAGES; i++) first.tell(1);
  return system;
}
