import type { ActorProcess, AnyDefinition } from '../actor/index.js';
import { link } from '../actor/index.js';
import { ClusterError, DeniedError, InvalidArgumentError, NoConnectionError } from '../errors.js';
import { importDefinition, moduleOf } from '../isolation/index.js';
import type { ExitReason } from '../process/index.js';
import { OP } from './frames.js';
import type { RemoteProcess } from './remote-process.js';
import { remoteStandIn, type SpawnSide } from './remote-spawn.js';
import type { RemoteTable, TableHost } from './remote-table.js';
import { spawnHref, spawnRefusal } from './spawn-policy.js';
import type { NodeTransport } from './transport.js';
import { fromWire, toWire, type WireMarks } from './wire-value.js';

/**
 * Spawning on another node, both sides: the stand-in here and its spawn
 * request, and the body a peer asks this node to start (its code loaded
 * only from where `allowSpawn` permits).
 *
 * @module
 */

/** What spawning needs of its node. */
export interface SpawnNode {
  readonly id: string;
  isUp(node: string): boolean;
  /** The up node `where` names (a node id, or the name of exactly one up node). */
  resolveNode(where: string): string;
}

/**
 * The spawns of one node: those it asked others for, by stand-in pid, and
 * those peers ask of it.
 *
 * @example
 * ```ts
 * const spawns = new NodeSpawns(host, node, table, transport, options.allowSpawn);
 * const standIn = spawns.spawnOn(def, { node: 'web-2' }, null);
 * ```
 */
export class NodeSpawns implements SpawnSide {
  readonly #host: TableHost;
  readonly #node: SpawnNode;
  readonly #table: RemoteTable;
  readonly #transport: NodeTransport;
  readonly #allowSpawn: ((url: string) => boolean) | undefined;
  readonly #pending = new Map<number, { node: string; settle: (id: number | Error) => void }>();

  constructor(
    host: TableHost,
    node: SpawnNode,
    table: RemoteTable,
    transport: NodeTransport,
    allowSpawn: ((url: string) => boolean) | undefined,
  ) {
    this.#host = host;
    this.#node = node;
    this.#table = table;
    this.#transport = transport;
    this.#allowSpawn = allowSpawn;
  }

  /** `spawn(def, { node })`: the stand-in here, the body there. */
  spawnOn(
    def: AnyDefinition,
    options: { node?: string } & object,
    parent: ActorProcess | null,
  ): ActorProcess {
    const table = this.#table;
    const node = this.#node.resolveNode(options.node as string);
    const { node: _n, ...local } = options as Record<string, unknown>;
    if (node === this.#node.id) return this.#host.spawnProcess(def, local, parent);
    const module = moduleOf(def);
    if (module === undefined) {
      throw new InvalidArgumentError(
        'node',
        'on another node a definition must be portable: portable(import.meta.url, exportName, definition)',
      );
    }
    const marks: WireMarks = { found: false };
    const args = toWire(local.args, table, marks);
    const { args: _a, ...rest } = local;
    const standIn = table.make(
      node,
      0,
      remoteStandIn(this, module, def.label, { args, marked: marks.found }),
      rest,
      parent,
    );
    standIn.standIn = true;
    // Counted among the node's records at once: a spawn in flight ends noconnection with its node.
    table.track(standIn, () => {});
    // From now on, sends to that node's addresses wait behind this spawn (FIFO).
    table.addresses.spawnPending(standIn);
    return standIn;
  }

  /** Sends the spawn request of stand-in `p`; resolves with the remote pid. */
  requestSpawn(
    p: RemoteProcess,
    url: string,
    exportName: string,
    args: { args: unknown; marked: boolean },
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.#node.isUp(p.node)) {
        reject(new NoConnectionError(`node ${p.node}`, p.node));
        return;
      }
      this.#pending.set(p.pid, {
        node: p.node,
        settle: (r) => (typeof r === 'number' ? resolve(r) : reject(r)),
      });
      this.#transport.send(
        p.node,
        JSON.stringify([OP.spawn, p.pid, url, exportName, args.marked ? 1 : 0, args.args]),
      );
    });
  }

  /** Binds stand-in `p` to its remote pid. */
  bindSpawned(p: RemoteProcess, id: number): void {
    this.#table.bind(p, id);
    this.#table.addresses.spawnSettled(p);
    p.release();
  }

  /** Sends a graceful stop, or a kill, to the remote body of a stand-in. */
  stopRemote(p: RemoteProcess, reason: ExitReason | 'kill'): boolean {
    if (p.remoteId === 0 || !this.#node.isUp(p.node)) return false;
    if (reason === 'kill') {
      this.#transport.send(p.node, JSON.stringify([OP.kill, p.remoteId]));
      return true;
    }
    const marks: WireMarks = { found: false };
    const wire = toWire(reason, this.#table, marks);
    this.#transport.send(p.node, JSON.stringify([OP.stop, p.remoteId, marks.found ? 1 : 0, wire]));
    return true;
  }

  /** A peer asks this node to spawn: loads the definition, starts it, answers with its pid or the error. */
  async spawnHere(from: string, frame: readonly unknown[]): Promise<void> {
    const [, reqId, url, exportName, marked, rawArgs] = frame;
    const table = this.#table;
    const answer = (outcome: number | Error): void => {
      if (typeof outcome === 'number') {
        this.#transport.send(from, JSON.stringify([OP.spawned, reqId, 1, outcome]));
        return;
      }
      const marks: WireMarks = { found: false };
      const wire = toWire(outcome, table, marks);
      this.#transport.send(from, JSON.stringify([OP.spawned, reqId, 0, marks.found ? 1 : 0, wire]));
    };
    try {
      if (typeof url !== 'string' || typeof exportName !== 'string' || typeof reqId !== 'number') {
        throw new InvalidArgumentError('spawn', 'a malformed spawn request');
      }
      const refusal = spawnRefusal(url, this.#allowSpawn);
      if (refusal !== undefined) throw new DeniedError('spawn', refusal);
      // What was judged is what loads: the normalised URL, never the raw one.
      const def = await importDefinition({ url: spawnHref(url) as string, exportName });
      const args = marked === 1 ? fromWire(rawArgs, table) : rawArgs;
      const child = this.#host.spawnProcess(
        def as unknown as AnyDefinition,
        args === undefined ? undefined : { args },
        null,
      );
      // The child is linked to its stand-in: when the stand-in's node goes, so does the child.
      const standIn = table.remote(from, reqId);
      link(child, standIn, standIn.pid, false);
      answer(child.pid);
    } catch (error) {
      answer(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A peer answered a spawn request: its stand-in binds, or fails with the error. */
  spawned(frame: readonly unknown[]): void {
    const pending = this.#pending.get(frame[1] as number);
    if (pending === undefined) return;
    this.#pending.delete(frame[1] as number);
    if (frame[2] === 1 && typeof frame[3] === 'number') {
      pending.settle(frame[3]);
      return;
    }
    const error = frame[3] === 1 ? fromWire(frame[4], this.#table) : frame[4];
    pending.settle(
      error instanceof Error ? error : new ClusterError(`spawn failed: ${String(error)}`),
    );
  }

  /** `node` went: its spawns in flight fail `noconnection`. */
  nodeLost(node: string): void {
    for (const [pid, pending] of this.#pending) {
      if (pending.node !== node) continue;
      this.#pending.delete(pid);
      pending.settle(new NoConnectionError(`node ${node}`, node));
    }
  }
}
