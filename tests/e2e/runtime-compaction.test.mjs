// The IndexedDB log's compaction in a real page (dist/runtime, built by `cargo xtask runtime`): a
// reload while `compactLog()` is part-way through (some slices committed, the rest of the log not
// yet) loses nothing and applies nothing twice, and the compaction then finishes from where it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist } from './support.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

const TABLE = {
  TableName: 'Log',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  BillingMode: 'PAY_PER_REQUEST',
};
const ITEMS = 12_000;

/** How many rows the sandbox's stores `items` and `log` hold, read straight from IndexedDB. */
function rawCounts(name) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(`dynaplay:${name}`);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['items', 'log', 'meta'], 'readonly');
      const items = tx.objectStore('items').count();
      const log = tx.objectStore('log').count();
      const marker = tx.objectStore('meta').get('compacting');
      tx.oncomplete = () => {
        db.close();
        resolve({ items: items.result, log: log.result, compacting: marker.result ?? null });
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

test('a reload during compactLog() loses nothing, and the compaction finishes afterwards', async () => {
  const profile = await mkdtemp(join(tmpdir(), 'dynaplay-compaction-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  const ready = () => page.waitForFunction(() => window.dynaplayRuntime !== undefined);
  try {
    await page.goto(`${server.url}runtime/index.html`);
    await ready();
    // Batches of 25 with 40 in flight: the group commit makes log records of several hundred
    // to a thousand and more mutations, so the compaction has many slices, some part-way
    // through a record. Every item's `v` says which write made it.
    await page.evaluate(async ({ table, n }) => {
      const db = await dynaplayRuntime.open('compaction', { throttling: false });
      window.sandbox = db;
      await db.send('CreateTable', table);
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const start = next;
          next += 25;
          const requests = [];
          for (let i = start; i < Math.min(n, start + 25); i++) {
            requests.push({ PutRequest: { Item: { pk: { S: `p${i % 100}` }, sk: { N: String(i) }, v: { S: `w${i}` } } } });
          }
          await db.send('BatchWriteItem', { RequestItems: { Log: requests } });
        }
      };
      await Promise.all(Array.from({ length: 40 }, worker));
      // Overwrites of the first items, in later records: a double apply of an older record
      // over them, or a lost later one, would show in their `v`.
      for (let i = 0; i < 50; i++) {
        await db.send('PutItem', { TableName: 'Log', Item: { pk: { S: `p${i % 100}` }, sk: { N: String(i) }, v: { S: `again${i}` } } });
      }
    }, { table: TABLE, n: ITEMS });
    const logged = await page.evaluate(rawCounts, 'compaction');
    assert.equal(logged.items, 0, 'everything is in the log before the compaction');

    // Start compacting, and reload as soon as the first slices are in the rows.
    const midway = await page.evaluate(async (counts) => {
      const rawCountsIn = new Function(`return (${counts})`)();
      window.sandbox.compactLog().catch(() => {});
      for (;;) {
        const c = await rawCountsIn('compaction');
        if (c.items > 0) return c;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }, rawCounts.toString());
    assert.ok(midway.items > 0);
    await page.reload();
    await ready();
    const interrupted = await page.evaluate(rawCounts, 'compaction');
    assert.ok(interrupted.log > 0 && interrupted.items < ITEMS,
      `the reload came mid-way: ${JSON.stringify(interrupted)}`);

    // Opens the sandbox in the freshly loaded page (kept as `window.sandbox`) and reads it all.
    const read = () => page.evaluate(async (n) => {
      window.sandbox ??= await dynaplayRuntime.open('compaction');
      const db = window.sandbox;
      const seen = new Map();
      let ExclusiveStartKey;
      do {
        const out = await db.send('Scan', { TableName: 'Log', ExclusiveStartKey });
        for (const item of out.Items) seen.set(Number(item.sk.N), item.v.S);
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      const wrong = [];
      for (let i = 0; i < n; i++) {
        const want = i < 50 ? `again${i}` : `w${i}`;
        if (seen.get(i) !== want) wrong.push(`${i}: ${seen.get(i)}`);
      }
      return { count: seen.size, wrong: wrong.slice(0, 5) };
    }, ITEMS);
    assert.deepEqual(await read(), { count: ITEMS, wrong: [] });

    // The compaction goes on from the marker, and the rows alone then hold the same items.
    await page.evaluate(() => window.sandbox.compactLog());
    await page.reload();
    await ready();
    const done = await page.evaluate(rawCounts, 'compaction');
    assert.deepEqual(done, { items: ITEMS, log: 0, compacting: null });
    assert.deepEqual(await read(), { count: ITEMS, wrong: [] });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
