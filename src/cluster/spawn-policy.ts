/**
 * Which module URLs a peer may make this node load for a remote spawn: the one
 * decision, kept apart from the spawning so that no order of checks can let a
 * `data:` URL reach `import()`.
 *
 * @module
 */

/**
 * Why this node refuses to load `url` for a peer's spawn, or undefined when it
 * loads it. A `data:` URL is the peer's own code, so it is refused before
 * `allow` is asked — whatever `allow` says — and so is a string that is not an
 * absolute URL (`import()` would resolve it against the runtime's own files).
 * Without `allow`, only `file:` URLs load.
 *
 * @example
 * ```ts
 * spawnRefusal('data:text/javascript,export const x = 1', () => true);
 * // 'a data: URL is code sent by the peer; no node loads one'
 * spawnRefusal('file:///srv/app/actors.js', undefined); // undefined
 * ```
 */
export function spawnRefusal(
  url: string,
  allow: ((url: string) => boolean) | undefined,
): string | undefined {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    return `${JSON.stringify(url.slice(0, 80))} is not an absolute module URL`;
  }
  if (scheme === 'data:') return 'a data: URL is code sent by the peer; no node loads one';
  const allowed = allow === undefined ? scheme === 'file:' : allow(url) === true;
  return allowed ? undefined : `this node does not load definitions from ${url.slice(0, 200)}`;
}
