import type { ActorContext, ActorProcess, AnyDefinition } from '../actor/index.js';
import type { ModuleRef } from '../isolation/index.js';
import type { ExitReason } from '../process/index.js';
import { REMOTE_DEFINITION, RemoteProcess } from './remote-process.js';

/**
 * The stand-in of a process spawned on another node (`spawn(def, { node })`).
 * It is a remote process record whose init asks the node to spawn the
 * portable definition and binds to the pid it gets; it owns the place in
 * a supervision tree here. It ends when the body does, with its reason —
 * so a supervisor here restarts a child there by its strategy — or with
 * `noconnection` when that node goes. Stopping it stops the body
 * gracefully (its `terminate` runs there); killing it kills the body.
 *
 * @module
 */

/** What a stand-in needs of its node. */
export interface SpawnSide {
  requestSpawn(
    p: RemoteProcess,
    url: string,
    exportName: string,
    args: { args: unknown; marked: boolean },
  ): Promise<number>;
  bindSpawned(p: RemoteProcess, id: number): void;
  stopRemote(p: RemoteProcess, reason: ExitReason | 'kill'): boolean;
}

/** The definition of a stand-in for `module`'s actor spawned on another node. */
export function remoteStandIn(
  side: SpawnSide,
  module: ModuleRef,
  label: string | undefined,
  args: { args: unknown; marked: boolean },
): AnyDefinition {
  const definition = {
    label: label ?? module.exportName,
    init(ctx: ActorContext<unknown, unknown>) {
      const p = ctx as unknown as RemoteProcess;
      // However it ends — even killed while the spawn is in flight — its body goes too.
      p.hold({ release: () => side.stopRemote(p, 'kill') });
      return side.requestSpawn(p, module.url, module.exportName, args).then((id) => {
        if (!p.alive) {
          // Ended while the spawn was in flight: the body it got must not outlive it.
          p.remoteId = id;
          side.stopRemote(p, 'kill');
          return;
        }
        side.bindSpawned(p, id);
      });
    },
    handle: REMOTE_DEFINITION.handle,
    terminate(reason: ExitReason, ctx: ActorContext<unknown, unknown>) {
      const p = ctx as unknown as ActorProcess;
      // The body's terminate runs there; the stand-in ends when its `down` comes back.
      if (!(p instanceof RemoteProcess) || !side.stopRemote(p, reason)) return undefined;
      return new Promise<void>(() => {});
    },
  };
  return Object.freeze(definition) as unknown as AnyDefinition;
}
