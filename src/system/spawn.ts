import type { AnyDefinition, HostedIdentity, ProcessMaker, SpawnOptions } from '../actor/index.js';
import {
  ActorProcess,
  ASYNC_STEPS,
  COPY_ON_SEND,
  ENVELOPES,
  HOSTED_AS,
  isAsyncFunction,
  MAKE_PROCESS,
  NEEDS_INIT,
  NO_LANES,
  ProcessExtras,
  processOf,
  validateSpawnOptions,
} from '../actor/index.js';
import { encode, type RefCodec } from '../codec/index.js';
import { InvalidArgumentError, NameTakenError, SystemShutdownError } from '../errors.js';
import { moduleOf, standInDefinition } from '../isolation/index.js';
import { Mailbox } from '../mailbox/index.js';
import { formatPid, type Pid } from '../process/index.js';
import { nameOf } from '../registry/index.js';
import { loadPolicy, SecurityContext } from '../security/index.js';
import type { SystemCore } from './core.js';

/**
 * Spawns a process of `core`'s system (`system.spawn`, `ctx.spawn`, a
 * supervisor's child): checks the definition and options, sends a `node`
 * spawn to the cluster and an off-main `placement` to {@link placeProcess},
 * else makes the process under its policy (a detached process keeps its
 * spawner's), registers its name, and schedules its `init`.
 *
 * @example
 * ```ts
 * const p = spawnProcess(core, definition, { name: 'db' }, null);
 * ```
 */
export function spawnProcess(
  core: SystemCore,
  def: AnyDefinition,
  options: SpawnOptions<unknown> | undefined,
  parent: ActorProcess | null,
): ActorProcess {
  if (core.phase === 'closed') throw new SystemShutdownError();
  if (def === null || typeof def !== 'object' || typeof def.handle !== 'function') {
    throw new InvalidArgumentError(
      'definition',
      'must be an actor definition with a handle function',
    );
  }
  validateSpawnOptions(options);
  if (options?.node !== undefined) {
    if (core.cluster === undefined) {
      throw new InvalidArgumentError('node', 'needs a system that joined a cluster');
    }
    return core.cluster.spawnOn(def, options, parent);
  }
  if (options?.placement !== undefined && options.placement !== 'main') {
    return placeProcess(core, def, options, parent);
  }
  let flags = def.init === undefined ? 0 : NEEDS_INIT;
  if (isAsyncFunction(def.handle) || isAsyncFunction(def.init)) flags |= ASYNC_STEPS;
  const name = options?.name === undefined ? undefined : nameOf(options.name);
  if (options !== undefined) {
    if (options.copyOnSend === true) flags |= COPY_ON_SEND;
    if (options.envelopes === true) flags |= ENVELOPES;
    if (options.priorityLanes === false) flags |= NO_LANES;
    if (name !== undefined) {
      // Checked before the process exists, so a taken name spawns nothing.
      const holder = core.names.whereis(name);
      if (holder !== undefined) throw new NameTakenError(name, formatPid(holder.pid));
    }
  }
  // A detached process (Erlang's plain spawn) has no parent tie, but it
  // runs under its spawner's policy: detaching never widens what it may do.
  const tree = options?.detached === true ? null : parent;
  // The parent's policy is looked up (a walk to the root) only when it is
  // narrowed or kept by a detached process: a restart's spawn needs neither.
  let own: SecurityContext | undefined;
  if (options?.security !== undefined) {
    own = (parent?.security ?? core.security).narrow(loadPolicy(options.security));
  } else if (tree !== parent) {
    const inherited = parent?.security ?? core.security;
    if (inherited !== core.security) own = inherited;
  }
  const hosted = (options as { [HOSTED_AS]?: HostedIdentity } | undefined)?.[HOSTED_AS];
  const pid = hosted === undefined ? core.nextPid() : (hosted.pid as Pid);
  const make = (options as { [MAKE_PROCESS]?: ProcessMaker } | undefined)?.[MAKE_PROCESS];
  const p: ActorProcess =
    make === undefined
      ? new ActorProcess(core, pid, def, tree, flags)
      : make(core, pid, def, tree, flags);
  if (hosted?.parent !== undefined) p.extras().parentPid = hosted.parent;
  if (own !== undefined) p.extras().security = own;
  else if (hosted !== undefined && hosted.security.length > 0) {
    p.extras().security = new SecurityContext(hosted.security.map((policy) => loadPolicy(policy)));
  }
  if (options !== undefined) {
    if (options.mailbox !== undefined) p.mailbox = new Mailbox(options.mailbox);
    const { args, shutdown } = options;
    if (args !== undefined || shutdown !== undefined) {
      // Made here rather than by `p.extras()`, whose branch is rarely taken elsewhere: V8 then
      // counts the construction hot and builds the record inline (a supervised child's spawn).
      let ext = p.ext;
      if (ext === null) {
        ext = new ProcessExtras();
        p.ext = ext;
      }
      if (args !== undefined) ext.args = args;
      if (shutdown !== undefined) ext.shutdown = shutdown;
    }
    if (name !== undefined) core.names.register(name, p);
  }
  core.table.add(p);
  if (tree !== null) tree.adopt(p);
  // Checked before `report`, so that a spawn nobody observes does not spend V8's inlining
  // budget of this function on it (the checks are the same).
  if (core.events.observed) {
    core.report((at) => ({ type: 'spawned', pid: p.pid, parent: tree?.pid, at }));
  }
  if ((flags & NEEDS_INIT) !== 0) core.scheduler.schedule(p);
  return p;
}

/**
 * Spawns the stand-in of a process placed in a worker, a child process or
 * the pool (`spawn` with a `placement` other than `main`): the definition
 * must be portable and its arguments must cross, checked before anything
 * starts; the host link is abandoned if the stand-in cannot spawn.
 *
 * @example
 * ```ts
 * const standIn = placeProcess(core, def, { placement: 'worker' }, null);
 * ```
 */
export function placeProcess(
  core: SystemCore,
  def: AnyDefinition,
  options: SpawnOptions<unknown>,
  parent: ActorProcess | null,
): ActorProcess {
  const module = moduleOf(def);
  if (module === undefined) {
    throw new InvalidArgumentError(
      'placement',
      'off the main thread a definition must be portable: portable(import.meta.url, exportName, definition)',
    );
  }
  const { placement: _p, resourceLimits: _l, sandbox: _s, ...local } = options;
  if (local.name !== undefined) {
    const name = nameOf(local.name);
    const holder = core.names.whereis(name);
    if (holder !== undefined) throw new NameTakenError(name, formatPid(holder.pid));
  }
  // Arguments that cannot cross are refused now, like a message at `tell`.
  encode(local.args, PLAIN_REFS, { found: false, subject: 'args' });
  const link = core.placements.link(options, module);
  let standIn: ActorProcess;
  try {
    standIn = core.spawnProcess(
      standInDefinition(link, module, def.label),
      { ...local, copyOnSend: true },
      parent,
    );
  } catch (error) {
    link.abandon();
    throw error;
  }
  link.adopt(standIn);
  return standIn;
}

/** Checks what can cross a boundary, refs included, without encoding for a host. */
const PLAIN_REFS: RefCodec = {
  refPid: (value) => processOf(value)?.pid,
  refOf: (pid) => pid,
  replyId: () => undefined,
  replyOf: (id) => id,
};
