// End-to-end test of an embed's region (global tables simulation): a documentation page embeds one
// sandbox whose table has a replica in eu-west-1, with a different item version in each region. The
// embed given data-region="eu-west-1" reads eu-west-1's version, the one without reads the home
// region's, its region selector (labelled a simulation) switches it to eu-west-1, and an embed given
// a name that is not a region gets DynamoDB's ValidationException from the engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { serveDist, openPlayground, screenshot } from './support.mjs';

let site;
before(async () => {
  site = await serveDist();
});
after(async () => {
  await site?.close();
});

/** A share link's payload as share.rs makes it: version byte 1, then the deflated JSON, in base64url. */
function payload(doc) {
  const bytes = Buffer.concat([Buffer.from([1]), deflateRawSync(Buffer.from(JSON.stringify(doc)))]);
  return bytes.toString('base64url');
}

/** One request on the playground's sandbox (window.dynaplay), in `region` when given; asserts success. */
async function call(page, target, input, region) {
  const { status, body } = await page.evaluate(
    ([t, text, r]) => window.dynaplay.dispatchInRegion(r, t, text),
    [target, JSON.stringify(input), region ?? null],
  );
  assert.equal(status, 200, `${target} in ${region ?? 'home'}: ${body}`);
  return JSON.parse(body);
}

/**
 * Makes, in the playground, the sandbox the docs page embeds: a global table `Greetings` with a
 * replica in eu-west-1 where nothing replicates for a day, and the item `hello` written once in
 * each region with that region's text. Returns its export.
 */
async function globalSandbox(page) {
  const ddb = (op) => 'DynamoDB_20120810.' + op;
  await call(page, ddb('CreateTable'), {
    TableName: 'Greetings',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await call(page, 'DynaplayGlobalTablesSimulation.Configure', { ReplicationDelayMillis: 86_400_000 });
  await call(page, ddb('UpdateTable'), {
    TableName: 'Greetings',
    ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }],
  });
  for (let i = 0; ; i++) {
    const { Table } = await call(page, ddb('DescribeTable'), { TableName: 'Greetings' });
    if (Table.TableStatus === 'ACTIVE' && Table.Replicas?.every((r) => r.ReplicaStatus === 'ACTIVE')) break;
    assert.ok(i < 100, 'the replica never became ACTIVE');
    await page.waitForTimeout(100);
  }
  for (const region of [undefined, 'eu-west-1']) {
    const text = `Hello from ${region ?? 'us-east-1'}`;
    await call(page, ddb('PutItem'), { TableName: 'Greetings', Item: { pk: { S: 'hello' }, text: { S: text } } }, region);
  }
  return page.evaluate(() => window.dynaplay.exportSandbox());
}

test('an embed reads the replica of the region it is given, and its selector switches region', async () => {
  const session = await openPlayground(site.url);
  try {
    const { page } = session;
    const shared = payload({ format: 'dynaplay-share', version: 1, sandbox: await globalSandbox(page) });
    const get = JSON.stringify({ TableName: 'Greetings', Key: { pk: { S: 'hello' } }, ConsistentRead: true });
    const embed = (region) =>
      `<script src="embed.js" data-sandbox="${shared}" data-operation="GetItem" data-request='${get}'` +
      (region ? ` data-region="${region}"` : '') + '></script>';
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Regions</title>
      <link rel="icon" href="data:,"></head><body><h1>Global tables</h1>
      ${embed('eu-west-1')}${embed('')}${embed('Ireland')}</body></html>`;
    // The docs page is served from the site's origin, as an author's page beside embed.js would be.
    await page.route(site.url + 'regions-docs.html', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    await page.goto(site.url + 'regions-docs.html');
    const frames = page.locator('iframe.dynaplay-embed');
    await frames.first().waitFor();
    assert.equal(await frames.count(), 3);
    assert.equal(await frames.first().getAttribute('title'), 'Dynaplay: GetItem in eu-west-1');

    // 1. data-region="eu-west-1": the selector shows it, labelled a simulation; GetItem reads eu-west-1's item.
    const eu = page.frameLocator('iframe.dynaplay-embed >> nth=0');
    await eu.locator('#run-1').waitFor();
    assert.equal(await eu.locator('#region-embed').inputValue(), 'eu-west-1');
    assert.match(await eu.locator('.region-picker label').textContent(), /Region\s*simulation/);
    await eu.locator('#run-1').click();
    await eu.locator('.status.ok').waitFor();
    assert.match(await eu.locator('pre').textContent(), /Hello from eu-west-1/);

    // 2. No region: the home region's item; the same selector then moves it to eu-west-1.
    const home = page.frameLocator('iframe.dynaplay-embed >> nth=1');
    await home.locator('#run-1').waitFor();
    assert.equal(await home.locator('#region-embed').inputValue(), 'us-east-1');
    await home.locator('#run-1').click();
    await home.locator('.status.ok').waitFor();
    assert.match(await home.locator('pre').textContent(), /Hello from us-east-1/);
    await home.locator('#region-embed').selectOption('eu-west-1');
    // The home region's answer is cleared with the switch, so it cannot be read as eu-west-1's.
    await home.locator('pre').waitFor({ state: 'detached' });
    await home.locator('#run-1').click();
    await home.locator('pre', { hasText: 'Hello from eu-west-1' }).waitFor();
    assert.equal(await home.locator('.status.ok').count(), 1);

    // 3. A name that is not a region: the engine's ValidationException, as the runtime answers it.
    const bad = page.frameLocator('iframe.dynaplay-embed >> nth=2');
    await bad.locator('#run-1').click();
    await bad.locator('.exception').waitFor();
    assert.equal(await bad.locator('.exception').textContent(), 'ValidationException');
    assert.match(await bad.locator('.embed-step').textContent(), /Ireland is not a region name/);

    await screenshot(page, 'embed-regions');
    assert.deepEqual(session.problems, []);
  } finally {
    await session.close();
  }
});
