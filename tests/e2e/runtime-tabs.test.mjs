// Two tabs on one sandbox (dist/runtime, headless Chromium): the first to open it owns the engine (a Web
// Lock), the other forwards over a BroadcastChannel. Both write at once — separate items and a shared
// counter — and nothing is lost; when the owner's tab closes, the other takes over with everything.
// A clock move, an import and a TTL sweep forwarded by a follower run exactly once even when the
// owner's tab closes after making them durable but before answering. Capacity metrics survive a
// hand-over (the owner saves them beside the data every few seconds).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist, screenshot } from './support.mjs';

let server;
let context;
let profile;
const problems = [];

before(async () => {
  server = await serveDist();
  profile = await mkdtemp(join(tmpdir(), 'dynaplay-tabs-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  await server?.close();
});

async function tab(name = 'shared', options = { throttling: false }) {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url + 'runtime/index.html');
  await page.waitForFunction(() => window.dynaplayRuntime !== undefined);
  const role = await page.evaluate(async ({ name, options }) => {
    window.db = await dynaplayRuntime.open(name, options);
    return window.db.role;
  }, { name, options });
  return { page, role };
}

/** 200 PutItems of this tab's own items and 100 increments of a shared counter, all at once. */
function writeLoad(page, who) {
  return page.evaluate(async (who) => {
    const calls = [];
    for (let i = 0; i < 200; i++) {
      calls.push(db.send('PutItem', { TableName: 'Shared', Item: { id: { S: `${who}-${i}` } } }));
      if (i % 2 === 0) {
        calls.push(db.send('UpdateItem', {
          TableName: 'Shared', Key: { id: { S: 'counter' } },
          UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
        }));
      }
    }
    await Promise.all(calls);
  }, who);
}

async function state(page) {
  return page.evaluate(async () => {
    const scan = await db.send('Scan', { TableName: 'Shared', Select: 'COUNT' });
    const counter = await db.send('GetItem', { TableName: 'Shared', Key: { id: { S: 'counter' } }, ConsistentRead: true });
    return { count: scan.Count, counter: counter.Item?.n?.N, role: db.role };
  });
}

test('two tabs write to one sandbox at once and lose nothing; the second takes over when the first closes', async () => {
  const a = await tab();
  const b = await tab();
  assert.equal(a.role, 'owner');
  assert.equal(b.role, 'follower');
  await a.page.evaluate(() => db.send('CreateTable', {
    TableName: 'Shared',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));

  await Promise.all([writeLoad(a.page, 'a'), writeLoad(b.page, 'b')]);
  const seenByA = await state(a.page);
  const seenByB = await state(b.page);
  assert.deepEqual(seenByA, { count: 401, counter: '200', role: 'owner' });
  assert.deepEqual(seenByB, { count: 401, counter: '200', role: 'follower' });

  // The owner's tab goes: the follower gets the lock, opens the sandbox from IndexedDB, and serves.
  await a.page.close();
  await b.page.waitForFunction(() => db.role === 'owner', null, { timeout: 10_000 });
  await writeLoad(b.page, 'b2');
  assert.deepEqual(await state(b.page), { count: 601, counter: '300', role: 'owner' });

  // A new tab follows the new owner, and a reload of the owner hands over again with nothing lost.
  const c = await tab();
  assert.equal(c.role, 'follower');
  await b.page.reload();
  await b.page.waitForFunction(() => window.dynaplayRuntime !== undefined);
  await c.page.waitForFunction(() => db.role === 'owner', null, { timeout: 10_000 });
  assert.deepEqual(await state(c.page), { count: 601, counter: '300', role: 'owner' });
  await screenshot(c.page, 'runtime-tabs');
  assert.deepEqual(problems, []);
});

/**
 * An owner and a follower on sandbox `name`, and `handOver`: the owner from then on runs what the
 * follower forwards (durably) but never answers, as a tab closed between the commit and the reply;
 * `close()` then closes it, and the follower takes over and resends under the same id.
 */
async function ownerAndFollower(name) {
  const options = { throttling: false, ttlSweep: false };
  const owner = await tab(name, options);
  const follower = await tab(name, options);
  assert.deepEqual([owner.role, follower.role], ['owner', 'follower']);
  return {
    owner: owner.page,
    follower: follower.page,
    silence: () => owner.page.evaluate(() => db._dropRepliesForTest()),
    async handOver() {
      await owner.page.close();
      await follower.page.waitForFunction(() => db.role === 'owner', null, { timeout: 10_000 });
    },
  };
}

const HOUR = 3_600_000;

test('a forwarded clock move in flight when the owner tab goes moves the clock once', async () => {
  const { owner, follower, silence, handOver } = await ownerAndFollower('once-clock');
  await silence();
  await follower.evaluate((hour) => { window.inFlight = db.advanceClock(hour); }, HOUR);
  // Durable in the owner (its offset moves only after IndexedDB has it), never answered.
  await owner.waitForFunction((hour) => db.now() - Date.now() > hour - 60_000, HOUR);
  await handOver();
  const answered = await follower.evaluate(async () => (await window.inFlight) - Date.now());
  const offset = await follower.evaluate(() => db.now() - Date.now());
  // Run twice, the clock would be two hours ahead.
  assert.ok(Math.abs(offset - HOUR) < 60_000, `clock offset ${offset} ms, expected one hour`);
  assert.ok(Math.abs(answered - HOUR) < 60_000, `answered offset ${answered} ms, expected one hour`);
  assert.deepEqual(problems, []);
});

test('a forwarded import in flight when the owner tab goes is not run again over later writes', async () => {
  const { owner, follower, silence, handOver } = await ownerAndFollower('once-import');
  // The document to import: a memory sandbox with one table and two items.
  const doc = await follower.evaluate(async () => {
    const scratch = await dynaplayRuntime.open();
    await scratch.send('CreateTable', {
      TableName: 'Imported',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    for (const id of ['one', 'two']) await scratch.send('PutItem', { TableName: 'Imported', Item: { id: { S: id } } });
    const exported = await scratch.exportSandbox();
    scratch.close();
    return exported;
  });
  await silence();
  await follower.evaluate((doc) => { window.inFlight = db.importSandbox(doc); }, doc);
  await owner.waitForFunction(async () => (await db.send('ListTables', {})).TableNames.includes('Imported'));
  // A write after the import, answered and durable: a second run of the import would erase it.
  await owner.evaluate(() => db.send('PutItem', { TableName: 'Imported', Item: { id: { S: 'after' } } }));
  await handOver();
  await follower.evaluate(() => window.inFlight);
  const ids = await follower.evaluate(async () => (await db.send('Scan', { TableName: 'Imported' })).Items.map((i) => i.id.S).sort());
  assert.deepEqual(ids, ['after', 'one', 'two']);
  assert.deepEqual(problems, []);
});

test('a forwarded TTL sweep in flight when the owner tab goes answers what it deleted', async () => {
  const { owner, follower, silence, handOver } = await ownerAndFollower('once-sweep');
  await owner.evaluate(async () => {
    await db.send('CreateTable', {
      TableName: 'Expiring',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await db.send('UpdateTimeToLive', {
      TableName: 'Expiring', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
    });
    const past = String(Math.floor(db.now() / 1000) - 3600);
    for (const id of ['a', 'b', 'c']) {
      await db.send('PutItem', { TableName: 'Expiring', Item: { id: { S: id }, expires: { N: past } } });
    }
  });
  const countIn = (page) => page.evaluate(async () => (await db.send('Scan', { TableName: 'Expiring', Select: 'COUNT' })).Count);
  assert.equal(await countIn(owner), 3, 'expired items stay until a sweep');
  await silence();
  await follower.evaluate(() => { window.inFlight = db.sweepTtl(); });
  await owner.waitForFunction(async () => (await db.send('Scan', { TableName: 'Expiring', Select: 'COUNT' })).Count === 0);
  await handOver();
  // Run again, the sweep would find nothing and answer 0.
  assert.equal(await follower.evaluate(() => window.inFlight), 3);
  assert.equal(await countIn(follower), 0);
  assert.deepEqual(problems, []);
});

test('capacity metrics survive the hand-over to another tab and a reload', async () => {
  const { owner, follower, handOver } = await ownerAndFollower('meters');
  await owner.evaluate(async () => {
    await db.send('CreateTable', {
      TableName: 'Metered',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    });
    for (let i = 0; i < 20; i++) await db.send('PutItem', { TableName: 'Metered', Item: { id: { S: `k${i % 3}` } } });
    await db.send('GetItem', { TableName: 'Metered', Key: { id: { S: 'k1' } } });
  });
  const before = JSON.parse(await owner.evaluate(() => db.metrics('Metered')));
  assert.ok(before.Table.Minutes.length > 0 && before.MostAccessedKeys.length === 3, JSON.stringify(before));
  // The owner saves its meters every 5 seconds when they changed.
  await owner.waitForTimeout(6_000);
  await handOver();
  // The new owner opened the sandbox from IndexedDB, meters included.
  const after = JSON.parse(await follower.evaluate(() => db.metrics('Metered')));
  assert.deepEqual(after.Table.Minutes, before.Table.Minutes);
  assert.deepEqual(after.MostAccessedKeys, before.MostAccessedKeys);
  // And a reload of the last tab finds them again.
  await follower.reload();
  await follower.waitForFunction(() => window.dynaplayRuntime !== undefined);
  const reloaded = JSON.parse(await follower.evaluate(async () => {
    window.db = await dynaplayRuntime.open('meters', { throttling: false, ttlSweep: false });
    return db.metrics('Metered');
  }));
  assert.deepEqual(reloaded.Table.Minutes, before.Table.Minutes);
  assert.deepEqual(problems, []);
});
