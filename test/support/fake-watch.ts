/**
 * A KV watch as the mirror sees it: it yields nothing and ends when stopped.
 * The unit tests of the mirror and the stores hand it out where a real watch
 * would be, so a test decides when (and whether) a watch is made.
 *
 * @example
 * const watch = new FakeWatch();
 * const kv = { watch: async () => watch } as unknown as KV;
 * watch.stop(); // the mirror's iteration over it ends
 */
export class FakeWatch {
  stopped = false;
  #end: (() => void) | undefined;
  stop(): void {
    this.stopped = true;
    this.#end?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<never> {
    if (!this.stopped) await new Promise<void>((resolve) => (this.#end = resolve));
  }
}
