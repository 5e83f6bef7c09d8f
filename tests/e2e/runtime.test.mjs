// The JavaScript runtime (dist/runtime, built by `cargo xtask runtime`) in headless Chromium: a sandbox
// persisted in IndexedDB survives a reload with 10,000 items, errors look like the SDK's, a failed
// storage write is answered with InternalServerError and leaves nothing behind, export/import round-trips,
// and the AWS SDK for JavaScript v3 (client, DocumentClient, Streams client) runs in the page.
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
  await server.close();
});

/** A fresh browser profile on a runtime page; fails the test on page errors and console errors. */
async function openRuntime(path = 'runtime/index.html') {
  const profile = await mkdtemp(join(tmpdir(), 'dynaplay-runtime-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(server.url + path);
  return {
    page,
    problems,
    context,
    async ready() {
      await page.waitForFunction(() => window.dynaplayRuntime !== undefined);
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const TABLE = {
  TableName: 'Bulk',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  BillingMode: 'PAY_PER_REQUEST',
};

// The core promise of persistence: everything answered is in IndexedDB, so a reload finds it all.
// 10,000 PutItems go out 200 at a time, so the group commit shares transactions between them.
test('10,000 items written through the JS API are all there after a reload', async () => {
  const b = await openRuntime();
  try {
    await b.ready();
    const wrote = await b.page.evaluate(async (table) => {
      // Throttling off: this is a durability test, and 10,000 writes in a few seconds would
      // (rightly) exceed any new table's throughput.
      const db = await dynaplayRuntime.open('bulk', { throttling: false });
      await db.send('CreateTable', table);
      for (let start = 0; start < 10000; start += 200) {
        const puts = [];
        for (let i = start; i < start + 200; i++) {
          puts.push(db.send('PutItem', { TableName: 'Bulk', Item: { pk: { S: `p${i % 50}` }, sk: { N: String(i) }, v: { S: 'x'.repeat(20) } } }));
        }
        await Promise.all(puts);
      }
      return { persistence: db.persistence, reason: db.reason ?? null };
    }, TABLE);
    assert.deepEqual(wrote, { persistence: 'indexeddb', reason: null });

    await b.page.reload();
    await b.ready();
    const after = await b.page.evaluate(async () => {
      const db = await dynaplayRuntime.open('bulk');
      let count = 0;
      let ExclusiveStartKey;
      do {
        const page = await db.send('Scan', { TableName: 'Bulk', Select: 'COUNT', ExclusiveStartKey });
        count += page.Count;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      const one = await db.send('GetItem', { TableName: 'Bulk', Key: { pk: { S: 'p7' }, sk: { N: '9957' } } });
      return { count, one };
    });
    assert.equal(after.count, 10000);
    assert.deepEqual(after.one.Item, { pk: { S: 'p7' }, sk: { N: '9957' }, v: { S: 'x'.repeat(20) } });
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

// send rejects like the SDK (name = exception, message = DynamoDB's); dispatch takes both APIs' targets;
// the clock moves and TTL sweeps on demand; export/import carries a whole sandbox; a failed write
// is InternalServerError and memory goes back to what IndexedDB holds.
test('the JS API: errors, dispatch, clock and TTL, export/import, a failed storage write', async () => {
  const b = await openRuntime();
  try {
    await b.ready();
    const r = await b.page.evaluate(async (table) => {
      const out = {};
      const db = await dynaplayRuntime.open('api');
      await db.send('CreateTable', table);
      try {
        await db.send('GetItem', { TableName: 'Nope', Key: { pk: { S: 'a' } } });
      } catch (e) {
        out.error = { isError: e instanceof Error, name: e.name, message: e.message };
      }
      out.streams = await db.dispatch('DynamoDBStreams_20120810.ListStreams', '{}');
      out.unknown = (await db.dispatch('Nope_20120810.ListTables', '{}')).status;

      await db.send('UpdateTimeToLive', { TableName: 'Bulk', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } });
      const soon = Math.floor(db.now() / 1000) + 3600;
      await db.send('PutItem', { TableName: 'Bulk', Item: { pk: { S: 't' }, sk: { N: '1' }, expires: { N: String(soon) } } });
      const before = db.now();
      const moved = await db.advanceClock(2 * 3600 * 1000);
      out.clockMoved = moved - before >= 2 * 3600 * 1000;
      out.swept = await db.sweepTtl();

      await db.send('PutItem', { TableName: 'Bulk', Item: { pk: { S: 'keep' }, sk: { N: '1' } } });
      db.failNextWrite();
      try {
        await db.send('PutItem', { TableName: 'Bulk', Item: { pk: { S: 'lost' }, sk: { N: '1' } } });
      } catch (e) {
        out.failed = { name: e.name, message: e.message };
      }
      const lost = await db.send('GetItem', { TableName: 'Bulk', Key: { pk: { S: 'lost' }, sk: { N: '1' } } });
      const kept = await db.send('GetItem', { TableName: 'Bulk', Key: { pk: { S: 'keep' }, sk: { N: '1' } } });
      out.afterFailure = { lost: lost.Item ?? null, kept: kept.Item ?? null };

      const exported = await db.exportSandbox();
      out.exported = { format: exported.format, version: exported.version, tables: Object.keys(exported.tables), offsetOk: exported.clockOffsetMillis >= 7200000 };
      const mem = await dynaplayRuntime.open();
      out.memory = mem.persistence;
      await mem.importSandbox(exported);
      out.imported = (await mem.send('Scan', { TableName: 'Bulk' })).Count;
      try {
        await mem.importSandbox({ format: 'something else' });
      } catch (e) {
        out.badImport = e.message;
      }
      out.stillThere = (await mem.send('Scan', { TableName: 'Bulk' })).Count;

      // Where IndexedDB is missing (some private modes, sandboxed frames), a named sandbox still
      // opens, in memory, and says why.
      Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true });
      const fallback = await dynaplayRuntime.open('no-idb');
      out.fallback = { persistence: fallback.persistence, reason: fallback.reason };
      return out;
    }, TABLE);
    assert.deepEqual(r.error, { isError: true, name: 'ResourceNotFoundException', message: 'Requested resource not found' });
    assert.equal(r.streams.status, 200);
    assert.equal(r.unknown, 400);
    assert.equal(r.clockMoved, true);
    assert.equal(r.swept, 1);
    assert.equal(r.failed.name, 'InternalServerError');
    assert.match(r.failed.message, /storage is full/);
    assert.deepEqual(r.afterFailure, { lost: null, kept: { pk: { S: 'keep' }, sk: { N: '1' } } });
    assert.deepEqual(r.exported, { format: 'dynaplay-sandbox', version: 2, tables: ['Bulk'], offsetOk: true });
    assert.equal(r.memory, 'memory');
    assert.equal(r.imported, 1);
    assert.match(r.badImport, /not a Dynaplay sandbox export/);
    assert.equal(r.stillThere, 1);
    assert.equal(r.fallback.persistence, 'memory');
    assert.match(r.fallback.reason, /IndexedDB is not available/);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

// A real QuotaExceededError (Chromium's quota for the origin cut to 2 MB through the DevTools protocol):
// the writes that do not fit are InternalServerError saying storage is full, the ones before stay, and
// memory holds exactly what IndexedDB does, before and after a reload.
test('a full disk: writes that do not fit fail with InternalServerError and nothing half-written stays', async () => {
  const b = await openRuntime();
  try {
    const cdp = await b.context.newCDPSession(b.page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url.replace(/\/$/, ''), quotaSize: 2 * 1024 * 1024 });
    await b.ready();
    const countAll = async () => b.page.evaluate(async () => {
      const db = await dynaplayRuntime.open('full', { throttling: false });
      let count = 0;
      let ExclusiveStartKey;
      do {
        const page = await db.send('Scan', { TableName: 'Full', Select: 'COUNT', ExclusiveStartKey });
        count += page.Count;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return count;
    });
    const outcomes = await b.page.evaluate(async () => {
      const db = await dynaplayRuntime.open('full', { throttling: false });
      await db.send('CreateTable', { TableName: 'Full', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
      // Random text, because IndexedDB compresses repetitive values far below the quota.
      const noise = () => {
        const bytes = new Uint8Array(150_000);
        for (let o = 0; o < bytes.length; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
        return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
      };
      const out = [];
      for (let i = 0; i < 20; i++) {
        try {
          await db.send('PutItem', { TableName: 'Full', Item: { id: { S: `i${i}` }, v: { S: noise() } } });
          out.push('ok');
        } catch (e) {
          out.push(`${e.name}: ${e.message}`);
        }
      }
      db.close();
      return out;
    });
    const saved = outcomes.filter((o) => o === 'ok').length;
    const failures = outcomes.filter((o) => o !== 'ok');
    assert.ok(saved > 0 && failures.length > 0, JSON.stringify(outcomes));
    for (const f of failures) assert.match(f, /^InternalServerError: .*storage is full.*QuotaExceededError/);
    assert.equal(await countAll(), saved);
    await b.page.reload();
    await b.ready();
    assert.equal(await countAll(), saved);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});

// The documentation page runs the real SDK (bundled by esbuild) against the sandbox; then the same
// clients do a TransactWriteItems, a DocumentClient put, and read the table's stream.
test('the AWS SDK for JavaScript v3 runs in the page against the sandbox', async () => {
  const b = await openRuntime('runtime/sdk-example.html');
  try {
    await b.page.waitForSelector('body[data-done]');
    const output = await b.page.locator('#output').textContent();
    assert.equal(await b.page.getAttribute('body', 'data-done'), 'ok', output);
    assert.match(output, /Call Me Today/);
    assert.match(output, /"Year": 2024/);
    await screenshot(b.page, 'runtime-sdk-example');

    const r = await b.page.evaluate(async () => {
      const { open } = await import('./dynaplay.js');
      const sdk = await import('./aws-sdk.js');
      const db = await open('sdk-more');
      const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestHandler: db.requestHandler() };
      const client = new sdk.DynamoDBClient(config);
      await client.send(new sdk.CreateTableCommand({
        TableName: 'Tx1',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }));
      await client.send(new sdk.TransactWriteItemsCommand({ TransactItems: [
        { Put: { TableName: 'Tx1', Item: { id: { S: 'a' } } } },
        { Put: { TableName: 'Tx1', Item: { id: { S: 'b' } } } },
      ] }));
      let cancelled;
      try {
        await client.send(new sdk.TransactWriteItemsCommand({ TransactItems: [
          { Put: { TableName: 'Tx1', Item: { id: { S: 'c' } } } },
          { ConditionCheck: { TableName: 'Tx1', Key: { id: { S: 'zzz' } }, ConditionExpression: 'attribute_exists(id)' } },
        ] }));
      } catch (e) {
        cancelled = { name: e.name, reasons: e.CancellationReasons?.map((x) => x.Code), status: e.$metadata?.httpStatusCode };
      }
      const doc = sdk.DynamoDBDocumentClient.from(client);
      await doc.send(new sdk.PutCommand({ TableName: 'Tx1', Item: { id: 'd', n: 5, tags: ['x'] } }));
      const got = await doc.send(new sdk.GetCommand({ TableName: 'Tx1', Key: { id: 'd' } }));
      const scan = await client.send(new sdk.ScanCommand({ TableName: 'Tx1' }));

      const streams = new sdk.DynamoDBStreamsClient(config);
      const { Streams } = await streams.send(new sdk.ListStreamsCommand({ TableName: 'Tx1' }));
      const { StreamDescription } = await streams.send(new sdk.DescribeStreamCommand({ StreamArn: Streams[0].StreamArn }));
      const { ShardIterator } = await streams.send(new sdk.GetShardIteratorCommand({
        StreamArn: Streams[0].StreamArn, ShardId: StreamDescription.Shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const { Records } = await streams.send(new sdk.GetRecordsCommand({ ShardIterator }));
      return { cancelled, got: got.Item, count: scan.Count, records: Records.map((x) => x.eventName) };
    });
    assert.deepEqual(r.cancelled, { name: 'TransactionCanceledException', reasons: ['None', 'ConditionalCheckFailed'], status: 400 });
    assert.deepEqual(r.got, { id: 'd', n: 5, tags: ['x'] });
    assert.equal(r.count, 3);
    assert.deepEqual(r.records, ['INSERT', 'INSERT', 'INSERT']);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});
