import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnHref, spawnRefusal } from '../../../src/cluster/spawn-policy.js';

// docs/semantics.md §25, "Spawn across nodes": a node loads only file: module URLs for peers by
// default (allowSpawn to change it; never data:).
describe('which module URLs a peer may make a node load (spawnRefusal)', () => {
  const code = 'data:text/javascript,export const x={handle(){}};';

  it('by default only file: URLs load', () => {
    assert.equal(spawnRefusal('file:///srv/app/actors.js', undefined), undefined);
    for (const url of ['http://127.0.0.1:1/x.js', 'node:child_process', code]) {
      assert.notEqual(spawnRefusal(url, undefined), undefined, url);
    }
  });

  it('never data:, even when allowSpawn allows every URL; allowSpawn is not asked', () => {
    const asked: string[] = [];
    const all = (url: string): boolean => {
      asked.push(url);
      return true;
    };
    for (const url of [code, 'DATA:text/javascript,1', 'data:,1']) {
      assert.match(spawnRefusal(url, all) ?? '', /data: URL/, url);
    }
    assert.deepEqual(asked, []);
  });

  it('a string that is not an absolute URL is refused before allowSpawn is asked', () => {
    let asked = 0;
    const all = (): boolean => {
      asked += 1;
      return true;
    };
    for (const url of ['./actors.js', '../../package.json', ' data:,1', '']) {
      assert.notEqual(spawnRefusal(url, all), undefined, JSON.stringify(url));
    }
    assert.equal(asked, 0);
  });

  it('otherwise allowSpawn decides; only a true answer loads', () => {
    const onlyApp = (url: string): boolean => url.startsWith('file:///srv/app/');
    assert.equal(spawnRefusal('file:///srv/app/a.js', onlyApp), undefined);
    assert.match(spawnRefusal('file:///tmp/a.js', onlyApp) ?? '', /does not load/);
    assert.equal(
      spawnRefusal('https://example.com/a.js', () => true),
      undefined,
    );
    const truthy = (() => 1) as unknown as (url: string) => boolean;
    assert.notEqual(spawnRefusal('file:///srv/app/a.js', truthy), undefined);
  });

  it('allowSpawn judges the URL import() loads: dot segments cannot walk out of an allowed prefix', () => {
    const onlyApp = (url: string): boolean => url.startsWith('file:///srv/app/');
    for (const url of [
      'file:///srv/app/../../tmp/x.js',
      'file:///srv/app/%2e%2e/%2e%2e/tmp/x.js',
    ]) {
      assert.equal(spawnHref(url), 'file:///tmp/x.js', url);
      assert.match(
        spawnRefusal(url, onlyApp) ?? '',
        /does not load definitions from file:\/\/\/tmp\/x\.js/,
        url,
      );
    }
    const seen: string[] = [];
    spawnRefusal('file:///srv/app/lib/../a.js', (url) => seen.push(url) > 0);
    assert.deepEqual(seen, ['file:///srv/app/a.js']);
    assert.equal(spawnHref('actors.js'), undefined);
  });
});
