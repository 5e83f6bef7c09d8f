// End-to-end tests of sharing and embedding: a sandbox made in one browser profile is shared as a
// link and opened in another (fresh) profile with the same tables, items and requests (and on the
// lesson the sender was on, when there was one); a sandbox
// too large for a link becomes a file that opens the same way; damaged, oversized and invalid
// shares are refused with a message and create nothing; the docs page's three embedded snippets run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { serveDist, openPlayground, screenshot, pick } from './support.mjs';

let site;
before(async () => {
  site = await serveDist();
});
after(async () => {
  await site?.close();
});

/** The sandboxes the page knows (its registry in localStorage). */
async function sandboxList(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('dynaplay.sandboxes') ?? '[]'));
}

/** Waits until window.dynaplay is the sandbox holding `table` (a switch reopens it). */
async function waitForTable(page, table) {
  for (let i = 0; i < 100; i++) {
    const names = await page.evaluate(() =>
      window.dynaplay?.send('ListTables', {}).then((r) => r.TableNames, () => []) ?? [],
    );
    if (names.includes(table)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`no sandbox with table ${table} appeared`);
}

/** Runs one request on the page's sandbox (window.dynaplay) and returns the parsed answer. */
async function call(page, operation, input) {
  const { status, body } = await page.evaluate(
    ([op, text]) => window.dynaplay.dispatch('DynamoDB_20120810.' + op, text),
    [operation, JSON.stringify(input)],
  );
  assert.equal(status, 200, `${operation}: ${body}`);
  return JSON.parse(body);
}

/** Every table's description (without timestamps and ARNs, which a new sandbox may change) and items. */
async function contents(page) {
  const { TableNames } = await call(page, 'ListTables', {});
  const tables = {};
  for (const name of TableNames) {
    const { Table } = await call(page, 'DescribeTable', { TableName: name });
    const items = [];
    let start;
    do {
      const pageOut = await call(page, 'Scan', { TableName: name, ...(start ? { ExclusiveStartKey: start } : {}) });
      items.push(...pageOut.Items);
      start = pageOut.LastEvaluatedKey;
    } while (start);
    tables[name] = {
      KeySchema: Table.KeySchema,
      AttributeDefinitions: Table.AttributeDefinitions,
      GlobalSecondaryIndexes: (Table.GlobalSecondaryIndexes ?? []).map((g) => ({
        IndexName: g.IndexName,
        KeySchema: g.KeySchema,
        Projection: g.Projection,
      })),
      StreamSpecification: Table.StreamSpecification,
      ItemCount: Table.ItemCount,
      items: items.map((i) => JSON.stringify(i)).sort(),
    };
  }
  return tables;
}

async function makeTable(page, name, extra = {}) {
  await call(page, 'CreateTable', {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'kind', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'ByKind',
        KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    ...extra,
  });
}

/** The page's Share button: the link it shows, or the file it downloads (saved under `dir`). */
async function share(page, dir) {
  await page.click('#nav-share');
  await page.locator('#share-heading').waitFor();
  const download = page.waitForEvent('download', { timeout: 5000 }).catch(() => null);
  await page.click('#share');
  await page.locator('.share-result').waitFor();
  if (await page.locator('#share-link').count()) {
    return { link: await page.inputValue('#share-link') };
  }
  const file = await download;
  assert.ok(file, 'Share neither showed a link nor downloaded a file');
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return { file: path, name: file.suggestedFilename() };
}

test('a shared link opens the same sandbox in a fresh profile, beside nothing of the sender', async () => {
  const sender = await openPlayground(site.url);
  let receiver;
  try {
    const { page } = sender;
    await makeTable(page, 'Notes');
    for (let i = 0; i < 12; i++) {
      await call(page, 'PutItem', {
        TableName: 'Notes',
        Item: { pk: { S: `user#${i % 3}` }, sk: { N: String(i) }, kind: { S: i % 2 ? 'memo' : 'todo' }, text: { S: `note ${i}` } },
      });
    }
    // A console request, which the share carries as a saved request.
    await pick(page, 'GetItem');
    await page.fill('#request', JSON.stringify({ TableName: 'Notes', Key: { pk: { S: 'user#1' }, sk: { N: '1' } } }));
    await page.click('#run');
    await page.locator('.response-panel .status.ok').waitFor();
    const before = await contents(page);
    const { link } = await share(page);
    assert.match(link, /#\/shared\/[A-Za-z0-9_-]+$/);
    await screenshot(page, 'share-link');

    receiver = await openPlayground(site.url);
    const other = receiver.page;
    assert.deepEqual(await contents(other), {}, 'a fresh profile starts empty');
    const mine = await sandboxList(other);
    await other.goto(link);
    await other.locator('#shared-result').waitFor();
    assert.match(await other.textContent('#shared-result'), /Opened a new sandbox with 1 table \(Notes: 12 items\) and \d+ saved request/);
    // A new sandbox, beside the receiver's own (which is still there).
    const now = await sandboxList(other);
    assert.equal(now.length, mine.length + 1);
    assert.ok(mine.every((m) => now.some((n) => n.id === m.id)));
    await waitForTable(other, 'Notes');
    assert.deepEqual(await contents(other), before);
    assert.match(await other.textContent('#current-sandbox'), /Shared/);
    // The console request came along to the Code page.
    await other.click('#nav-code');
    assert.match(await other.textContent('#request-log'), /GetItem/);
    // A reload shows the opened sandbox, and does not open the link a second time.
    await other.reload();
    await waitForTable(other, 'Notes');
    assert.equal((await sandboxList(other)).length, mine.length + 1);
    await screenshot(other, 'share-opened');
    assert.deepEqual(sender.problems, []);
    assert.deepEqual(receiver.problems, []);
  } finally {
    await sender.close();
    await receiver?.close();
  }
});

test('a link made on a lesson opens on that lesson, with the sender\'s tables', async () => {
  const sender = await openPlayground(site.url);
  let receiver;
  try {
    const { page } = sender;
    await makeTable(page, 'Sessions');
    await call(page, 'PutItem', { TableName: 'Sessions', Item: { pk: { S: 'u#1' }, sk: { N: '1' }, kind: { S: 'session' } } });
    // The learner is on the TTL lesson when they share.
    await page.goto(site.url + '#/lessons/ttl');
    await page.locator('#lesson-heading', { hasText: 'Time to Live' }).waitFor();
    const before = await contents(page);
    const { link } = await share(page);
    // The link carries the lesson: decoded by hand, as any page could.
    const bytes = Buffer.from(link.split('#/shared/')[1], 'base64url');
    const { inflateRawSync } = await import('node:zlib');
    assert.equal(JSON.parse(inflateRawSync(bytes.subarray(1)).toString()).lesson, 'ttl');

    receiver = await openPlayground(site.url);
    const other = receiver.page;
    await other.goto(link);
    // It lands on the lesson, in the new sandbox with the sender's tables.
    await other.locator('#lesson-heading', { hasText: 'Time to Live' }).waitFor();
    assert.match(other.url(), /#\/lessons\/ttl$/);
    await waitForTable(other, 'Sessions');
    assert.deepEqual(await contents(other), before);
    assert.match(await other.textContent('#current-sandbox'), /Shared/);
    const progress = await other.evaluate(() => JSON.parse(localStorage.getItem('dynaplay.lessons.progress')));
    assert.equal(progress.current, 'ttl');
    // A reload stays on the lesson and does not open the link again.
    const count = (await sandboxList(other)).length;
    await other.reload();
    await other.locator('#lesson-heading', { hasText: 'Time to Live' }).waitFor();
    assert.equal((await sandboxList(other)).length, count);
    await screenshot(other, 'share-opened-on-lesson');
    assert.deepEqual(sender.problems, []);
    assert.deepEqual(receiver.problems, []);
  } finally {
    await sender.close();
    await receiver?.close();
  }
});

test('a sandbox too large for a link becomes a file that opens the same way', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dynaplay-share-'));
  const sender = await openPlayground(site.url);
  let receiver;
  try {
    const { page } = sender;
    await makeTable(page, 'Bulk');
    // Random text does not compress, so 300 items of 200 characters pass the 32 KB link limit.
    await page.evaluate(async () => {
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
      const writes = [];
      for (let i = 0; i < 300; i++) {
        let text = '';
        for (let j = 0; j < 200; j++) text += alphabet[Math.floor(Math.random() * alphabet.length)];
        const item = { pk: { S: 'p' + (i % 7) }, sk: { N: String(i) }, kind: { S: 'k' + (i % 3) }, text: { S: text } };
        writes.push(window.dynaplay.send('PutItem', { TableName: 'Bulk', Item: item }));
      }
      await Promise.all(writes);
    });
    const before = await contents(page);
    const shared = await share(page, dir);
    assert.ok(shared.file, 'expected a file, got a link');
    assert.match(shared.name, /\.dynaplay\.json$/);
    assert.match(await page.textContent('#share-file'), /would make a link of \d+ characters/);

    receiver = await openPlayground(site.url);
    const other = receiver.page;
    await other.click('#nav-share');
    await other.setInputFiles('#open-file', shared.file);
    await other.locator('#tables-heading').waitFor();
    await waitForTable(other, 'Bulk');
    assert.deepEqual(await contents(other), before);
    assert.deepEqual(sender.problems, []);
    assert.deepEqual(receiver.problems, []);
  } finally {
    await sender.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A link payload as share.rs makes it: version byte 1, then the deflated JSON, in base64url. */
function payload(doc) {
  const bytes = Buffer.concat([Buffer.from([1]), deflateRawSync(Buffer.from(JSON.stringify(doc)))]);
  return bytes.toString('base64url');
}

test('damaged, oversized and invalid links are refused with a reason and change nothing', async () => {
  const session = await openPlayground(site.url);
  try {
    const { page } = session;
    const dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss();
    });
    await makeTable(page, 'Mine');
    await call(page, 'PutItem', { TableName: 'Mine', Item: { pk: { S: 'a' }, sk: { N: '1' }, kind: { S: 'x' } } });
    const mine = await contents(page);
    const sandboxes = await sandboxList(page);
    const { link } = await share(page);
    const good = link.split('#/shared/')[1];
    const cases = [
      // A character changed in the middle of the compressed data.
      [good.slice(0, 40) + (good[40] === 'A' ? 'B' : 'A') + good.slice(41), /damaged|not valid JSON|not a Dynaplay share|cannot be imported/],
      [good.slice(0, Math.floor(good.length / 2)), /damaged/],
      ['A'.repeat(40000), /at most 32768/],
      ['!!!', /not base64url/],
      [Buffer.from([7, 1, 2, 3]).toString('base64url'), /format version 7/],
      // A zip bomb: 20 MB of spaces, a few KB compressed.
      [Buffer.concat([Buffer.from([1]), deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 32))]).toString('base64url'), /expands to more than/],
      // Well-formed, but the sandbox inside is not one the engine can open.
      [payload({ format: 'dynaplay-share', version: 1, sandbox: { format: 'dynaplay-sandbox', version: 1, tables: { Evil: '<script>alert(1)</script>' } } }), /cannot be imported: .*unreadable/],
      [payload({ format: 'dynaplay-share', version: 1, sandbox: { format: 'dynaplay-sandbox', version: 9 } }), /cannot be imported: unsupported sandbox export version/],
    ];
    for (const [bad, message] of cases) {
      await page.goto(site.url + '#/console');
      await page.goto(site.url + '#/shared/' + bad);
      const result = page.locator('#shared-result[role=alert]');
      await result.waitFor();
      assert.match(await result.textContent(), message, `payload ${bad.slice(0, 30)}...`);
      assert.match(await page.textContent('.panel'), /Nothing was created/);
      assert.deepEqual(await contents(page), mine, 'the sandbox changed');
      assert.deepEqual(await sandboxList(page), sandboxes, 'a sandbox was created');
    }
    // Nothing of a share is ever run: the alert() in the hostile table definition never fired.
    assert.deepEqual(dialogs, []);
    await screenshot(page, 'share-refused');
    assert.deepEqual(session.problems, []);
  } finally {
    await session.close();
  }
});

test('the docs page runs its three embedded snippets', async () => {
  const session = await openPlayground(site.url);
  try {
    const { page } = session;
    await page.goto(site.url + 'docs-example.html');
    const frames = page.locator('iframe.dynaplay-embed');
    await frames.first().waitFor();
    assert.equal(await frames.count(), 3, 'embed.js replaced each script tag with an iframe');
    // 1. PutItem, then GetItem finds the item (inline sandbox).
    const first = page.frameLocator('iframe.dynaplay-embed >> nth=0');
    await first.locator('#run-1').click();
    await first.locator('.status.ok').first().waitFor();
    await first.locator('#run-2').click();
    await first.locator('.embed-step >> nth=1').locator('.status.ok').waitFor();
    assert.match(await first.locator('.embed-step >> nth=1').locator('pre').textContent(), /Hello from the docs/);
    // 2. A Query on the shop sample, fetched as a .dynaplay.json file from the same origin.
    const second = page.frameLocator('iframe.dynaplay-embed >> nth=1');
    await second.locator('#run-1').click();
    await second.locator('.status.ok').waitFor();
    assert.match(await second.locator('pre').textContent(), /"Count": 6/);
    // 3. A conditional write that fails: the item exists.
    const third = page.frameLocator('iframe.dynaplay-embed >> nth=2');
    await third.locator('#run-1').click();
    await third.locator('.exception').waitFor();
    assert.equal(await third.locator('.exception').textContent(), 'ConditionalCheckFailedException');
    await screenshot(page, 'share-docs-page');
    assert.deepEqual(session.problems, []);
  } finally {
    await session.close();
  }
});
