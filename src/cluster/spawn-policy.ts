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
 * Without `allow`, only `file:` URLs load. `allow` is given the URL as
 * `import()` will load it ({@link spawnHref}: `..` and `%2e%2e` resolved), so a
 * prefix check cannot be walked out of.
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
  const href = spawnHref(url);
  if (href === undefined)
    return `${JSON.stringify(url.slice(0, 80))} is not an absolute module URL`;
  const scheme = new URL(href).protocol;
  if (scheme === 'data:') return 'a data: URL is code sent by the peer; no node loads one';
  const allowed = allow === undefined ? scheme === 'file:' : allow(href) === true;
  return allowed ? undefined : `this node does not load definitions from ${href.slice(0, 200)}`;
}

/**
 * `url` normalised as `import()` loads it (dot segments and their
 * percent-encoded forms resolved), or undefined when it is not an absolute URL.
 * The spawn imports this, the same string {@link spawnRefusal} judged.
 *
 * @example
 * ```ts
 * spawnHref('file:///srv/app/../../tmp/x.js'); // 'file:///tmp/x.js'
 * spawnHref('actors.js'); // undefined
 * ```
 */
export function spawnHref(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}
