// The global tables simulation from JavaScript (dist/runtime, headless Chromium): the AWS SDK for
// JavaScript v3 in the page talks to two regions of one sandbox through one request handler, each
// client reaching the replica of its own region; `send(op, input, {region})` and `dispatchInRegion`
// do the same; and a follower tab's calls keep their region when forwarded to the owner tab, a
// regional write in flight at a hand-over running exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist } from './support.mjs';

let server;
let context;
let profile;
const problems = [];

before(async () => {
  server = await serveDist();
  profile = await mkdtemp(join(tmpdir(), 'dynaplay-regions-'));
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

/** A runtime page with sandbox `name` open as `window.db`; its role. */
async function tab(name) {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url + 'runtime/index.html');
  await page.waitForFunction(() => window.dynaplayRuntime !== undefined);
  const role = await page.evaluate(async (name) => {
    window.db = await dynaplayRuntime.open(name, { throttling: false });
    return window.db.role;
  }, name);
  return { page, role };
}

/** Makes table `Globe` a global table with a replica in eu-west-1 and a replication delay of `delay` ms. */
function makeGlobal(page, delay) {
  return page.evaluate(async (delay) => {
    await db.send('CreateTable', {
      TableName: 'Globe',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await db.send('UpdateTable', { TableName: 'Globe', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] });
    await db.send('DynaplayGlobalTablesSimulation.Configure', { ReplicationDelayMillis: delay });
  }, delay);
}

test('the AWS SDK in the page talks to two regions of one sandbox', async () => {
  const { page } = await tab('regions-sdk');
  try {
    // A minute's delay, so "not replicated yet" does not depend on how fast the machine is.
    await makeGlobal(page, 60_000);
    const r = await page.evaluate(async () => {
      const sdk = await import('./aws-sdk.js');
      const client = (region, extra = {}) => new sdk.DynamoDBClient({
        region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestHandler: db.requestHandler(), ...extra,
      });
      const us = client('us-east-1');
      const eu = client('eu-west-1');
      const out = {};
      const described = await eu.send(new sdk.DescribeTableCommand({ TableName: 'Globe' }));
      out.euArn = described.Table.TableArn;
      out.euReplicas = described.Table.Replicas.map((x) => x.RegionName);
      await eu.send(new sdk.PutItemCommand({ TableName: 'Globe', Item: { id: { S: 'a' }, from: { S: 'eu' } } }));
      const key = { TableName: 'Globe', Key: { id: { S: 'a' } }, ConsistentRead: true };
      out.inEu = (await eu.send(new sdk.GetItemCommand(key))).Item?.from?.S ?? null;
      out.inUsBefore = (await us.send(new sdk.GetItemCommand(key))).Item?.from?.S ?? null;
      await db.advanceClock(61_000);
      out.inUsAfter = (await us.send(new sdk.GetItemCommand(key))).Item?.from?.S ?? null;
      // The region comes from the request's SigV4 scope, so a client with its own endpoint keeps it.
      const pinned = client('eu-west-1', { endpoint: 'http://127.0.0.1:9' });
      out.pinnedArn = (await pinned.send(new sdk.DescribeTableCommand({ TableName: 'Globe' }))).Table.TableArn;
      // A region that is not an AWS-style name ('local', as for DynamoDB Local) is the home region.
      const local = client('local', { endpoint: 'http://127.0.0.1:9' });
      out.localArn = (await local.send(new sdk.DescribeTableCommand({ TableName: 'Globe' }))).Table.TableArn;
      // The DocumentClient on the eu client writes to eu-west-1 too.
      const doc = sdk.DynamoDBDocumentClient.from(eu);
      await doc.send(new sdk.PutCommand({ TableName: 'Globe', Item: { id: 'doc', n: 1 } }));
      out.docInEu = (await db.send('GetItem', { TableName: 'Globe', Key: { id: { S: 'doc' } } }, { region: 'eu-west-1' })).Item?.n?.N ?? null;
      out.docInUs = (await db.send('GetItem', { TableName: 'Globe', Key: { id: { S: 'doc' } }, ConsistentRead: true })).Item ?? null;
      // dispatchInRegion: the whole target, either API; a Streams ARN of the replica's region.
      const streams = await db.dispatchInRegion('eu-west-1', 'DynamoDBStreams_20120810.ListStreams', '{}');
      out.streamArn = JSON.parse(streams.body).Streams[0].StreamArn;
      try {
        await db.send('CreateTable', { TableName: 'Nope' }, { region: 'eu-west-1' });
      } catch (e) {
        out.createInEu = { name: e.name, message: e.message };
      }
      try {
        await db.send('ListTables', {}, { region: 'Mars' });
      } catch (e) {
        out.mars = { name: e.name, message: e.message };
      }
      out.euTables = (await db.send('ListTables', {}, { region: 'eu-west-1' })).TableNames;
      out.apTables = (await db.send('ListTables', {}, { region: 'ap-southeast-2' })).TableNames;
      return out;
    });
    assert.match(r.euArn, /^arn:aws:dynamodb:eu-west-1:\d+:table\/Globe$/);
    assert.deepEqual(r.euReplicas, ['us-east-1']);
    assert.equal(r.inEu, 'eu');
    assert.equal(r.inUsBefore, null, 'replicated before the delay');
    assert.equal(r.inUsAfter, 'eu');
    assert.match(r.pinnedArn, /:eu-west-1:/);
    assert.match(r.localArn, /:us-east-1:/);
    assert.equal(r.docInEu, '1');
    assert.equal(r.docInUs, null);
    assert.match(r.streamArn, /^arn:aws:dynamodb:eu-west-1:.*table\/Globe\/stream\//);
    assert.equal(r.createInEu.name, 'ValidationException');
    assert.match(r.createInEu.message, /^Simulation: /);
    assert.equal(r.mars.name, 'ValidationException');
    assert.match(r.mars.message, /Mars is not a region name/);
    assert.deepEqual(r.euTables, ['Globe']);
    assert.deepEqual(r.apTables, []);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("a follower tab's calls keep their region, and a regional write in flight at a hand-over runs once", async () => {
  const a = await tab('regions-tabs');
  const b = await tab('regions-tabs');
  assert.equal(a.role, 'owner');
  assert.equal(b.role, 'follower');
  // An hour's delay: nothing replicates during the test, so each region shows only its own writes.
  await makeGlobal(a.page, 3_600_000);
  const get = (page, id, region) => page.evaluate(async ([id, region]) => {
    const answer = await db.send('GetItem', { TableName: 'Globe', Key: { id: { S: id } }, ConsistentRead: true }, { region });
    return answer.Item ?? null;
  }, [id, region]);

  // The follower's send and its SDK client both go to eu-west-1 through the owner's engine.
  await b.page.evaluate(async () => {
    await db.send('PutItem', { TableName: 'Globe', Item: { id: { S: 'f' } } }, { region: 'eu-west-1' });
    const sdk = await import('./aws-sdk.js');
    const eu = new sdk.DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestHandler: db.requestHandler() });
    await eu.send(new sdk.PutItemCommand({ TableName: 'Globe', Item: { id: { S: 'sdk' } } }));
  });
  for (const id of ['f', 'sdk']) {
    assert.deepEqual(await get(a.page, id, 'eu-west-1'), { id: { S: id } }, `${id} in eu-west-1`);
    assert.equal(await get(a.page, id, undefined), null, `${id} not in the home region`);
  }

  // The owner runs forwarded calls durably but never answers: a tab closed right after the write.
  await a.page.evaluate(() => db._dropRepliesForTest());
  await b.page.evaluate(() => {
    window.inFlight = db.send('UpdateItem', {
      TableName: 'Globe', Key: { id: { S: 'counter' } },
      UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_NEW',
    }, { region: 'eu-west-1' });
  });
  await a.page.waitForFunction(async () => {
    const got = await db.send('GetItem', { TableName: 'Globe', Key: { id: { S: 'counter' } } }, { region: 'eu-west-1' });
    return got.Item?.n?.N === '1';
  });
  await a.page.close();
  // The follower takes over, resends under the same id (with its region), and gets the first run's answer.
  const answer = await b.page.evaluate(() => window.inFlight);
  assert.deepEqual(answer.Attributes, { n: { N: '1' } });
  assert.equal(await b.page.evaluate(() => db.role), 'owner');
  assert.deepEqual(await get(b.page, 'counter', 'eu-west-1'), { id: { S: 'counter' }, n: { N: '1' } }, 'ran once, in eu-west-1');
  assert.equal(await get(b.page, 'counter', undefined), null, 'never ran in the home region');
  assert.deepEqual(problems, []);
  await b.page.close();
});
