import type { ActorContext, ActorProcess, AnyDefinition } from '../actor/index.js';
import { ENCODE_MESSAGE, finish, isRuntimeMessage } from '../actor/index.js';
import { encode } from '../codec/index.js';
import { exitReason } from '../process/index.js';
import type { HostLink } from './link.js';
import type { ModuleRef } from './protocol.js';

/**
 * The definition of a stand-in: the process the main system keeps for an
 * actor placed in a worker thread or child process. It owns the pid, the
 * name, the links and monitors and the place in a supervision tree; its
 * body runs in the host. Messages are encoded when sent (so what cannot
 * cross is refused at `tell`), passed on in order, and the stand-in ends
 * when its body does, with the same reason — or takes its body with it.
 */
export function standInDefinition(
  link: HostLink,
  module: ModuleRef,
  label: string | undefined,
): AnyDefinition {
  const definition = {
    label: label ?? module.exportName,
    init(ctx: ActorContext<unknown, unknown>, args: unknown) {
      const p = ctx as unknown as ActorProcess;
      // Resolves once the body's init has run; a body that fails to start
      // ends the stand-in with its reason before this settles.
      return link.start(p, module, args).then((outcome) => {
        // A host that was already gone answers at once: end with its reason.
        if (outcome.kind !== 'started' && p.alive) {
          finish(p, outcome.kind === 'failed' ? outcome.reason : exitReason.normal);
        }
      });
    },
    handle(message: unknown, ctx: ActorContext<unknown, unknown>) {
      const p = ctx as unknown as ActorProcess;
      // EXIT and DOWN messages are made by the runtime, not encoded at send.
      // Buffers the sender listed in `transfer` move with it (semantics §7).
      link.forward(p, message, ctx.sender, !isRuntimeMessage(message), ctx.envelope?.transfer);
    },
    terminate(reason: Parameters<HostLink['stop']>[1], ctx: ActorContext<unknown, unknown>) {
      // A graceful stop reaches the body, whose terminate runs; the stand-in
      // then ends when the body reports its exit (or is killed after its
      // shutdown timeout, which kills the body too).
      if (link.ended) return undefined;
      link.stop(ctx as unknown as ActorProcess, reason);
      return new Promise<void>(() => {});
    },
    [ENCODE_MESSAGE]: (message: unknown) => encode(message, link),
  };
  return Object.freeze(definition) as AnyDefinition;
}
