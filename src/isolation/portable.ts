import type { ActorDefinition } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { ModuleRef } from './protocol.js';

/** Where a portable definition says it lives. */
export const MODULE_REF: unique symbol = Symbol('airssys.moduleRef');

/**
 * Makes a definition placeable in a worker thread or a child process.
 * Functions do not cross threads, so the other side imports the module at
 * `moduleUrl` and takes its export `exportName`, which must be this very
 * definition. Call it where the definition is exported:
 *
 * @example
 * ```ts
 * // hasher.ts
 * export const hasher = portable(import.meta.url, 'hasher', defineActor<HashMsg>({ handle: ... }));
 * // elsewhere
 * const ref = system.spawn(hasher, { placement: 'worker' });
 * ```
 */
export function portable<M, S, A>(
  moduleUrl: string | URL,
  exportName: string,
  definition: ActorDefinition<M, S, A>,
): ActorDefinition<M, S, A> {
  const url = String(moduleUrl);
  if (!url.startsWith('file:') && !url.startsWith('data:')) {
    throw new InvalidArgumentError('moduleUrl', 'must be a file: URL, e.g. import.meta.url');
  }
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new InvalidArgumentError('exportName', 'must be the name the definition is exported as');
  }
  const where: ModuleRef = Object.freeze({ url, exportName });
  return Object.freeze({ ...definition, [MODULE_REF]: where });
}

/** Where `definition` lives, or undefined when it was not made portable. */
export function moduleOf(definition: object): ModuleRef | undefined {
  return (definition as { [MODULE_REF]?: ModuleRef })[MODULE_REF];
}

/**
 * Imports the definition a module ref names (in a host) and checks that it
 * is one.
 */
export async function importDefinition(
  ref: ModuleRef,
): Promise<ActorDefinition<unknown, unknown, unknown>> {
  const module = (await import(ref.url)) as Record<string, unknown>;
  const definition = module[ref.exportName] as
    | ActorDefinition<unknown, unknown, unknown>
    | undefined;
  if (
    typeof definition !== 'object' ||
    definition === null ||
    typeof definition.handle !== 'function'
  ) {
    throw new InvalidArgumentError(
      'exportName',
      `${ref.url} has no actor definition exported as ${JSON.stringify(ref.exportName)}`,
    );
  }
  return definition;
}
