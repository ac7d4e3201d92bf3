import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** The example sources, next to their compiled tests (build/test/examples → test/examples). */
const SOURCES = new URL('../../../test/examples/', import.meta.url);

describe('the examples need no casts', () => {
  for (const file of ['job-queue.test.ts', 'chat-room.test.ts']) {
    it(`${file} has no type assertion (as, <T>value, !)`, () => {
      const code = readFileSync(new URL(file, SOURCES), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      assert.doesNotMatch(code, /\bas\s+(?!const\b)[A-Za-z{[(]/, 'an `as` cast');
      assert.doesNotMatch(code, /[\w)\]]!\./, 'a non-null assertion');
    });
  }

  it('the README example has no type assertion either', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.ok(example.includes('createSystem'), 'the example was found');
    assert.doesNotMatch(example.replace(/\/\/.*$/gm, ''), /\bas\s+[A-Za-z{[(]/);
    assert.doesNotMatch(example, /whereis</, 'no type argument stated by the caller');
  });
});
