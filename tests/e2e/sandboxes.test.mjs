// The playground on persisted sandboxes (dist/, headless Chromium, an on-disk profile): what a user
// makes survives a reload; sandboxes are created, renamed, duplicated, switched and deleted; scripts
// drive the current one through window.dynaplay; two tabs share one sandbox; and a write in flight
// while the owning tab goes away runs exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist, screenshot } from './support.mjs';

let server;

before(async () => {
  server = await serveDist();
});

after(async () => {
  await server?.close();
});

/** A browser profile of its own; `page()` opens the playground in a new tab of it. */
async function browser() {
  const profile = await mkdtemp(join(tmpdir(), 'dynaplay-sandboxes-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
  };
  return {
    problems,
    async page(hash = '#/console') {
      const page = context.pages().find((p) => p.url() === 'about:blank') ?? (await context.newPage());
      watch(page);
      await page.goto(server.url + hash);
      await ready(page);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the current sandbox is open and exposed. */
async function ready(page) {
  await page.waitForFunction(() => typeof window.dynaplay?.send === 'function');
  await page.locator('#sandbox-persistence', { hasText: /saved in this browser|memory only/ }).waitFor();
}

const TABLE = (name) => ({
  TableName: name,
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

async function type(page, selector, text) {
  await page.fill(selector, text);
  await page.dispatchEvent(selector, 'change');
}

test('a table and items made in the UI are still there after a reload', async () => {
  const b = await browser();
  try {
    const page = await b.page('#/tables');
    assert.match(await page.textContent('#sandbox-line'), /My sandbox — saved in this browser/);
    await type(page, '#table-name', 'Kept');
    await type(page, '#pk-name', 'id');
    await page.click('#create-table');
    await page.locator('#table-heading', { hasText: 'Kept' }).waitFor();
    await page.goto(server.url + '#/items/Kept');
    await page.locator('#items-heading', { hasText: 'Kept' }).waitFor();
    await page.click('#item-new');
    await page.fill('#item-text', '{"id": {"S": "one"}, "SK": {"S": "v1"}, "note": {"S": "survives"}}');
    await page.click('#item-save');
    await page.locator('#item-status', { hasText: 'Saved' }).waitFor();
    // The clock moved too: it is part of the sandbox.
    const moved = await page.evaluate(() => window.dynaplay.advanceClock(3_600_000).then(() => window.dynaplay.now() - Date.now()));
    assert.ok(moved > 3_500_000);

    await page.reload();
    await ready(page);
    await page.locator('.item-grid td', { hasText: 'survives' }).waitFor();
    const offset = await page.evaluate(() => window.dynaplay.now() - Date.now());
    assert.ok(offset > 3_500_000, `the clock offset is kept (${offset})`);
    await page.goto(server.url + '#/tables');
    await page.locator('#table-list td', { hasText: 'Kept' }).waitFor();
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('create, rename, duplicate, switch and delete sandboxes', async () => {
  const b = await browser();
  try {
    const page = await b.page('#/sandboxes');
    page.on('dialog', (dialog) => dialog.accept());
    await page.evaluate((t) => window.dynaplay.send('CreateTable', t), TABLE('First'));

    // A new sandbox is empty and becomes the current one.
    await page.fill('#new-sandbox-name', 'Second');
    await page.click('#create-sandbox');
    await page.locator('#current-sandbox', { hasText: 'Second' }).waitFor();
    await ready(page);
    assert.deepEqual((await page.evaluate(() => window.dynaplay.send('ListTables', {}))).TableNames, []);
    await page.evaluate(async (t) => {
      await window.dynaplay.send('CreateTable', t);
      await window.dynaplay.send('PutItem', { TableName: 'Only2', Item: { id: { S: 'x' } } });
    }, TABLE('Only2'));

    // Rename: the nav and the list follow; the data stays.
    await page.getByRole('button', { name: 'Rename Second' }).click();
    await page.fill('#rename-sandbox', 'Renamed');
    await page.click('#rename-save');
    await page.locator('#current-sandbox', { hasText: 'Renamed' }).waitFor();
    await page.locator('#sandbox-list th', { hasText: 'Renamed' }).waitFor();

    // Duplicate: a new sandbox with the same tables and items.
    await page.getByRole('button', { name: 'Duplicate Renamed' }).click();
    await page.locator('#sandbox-status', { hasText: 'Copied Renamed as Renamed copy' }).waitFor();
    await page.getByRole('button', { name: 'Switch to Renamed copy' }).click();
    await page.locator('#current-sandbox', { hasText: 'Renamed copy' }).waitFor();
    await ready(page);
    const copied = await page.evaluate(() => window.dynaplay.send('GetItem', { TableName: 'Only2', Key: { id: { S: 'x' } } }));
    assert.deepEqual(copied.Item, { id: { S: 'x' } });
    // Writes to the copy leave the original alone.
    await page.evaluate(() => window.dynaplay.send('DeleteTable', { TableName: 'Only2' }));

    await screenshot(page, 'sandboxes-page');

    // Back to the first sandbox: its own table, and the UI shows it.
    await page.getByRole('button', { name: 'Switch to My sandbox' }).click();
    await page.locator('#current-sandbox', { hasText: 'My sandbox' }).waitFor();
    await ready(page);
    assert.deepEqual((await page.evaluate(() => window.dynaplay.send('ListTables', {}))).TableNames, ['First']);

    // Delete the copy: gone from the list and from IndexedDB.
    const copyId = await page.locator('#sandbox-list tr', { hasText: 'Renamed copy' }).getAttribute('data-sandbox');
    await page.getByRole('button', { name: 'Delete Renamed copy' }).click();
    await page.locator('#sandbox-status', { hasText: 'Deleted Renamed copy' }).waitFor();
    assert.equal(await page.locator('#sandbox-list tr', { hasText: 'Renamed copy' }).count(), 0);
    const databases = await page.evaluate(() => indexedDB.databases().then((d) => d.map((x) => x.name)));
    assert.ok(!databases.includes(`dynaplay:${copyId}`), `${copyId} deleted: ${databases}`);
    // The current sandbox cannot be deleted from under the page.
    assert.equal(await page.getByRole('button', { name: 'Delete My sandbox' }).isDisabled(), true);

    // The original of the copy still has its table; the list survives a reload.
    await page.reload();
    await ready(page);
    await page.getByRole('button', { name: 'Switch to Renamed' }).click();
    await page.locator('#current-sandbox', { hasText: /^Renamed$/ }).waitFor();
    await ready(page);
    assert.deepEqual((await page.evaluate(() => window.dynaplay.send('ListTables', {}))).TableNames, ['Only2']);
    await screenshot(page, 'sandboxes-nav');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('an export imported from the Sandboxes page becomes a new sandbox', async () => {
  const b = await browser();
  try {
    const page = await b.page('#/sandboxes');
    const doc = await page.evaluate(async (t) => {
      await window.dynaplay.send('CreateTable', t);
      await window.dynaplay.send('PutItem', { TableName: 'Shared', Item: { id: { S: 'a' } } });
      return JSON.stringify(await window.dynaplay.exportSandbox());
    }, TABLE('Shared'));
    await page.fill('#import-sandbox-name', 'My sandbox');
    await page.fill('#import-sandbox-text', doc);
    await page.click('#import-sandbox');
    // The name is taken, so the import gets a free one; the original is untouched.
    await page.locator('#current-sandbox', { hasText: 'My sandbox 2' }).waitFor();
    await ready(page);
    const got = await page.evaluate(() => window.dynaplay.send('GetItem', { TableName: 'Shared', Key: { id: { S: 'a' } } }));
    assert.deepEqual(got.Item, { id: { S: 'a' } });
    // Not an export: a message, and no sandbox made.
    await page.fill('#import-sandbox-text', '{"format": "something else"}');
    await page.click('#import-sandbox');
    await page.locator('#sandbox-status [role=alert]').waitFor();
    assert.match(await page.textContent('#sandbox-status'), /not a Dynaplay sandbox export/);
    assert.equal(await page.locator('#sandbox-list tbody tr').count(), 2);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('writes through window.dynaplay show up in the pages', async () => {
  const b = await browser();
  try {
    const page = await b.page('#/tables');
    await page.evaluate(async (t) => {
      await window.dynaplay.send('CreateTable', t);
      await window.dynaplay.send('PutItem', { TableName: 'Scripted', Item: { id: { S: 'from-script' }, n: { N: '7' } } });
    }, TABLE('Scripted'));
    await page.goto(server.url + '#/items/Scripted');
    await page.locator('.item-grid td', { hasText: 'from-script' }).waitFor();
    // The Database API of the runtime, whole.
    const api = await page.evaluate(() => ['send', 'dispatch', 'now', 'advanceClock', 'sweepTtl', 'exportSandbox',
      'importSandbox', 'requestHandler'].filter((m) => typeof window.dynaplay[m] !== 'function'));
    assert.deepEqual(api, []);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

/** 100 PutItems of this tab's own and 50 increments of a shared counter, all at once. */
function writeLoad(page, who) {
  return page.evaluate(async (who) => {
    const calls = [];
    for (let i = 0; i < 100; i++) {
      calls.push(window.dynaplay.send('PutItem', { TableName: 'Tabs', Item: { id: { S: `${who}-${i}` } } }));
      if (i % 2 === 0) {
        calls.push(window.dynaplay.send('UpdateItem', {
          TableName: 'Tabs', Key: { id: { S: 'counter' } },
          UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
        }));
      }
    }
    await Promise.all(calls);
  }, who);
}

test('two playground tabs on one sandbox both write and lose nothing', async () => {
  const b = await browser();
  try {
    const a = await b.page('#/console');
    await a.evaluate((t) => window.dynaplay.send('CreateTable', t), TABLE('Tabs'));
    const c = await b.page('#/items/Tabs');
    assert.deepEqual(await Promise.all([a, c].map((p) => p.evaluate(() => window.dynaplay.role))), ['owner', 'follower']);
    await Promise.all([writeLoad(a, 'a'), writeLoad(c, 'c')]);
    for (const page of [a, c]) {
      const { Count } = await page.evaluate(() => window.dynaplay.send('Scan', { TableName: 'Tabs', Select: 'COUNT' }));
      assert.equal(Count, 201);
      const counter = await page.evaluate(() => window.dynaplay.send('GetItem', { TableName: 'Tabs', Key: { id: { S: 'counter' } } }));
      assert.equal(counter.Item.n.N, '100');
    }
    // The follower's pages read through the owner too.
    await c.goto(server.url + '#/tables');
    await c.locator('#table-list td', { hasText: 'Tabs' }).waitFor();
    assert.match(await c.textContent('#table-list'), /201/);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('a write in flight when the owner tab goes is run exactly once', async () => {
  const b = await browser();
  try {
    const owner = await b.page('#/console');
    await owner.evaluate((t) => window.dynaplay.send('CreateTable', t), TABLE('Once'));
    const follower = await b.page('#/console');
    assert.equal(await follower.evaluate(() => window.dynaplay.role), 'follower');
    // The owner runs forwarded calls durably but never answers: a tab closed right after the write.
    await owner.evaluate(() => window.dynaplay._dropRepliesForTest());
    await follower.evaluate(() => {
      window.inFlight = window.dynaplay.send('UpdateItem', {
        TableName: 'Once', Key: { id: { S: 'counter' } },
        UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      });
    });
    // The write is in: the owner (answering its own calls as ever) sees it.
    await owner.waitForFunction(async () => {
      const got = await window.dynaplay.send('GetItem', { TableName: 'Once', Key: { id: { S: 'counter' } } });
      return got.Item?.n?.N === '1';
    });
    await owner.close();
    // The follower takes over, resends under the same id, and gets the first run's answer.
    const answer = await follower.evaluate(() => window.inFlight);
    assert.deepEqual(answer.Attributes, { n: { N: '1' } });
    assert.equal(await follower.evaluate(() => window.dynaplay.role), 'owner');
    const counter = await follower.evaluate(() => window.dynaplay.send('GetItem', { TableName: 'Once', Key: { id: { S: 'counter' } } }));
    assert.equal(counter.Item.n.N, '1', 'the update ran once');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('without IndexedDB the sandbox lives in memory and the nav says so', async () => {
  const b = await browser();
  try {
    const page = await b.page('#/console');
    // A browser with storage blocked, from the first script on: IndexedDB is not there.
    await page.context().addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
    });
    await page.reload();
    await ready(page);
    assert.match(await page.textContent('#sandbox-persistence'), /^memory only: IndexedDB is not available here/);
    assert.equal(await page.evaluate(() => window.dynaplay.persistence), 'memory');
    // It still works, for this page's life.
    await page.evaluate((t) => window.dynaplay.send('CreateTable', t), TABLE('Fleeting'));
    assert.deepEqual((await page.evaluate(() => window.dynaplay.send('ListTables', {}))).TableNames, ['Fleeting']);
    await screenshot(page, 'sandboxes-memory-only');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

test('a tab that switched to another sandbox does not take the old one over later', async () => {
  const b = await browser();
  try {
    const first = await b.page('#/sandboxes');
    await first.evaluate((t) => window.dynaplay.send('CreateTable', t), TABLE('Left'));
    const second = await b.page('#/sandboxes');
    assert.equal(await second.evaluate(() => window.dynaplay.role), 'follower');
    // The follower moves to a sandbox of its own...
    await second.fill('#new-sandbox-name', 'Elsewhere');
    await second.click('#create-sandbox');
    await second.locator('#current-sandbox', { hasText: 'Elsewhere' }).waitFor();
    await ready(second);
    // ...so when the owner goes, nobody holds "My sandbox": a new tab owns it and finds its table.
    // (The new tab reads the current sandbox from localStorage, which the switch changed: put it back.)
    await first.close();
    const third = await b.page('#/sandboxes');
    await third.getByRole('button', { name: 'Switch to My sandbox' }).click();
    await third.locator('#current-sandbox', { hasText: 'My sandbox' }).waitFor();
    await ready(third);
    assert.equal(await third.evaluate(() => window.dynaplay.role), 'owner');
    assert.deepEqual((await third.evaluate(() => window.dynaplay.send('ListTables', {}))).TableNames, ['Left']);
    assert.equal(await second.evaluate(() => window.dynaplay.role), 'owner', 'the second tab owns Elsewhere');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});
