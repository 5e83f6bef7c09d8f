// Two tabs on one sandbox (dist/runtime, headless Chromium): the first to open it owns the engine (a Web
// Lock), the other forwards over a BroadcastChannel. Both write at once — separate items and a shared
// counter — and nothing is lost; when the owner's tab closes, the other takes over with everything.
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

async function tab() {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url + 'runtime/index.html');
  await page.waitForFunction(() => window.dynaplayRuntime !== undefined);
  const role = await page.evaluate(async () => {
    window.db = await dynaplayRuntime.open('shared', { throttling: false });
    return window.db.role;
  });
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
