// The global tables simulation in the playground: the Console's region selector lists the home region
// and each replica's, labelled a simulation; a request run in eu-west-1 reaches the replica there and
// not the home table; the history and the Code page name its region (and the code its client region);
// the Query builder reads a replica; and the console fits a phone screen with the selector. Screenshots
// at 1280 and 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground, screenshot, pick, playgroundPerTest, type } from './support.mjs';

const ctx = playgroundPerTest('regions-');

/** Table Globe with a replica in eu-west-1 and an hour's replication delay, made through window.dynaplay. */
async function makeGlobal(page) {
  await page.evaluate(async () => {
    const db = window.dynaplay;
    await db.send('CreateTable', {
      TableName: 'Globe',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await db.send('UpdateTable', { TableName: 'Globe', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] });
    // Nothing replicates while the test runs, so each region shows only its own writes.
    await db.send('DynaplayGlobalTablesSimulation.Configure', { ReplicationDelayMillis: 3_600_000 });
  });
}

/** Runs what is in the console and waits for its entry in the history. */
async function run(page) {
  const before = await page.locator('#history li').count();
  await page.click('#run');
  await page.waitForFunction((n) => document.querySelectorAll('#history li').length > n, before);
}

async function item(page, id, region) {
  return page.evaluate(async ([id, region]) => {
    const got = await window.dynaplay.send('GetItem', { TableName: 'Globe', Key: { id: { S: id } }, ConsistentRead: true }, { region });
    return got.Item ?? null;
  }, [id, region]);
}

test('the console runs a request in a replica region and says where it went', async () => {
  const { page } = ctx.session;
  // With no global table, the selector offers the home region alone and says how to get more.
  assert.deepEqual(await page.locator('#region option').allTextContents(), ['us-east-1 (home)']);
  assert.match(await page.textContent('.region-picker .hint'), /Global tables simulation: add a replica/);
  await makeGlobal(page);
  // The console reads the regions when it opens (and after every run).
  await page.click('#nav-tables');
  await page.click('#nav-console');
  await page.locator('#region option', { hasText: 'eu-west-1 (replica)' }).waitFor({ state: 'attached' });
  assert.deepEqual(await page.locator('#region option').allTextContents(), ['us-east-1 (home)', 'eu-west-1 (replica)']);
  assert.match(await page.textContent('label[for=region]'), /Region\s+simulation/);
  assert.match(await page.textContent('.region-picker .hint'), /not an AWS Region/);

  await page.selectOption('#region', 'eu-west-1');
  await pick(page, 'PutItem');
  await page.fill('#request', JSON.stringify({ TableName: 'Globe', Item: { id: { S: 'console' }, v: { S: 'written in Ireland' } } }, null, 2));
  assert.equal((await page.textContent('#run')).trim(), 'Run PutItem in eu-west-1');
  await run(page);
  assert.deepEqual(await item(page, 'console', 'eu-west-1'), { id: { S: 'console' }, v: { S: 'written in Ireland' } });
  assert.equal(await item(page, 'console', undefined), null, 'the home table has not got it (an hour of delay)');
  const entry = page.locator('#history li').first();
  assert.equal((await entry.locator('.badge.region').textContent()).trim(), 'eu-west-1');

  // Back to the home region: the same request name reaches the home table.
  await page.selectOption('#region', 'us-east-1');
  await page.fill('#request', JSON.stringify({ TableName: 'Globe', Item: { id: { S: 'home' } } }));
  assert.equal((await page.textContent('#run')).trim(), 'Run PutItem');
  await run(page);
  assert.deepEqual(await item(page, 'home', undefined), { id: { S: 'home' } });
  assert.equal(await item(page, 'home', 'eu-west-1'), null);
  // "Run again" on the first entry runs it in its own region, whatever the selector says now.
  await page.locator('#history li').nth(1).locator('.rerun').click();
  await page.waitForFunction(() => document.querySelectorAll('#history li').length === 3);
  assert.equal((await page.locator('#history li').first().locator('.badge.region').textContent()).trim(), 'eu-west-1');
  await page.selectOption('#region', 'eu-west-1');
  await screenshot(page, 'regions-console-1280');

  await page.click('#nav-code');
  await page.locator('#request-log').waitFor();
  const regional = page.locator('#request-log li', { hasText: 'in eu-west-1 (simulated region)' });
  assert.equal(await regional.count(), 2);
  assert.match(await regional.first().textContent(), /aws dynamodb put-item[\s\S]*--region eu-west-1/);
  const home = page.locator('#request-log li').filter({ hasNotText: 'simulated region' });
  assert.equal(await home.count(), 1);
  assert.doesNotMatch(await home.first().textContent(), /--region/);
});

test('the Query builder reads a replica', async () => {
  const { page } = ctx.session;
  await makeGlobal(page);
  await page.evaluate(async () => {
    for (const id of ['a', 'b', 'c']) {
      await window.dynaplay.send('PutItem', { TableName: 'Globe', Item: { id: { S: id } } }, { region: 'eu-west-1' });
    }
    await window.dynaplay.send('PutItem', { TableName: 'Globe', Item: { id: { S: 'home' } } });
  });
  await page.goto(ctx.site.url + '#/query/Globe');
  await page.locator('#region-read option', { hasText: 'eu-west-1' }).waitFor({ state: 'attached' });
  await page.click('#mode-scan');
  // The form suggests a key condition's names and values; a Scan without a filter takes none.
  await type(page, '#names', '');
  await type(page, '#values', '');
  await page.click('#read-run');
  await page.locator('#read-count').waitFor();
  assert.equal(await page.textContent('#read-count'), '1', 'the home table holds one item');
  await page.selectOption('#region-read', 'eu-west-1');
  await page.click('#read-run');
  await page.locator('#read-count', { hasText: '3' }).waitFor();
  assert.match(await page.textContent('.query-page'), /--region eu-west-1/);
});

test('phone width: the console with its region selector fits the screen', async () => {
  const phone = await openPlayground(ctx.site.url, { width: 375, height: 812 });
  try {
    const { page } = phone;
    await makeGlobal(page);
    await page.click('#nav-tables');
    await page.click('#nav-console');
    await page.locator('#region option', { hasText: 'eu-west-1' }).waitFor({ state: 'attached' });
    await page.selectOption('#region', 'eu-west-1');
    await pick(page, 'ListTables');
    await run(page);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
    assert.ok(widths.page <= widths.screen, `page is ${widths.page}px wide on a ${widths.screen}px screen`);
    const select = await page.locator('#region').boundingBox();
    assert.ok(select.x >= 0 && select.x + select.width <= widths.screen, 'the selector is on the screen');
    await screenshot(page, 'regions-console-375');
    assert.deepEqual(phone.problems, [], 'the page logged errors');
  } finally {
    await phone.close();
  }
});
