/**
 * Keeps one small idle system alive for as long as the runtime is loaded,
 * so V8 keeps the hidden classes ("maps") of the runtime's hot objects.
 *
 * Why: V8 collects a map once no object uses it. When every process of a
 * system has stopped (a shutdown, or `system.stop` of the last ones) and
 * the garbage collector runs, the maps of `ActorProcess`, `Mailbox`,
 * `LocalRef`, `Scheduler` and the rest go, and the next system's objects
 * get fresh ones: every optimized function that handles them is thrown
 * away (`--trace-deopt`: "marking dependent code … code dependencies /
 * weak objects"), field constness is learned again, and the code
 * re-optimized from that mixed feedback stopped inlining the send path.
 * Measured on object ping-pong, three 1M-trip runs in one process with the
 * players stopped after each: 508–567 ms of CPU for the later runs against
 * 143–146 ms with one idle system kept alive beside them (3 processes
 * each). The anchor is that idle system: a process that has handled a small
 * burst and a dozen children it spawned and told one message each, so its
 * objects have been through the same transitions as a user's, and the sites
 * every new process passes once (its mailbox's creation, its `init`) have
 * V8's type feedback before a user's first processes pass them (without it,
 * `--trace-deopt` showed the optimized run loop thrown away at `runInit` in
 * 2 of 8 counting runs). It holds no timer or handle (Node exits as before)
 * and no user state; it is per thread, like the module.
 *
 * @example
 * ```ts
 * ShapeAnchor.ensure(() => makeIdleSystem()); // once; later calls do nothing
 * ```
 */
// biome-ignore lint/complexity/noStaticOnlyClass: the holder must outlive every system, and a class keeps it out of a module-level binding (no module globals)
export class ShapeAnchor {
  /** The anchor, once made; `null` while it is being made (its own creation must not recurse). */
  static #held: unknown = undefined;

  /** Makes the anchor with `make` the first time; does nothing afterwards. */
  static ensure(make: () => unknown): void {
    if (ShapeAnchor.#held !== undefined) return;
    ShapeAnchor.#held = null;
    ShapeAnchor.#held = make();
  }
}
