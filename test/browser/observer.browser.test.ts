/**
 * docs/semantics.md §18, in a real browser: playwright-core drives Debian's
 * Chromium (`CHROMIUM_PATH`, else `chromium` on the PATH; `.ci/run`
 * installs it). The page must show the real processes in the tree and the
 * table, follow a crash and its restart live, sort, filter and show a
 * process's detail. A screenshot goes to `test-output/observer.png`.
 * Without Chromium the test is skipped, with the reason printed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createSystem, defineActor, supervisor } from '../../src/index.js';
import { startObserver } from '../../src/observer/index.js';
import { LIMITS } from '../support/guard.js';

function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    return found === '' ? undefined : found;
  } catch {
    return undefined;
  }
}

const executablePath = findChromium();
const skip =
  executablePath === undefined
    ? 'no Chromium found: set CHROMIUM_PATH or install it (apt-get install -y chromium; .ci/run does)'
    : false;
if (skip !== false) console.log(`observer browser test skipped: ${skip}`);

/** Polls `check` (in Node, against the live page) until it holds. */
async function until(
  check: () => Promise<boolean>,
  what: string,
  ms: number = LIMITS.wait,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Clicks an element the page re-renders at every snapshot (the tree, the table's rows, the
 * detail panel: every `intervalMs`, 100 ms here). Playwright's click waits for the element
 * to be stable, scrolls it into view and then clicks, and on a busy machine those steps take
 * longer than a snapshot, so the element it checked is always replaced before the click
 * lands ("element was detached from the DOM", until its timeout). The click event is
 * dispatched on the element as it is now, in one step in the page.
 */
async function clickLive(page: Page, selector: string): Promise<void> {
  await page.locator(selector).dispatchEvent('click');
}

type WorkerMsg = 'crash' | 'ping';
const worker = defineActor<WorkerMsg>({
  label: 'worker',
  handle(msg) {
    if (msg === 'crash') throw new Error('crashed on purpose');
  },
});

describe('observer in Chromium', { skip }, () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({
      executablePath: executablePath as string,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens `url` in a new page that records page errors and console errors. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    assert.ok(browser !== undefined);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Playwright's own waits (30 s by default) are hang guards like the test's own.
    page.setDefaultTimeout(LIMITS.wait);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // The detail of a process that died a moment ago is answered 404 (noproc) and the
      // panel says so; Chromium still logs the 404. Any other console error is a problem.
      const detailOfDead =
        /\/api\/processes\/\d+(\?|$)/.test(msg.location().url) && msg.text().includes('404');
      if (!detailOfDead) problems.push(`console: ${msg.text()}`);
    });
    await page.goto(url);
    return { page, problems };
  }

  it('shows the tree and table of real processes and a restart live', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({ name: 'browser-demo' });
    await system.start(
      supervisor({
        children: [
          { id: 'w1', actor: worker, options: { name: 'w1' } },
          { id: 'w2', actor: worker, options: { name: 'w2' } },
          {
            id: 'cache',
            actor: supervisor({
              strategy: 'one-for-all',
              children: [
                { id: 'c1', actor: worker, options: { name: 'c1' } },
                { id: 'c2', actor: worker, options: { name: 'c2' } },
              ],
            }),
            options: { name: 'cache' },
          },
        ],
      }),
      { name: 'app' },
    );
    system.spawn(worker, { name: 'loner' });
    const observer = await startObserver(system, { port: 0, intervalMs: 100 });
    const { page, problems } = await open(observer.url);
    try {
      // The table lists exactly the live processes.
      const pids = system.processes().map(String);
      const rowPids = () =>
        page.locator('#rows tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-pid')));
      await until(async () => (await rowPids()).length === pids.length, 'the table rows');
      assert.deepEqual([...(await rowPids())].sort(), [...pids].sort());

      // The tree nests the workers under their supervisors.
      const app = system.whereis('app');
      const cache = system.whereis('cache');
      assert.ok(app !== undefined && cache !== undefined);
      const nested = await page
        .locator(`#tree li[data-pid="${cache.pid}"] li .nm`)
        .allTextContents();
      assert.deepEqual(nested, ['c1', 'c2']);
      const appText = await page.locator(`#tree li[data-pid="${app.pid}"]`).textContent();
      for (const name of ['app', 'w1', 'w2', 'cache', 'c1', 'c2']) {
        assert.match(appText ?? '', new RegExp(name));
      }
      assert.match((await page.locator('#tree > ul.tree').textContent()) ?? '', /loner/);

      // Collapsing and expanding a subtree.
      const cacheKids = page.locator(`#tree li[data-pid="${cache.pid}"] li`);
      await clickLive(page, `#tree li[data-pid="${cache.pid}"] > .line > .toggle`);
      await until(async () => (await cacheKids.count()) === 0, 'the collapsed subtree');
      await clickLive(page, `#tree li[data-pid="${cache.pid}"] > .line > .toggle`);
      await until(async () => (await cacheKids.count()) === 2, 'the expanded subtree');

      // Sorting by name, then filtering.
      await page.click('th[data-key="name"]');
      const names = await page.locator('#rows tr td.c-name').allTextContents();
      assert.deepEqual(
        names,
        [...names].sort((a, b) => a.localeCompare(b)),
      );
      await page.fill('#filter', 'w2');
      await until(async () => (await rowPids()).length === 1, 'the filtered table');
      await page.fill('#filter', '');

      // A crash and its restart appear live: a new pid for w1 with one restart, and the log says so.
      const oldW1 = system.whereis<WorkerMsg>('w1');
      assert.ok(oldW1 !== undefined);
      oldW1.tell('crash');
      const w1Row = () =>
        page.locator('#rows tr').evaluateAll((trs) =>
          trs
            .filter((tr) => tr.querySelector('.c-name')?.textContent === 'w1')
            .map((tr) => ({
              pid: tr.getAttribute('data-pid'),
              restarts: tr.querySelector('.c-restarts')?.textContent,
            })),
        );
      await until(async () => {
        const rows = await w1Row();
        return rows.length === 1 && rows[0]?.pid !== String(oldW1.pid) && rows[0]?.restarts === '1';
      }, 'the restarted w1 in the table');
      const newW1 = system.whereis('w1');
      assert.ok(newW1 !== undefined && newW1.pid !== oldW1.pid);
      await page.waitForSelector('#log li[data-type="child-restarted"]');
      const logText = (await page.locator('#log').textContent()) ?? '';
      assert.match(logText, new RegExp(`<0\\.${oldW1.pid}> → <0\\.${newW1.pid}>`));
      assert.match(logText, /crashed on purpose/);
      assert.match((await page.locator('#cards').textContent()) ?? '', /restarts1/);

      // Detail on click.
      await clickLive(page, `#rows tr[data-pid="${newW1.pid}"]`);
      await until(
        async () =>
          ((await page.locator('#detail h3').textContent()) ?? '').startsWith(`<0.${newW1.pid}>`),
        'the detail panel',
      );
      const detail = (await page.locator('#detail').textContent()) ?? '';
      assert.match(detail, /restarts1/);
      assert.match(detail, new RegExp(`parent<0\\.${app.pid}>`));

      const dir = join(process.cwd(), 'test-output');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'observer.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await observer.close();
      await system.shutdown();
    }
  });

  it('passes the token on and kills a process from the detail panel when control is on', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({ name: 'control-demo' });
    const victim = system.spawn(worker, { name: 'victim' });
    const token = 'browser-token-123';
    const observer = await startObserver(system, {
      port: 0,
      intervalMs: 100,
      token,
      control: true,
    });
    const { page, problems } = await open(`${observer.url}?token=${token}`);
    try {
      await until(async () => (await page.locator('#rows tr').count()) === 1, 'the table');
      assert.equal(await page.locator('#conn').textContent(), 'live');
      const exited = system.exited(victim);
      await clickLive(page, `#rows tr[data-pid="${victim.pid}"]`);
      await clickLive(page, '#detail button.act-kill');
      assert.deepEqual(await exited, { kind: 'killed' });
      await until(async () => (await page.locator('#rows tr').count()) === 0, 'the row to go');
      await page.waitForSelector('#log li[data-type="exited"]');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await observer.close();
      await system.shutdown();
    }
  });
});
