// End-to-end tests of the playground's pages, doing what a user does: move between sections by
// keyboard, create a table with a GSI through the form, add and edit items, load a sample dataset,
// query it with a filter and page through the results, and copy the requests as code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, pick, playgroundPerTest, type } from './support.mjs';

const ctx = playgroundPerTest('app-');

// The nav reaches every section by keyboard and marks the current one.
test('navigation by keyboard', async () => {
  const { page } = ctx.session;
  const labels = await page.locator('.main-nav a').allTextContents();
  assert.deepEqual(labels, ['Console', 'Tables', 'Items', 'Query/Scan', 'PartiQL', 'Streams', 'Code', 'Under the hood', 'Sandboxes', 'Lessons', 'Share & export', 'Modeler']);
  assert.equal(await page.getAttribute('#nav-console', 'aria-current'), 'page');
  await page.focus('#nav-console');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'nav-tables');
  await page.keyboard.press('Enter');
  await page.locator('#tables-heading').waitFor();
  assert.equal(await page.getAttribute('#nav-tables', 'aria-current'), 'page');
  assert.match(await page.textContent('.tables-page'), /No tables yet/);
  // A page that does not exist says so and links back.
  await page.goto(ctx.site.url + '#/nowhere');
  await page.locator('#missing-heading').waitFor();
  // The back button works: the hash is the route.
  await page.goBack();
  await page.locator('#tables-heading').waitFor();
});

// The form builds CreateTable with a GSI; the table page shows the index.
test('create a table with a GSI through the form', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await type(page, '#table-name', 'Orders');
  await type(page, '#pk-name', 'CustomerId');
  await type(page, '#sk-name', 'OrderId');
  await page.check('#add-gsi');
  await type(page, '#gsi-name', 'ByStatus');
  await type(page, '#gsi-pk', 'Status');
  // A multi-attribute sort key: OrderId (the type chosen, S), then Total as a number.
  await type(page, '#gsi-sk', 'OrderId, Total:N');
  await page.selectOption('#billing', 'PROVISIONED');
  await type(page, '#rcu', '3');
  await page.selectOption('#stream', 'NEW_AND_OLD_IMAGES');
  await type(page, '#ttl-attribute', 'ExpiresAt');
  // The request the form will send is there to read, and as code.
  await page.click('.request-preview summary');
  const preview = JSON.parse(await page.textContent('.request-preview pre'));
  assert.equal(preview.GlobalSecondaryIndexes[0].IndexName, 'ByStatus');
  assert.equal(preview.ProvisionedThroughput.ReadCapacityUnits, 3);
  assert.match(await page.textContent('#code-create-text'), /aws dynamodb create-table/);
  await page.click('#create-table');
  await page.locator('#table-heading', { hasText: 'Orders' }).waitFor();
  const facts = await page.textContent('#table-facts');
  assert.match(facts, /CustomerId \(HASH\), OrderId \(RANGE\)/);
  assert.match(facts, /PROVISIONED \(3 RCU, 5 WCU\)/);
  assert.match(facts, /NEW_AND_OLD_IMAGES/);
  assert.match(facts, /ENABLED on ExpiresAt/);
  const index = await page.textContent('#index-list');
  assert.match(index, /ByStatus/);
  assert.match(index, /Status \(HASH\), OrderId \(RANGE\), Total \(RANGE\)/);

  // The same name again: the engine's own error, shown in the form.
  await page.click('#nav-tables');
  await type(page, '#table-name', 'Orders');
  await page.click('#create-table');
  await page.locator('.create-table [role=alert]').waitFor();
  assert.match(await page.textContent('.create-table [role=alert]'), /ResourceInUseException/);
});

// Items: add one in DynamoDB JSON, see it in the grid, edit it in plain JSON, read its size,
// get the engine's validation error for a bad value, then delete it.
test('add, edit and delete items', async () => {
  const { page } = ctx.session;
  await page.evaluate(() =>
    window.dynaplay.send('CreateTable', {
      TableName: 'People',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await page.click('#nav-items');
  await page.selectOption('#items-table', 'People');
  await page.locator('#items-heading', { hasText: 'People' }).waitFor();
  await page.click('#item-new');
  await page.fill('#item-text', '{"id": {"S": "ada"}, "born": {"N": "1815"}, "langs": {"SS": ["en", "fr"]}}');
  await page.click('#item-save');
  await page.locator('#item-status', { hasText: 'Saved' }).waitFor();
  await page.locator('.item-grid td', { hasText: 'ada' }).waitFor();
  assert.match(await page.textContent('.item-grid'), /born/);
  // id 2 + "ada" 3, born 4 + 3 (1815), langs 5 + 4 ("en", "fr") = 21.
  assert.match(await page.textContent('#item-size-total'), /^21 bytes of 409600/);

  // A set has no plain-JSON form: the editor refuses to switch rather than drop the type.
  await page.click('#notation-plain');
  await page.locator('#item-status [role=alert]').waitFor();
  assert.equal(await page.isChecked('#notation-dynamodb'), true, 'the editor stays in DynamoDB JSON');
  assert.match(await page.textContent('#item-status'), /sets, binaries/);

  // A plain item switches, and saves as DynamoDB JSON.
  await page.fill('#item-text', '{"id": {"S": "grace"}, "born": {"N": "1906"}}');
  await page.check('#notation-plain');
  await page.waitForFunction(() => document.querySelector('#item-text').value.includes('"born": 1906'));
  await page.fill('#item-text', '{"id": "grace", "born": 1906, "navy": true}');
  await page.click('#item-save');
  await page.locator('.item-grid td', { hasText: 'grace' }).waitFor();
  assert.equal(await page.locator('.item-grid tbody tr').count(), 2);

  // The engine's validation error, inline.
  await page.check('#notation-dynamodb');
  await page.fill('#item-text', '{"id": {"S": "x"}, "n": {"N": "not a number"}}');
  await page.click('#item-save');
  await page.locator('#item-status [role=alert]').waitFor();
  assert.match(await page.textContent('#item-status'), /ValidationException/);

  // Edit an existing row, duplicate it under a new key, then delete the original.
  await page.locator('.item-grid tbody tr', { hasText: 'ada' }).locator('button.edit').click();
  await page.waitForFunction(() => document.querySelector('#item-text').value.includes('ada'));
  await page.click('#item-duplicate');
  const text = await page.inputValue('#item-text');
  await page.fill('#item-text', text.replace('"ada"', '"ada2"'));
  await page.click('#item-save');
  await page.locator('.item-grid td', { hasText: 'ada2' }).waitFor();
  await page.fill('#item-text', text);
  await page.click('#item-delete');
  await page.locator('#item-status', { hasText: 'Deleted' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.item-grid tbody tr').length === 2);
  const ids = await page.locator('.item-grid tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(ids.map((t) => t.replace(/^S\s*/, '')).sort(), ['ada2', 'grace']);
});

// A sample dataset loads with one click; the builder queries its GSI with a filter and pages.
test('load a sample dataset, query with a filter and page through', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await page.click('#load-shop');
  await page.locator('#dataset-status', { hasText: 'Loaded 27 items into Shop' }).waitFor();
  await page.locator('#table-list', { hasText: 'Shop' }).waitFor();

  // The items grid pages by LastEvaluatedKey.
  await page.goto(ctx.site.url + '#/items/Shop');
  await page.locator('#items-page', { hasText: 'Page 1' }).waitFor();
  await page.locator('.item-grid tbody tr').first().waitFor();
  assert.equal(await page.locator('.item-grid tbody tr').count(), 10);
  await page.click('#items-next');
  await page.locator('#items-page', { hasText: 'Page 2' }).waitFor();

  await page.click('#nav-query');
  await page.selectOption('#read-table', 'Shop');
  await page.locator('#read-index option', { hasText: 'ByStatus' }).waitFor({ state: 'attached' });
  await page.selectOption('#read-index', 'ByStatus');
  await page.locator('#key-condition-hint', { hasText: "Index ByStatus's keys: GSI1PK, GSI1SK." }).waitFor();
  await type(page, '#key-condition', 'GSI1PK = :s');
  // Total is one of DynamoDB's reserved words: the engine says so, as DynamoDB does.
  await type(page, '#names', '');
  await type(page, '#filter', 'Total > :min');
  await type(page, '#values', '{":s": {"S": "STATUS#SHIPPED"}, ":min": {"N": "50"}}');
  await page.click('#read-run');
  await page.locator('.query-page [role=alert]', { hasText: 'reserved keyword: Total' }).waitFor();
  await type(page, '#names', '{"#total": "Total"}');
  await type(page, '#filter', '#total > :min');
  await type(page, '#values', '{":s": {"S": "STATUS#SHIPPED"}, ":min": {"N": "50"}}');
  await type(page, '#limit', '4');
  await page.click('#read-run');
  await page.locator('#read-facts').waitFor();
  const sent = JSON.parse(await page.textContent('#read-request'));
  assert.equal(sent.IndexName, 'ByStatus');
  assert.equal(sent.FilterExpression, '#total > :min');
  assert.equal(await page.textContent('#read-scanned'), '4');
  const firstCount = Number(await page.textContent('#read-count'));
  assert.ok(firstCount < 4, `the filter dropped some of the 4 read (Count ${firstCount})`);
  assert.match(await page.textContent('#read-capacity'), /RCU/);
  assert.match(await page.textContent('#read-last-key'), /GSI1PK/);

  await page.click('#read-next');
  await page.locator('#read-page', { hasText: '2' }).waitFor();
  const second = JSON.parse(await page.textContent('#read-request'));
  assert.ok(second.ExclusiveStartKey, 'the next page starts after the LastEvaluatedKey');
  assert.equal(await page.textContent('#read-scanned'), '2', '6 shipped orders: 4, then 2');
  assert.match(await page.textContent('#read-last-key'), /last page/);
  assert.equal(await page.isDisabled('#read-next'), true);

  // The request as boto3 code.
  await page.click('#code-read-tab-python');
  const python = await page.textContent('#code-read-text');
  assert.match(python, /client\.query\(/);
  assert.match(python, /IndexName="ByStatus"/);
});

// The Code page lists the requests made, newest first, in all three languages.
test('every request as code', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await page.click('#load-music');
  await page.locator('#dataset-status', { hasText: 'Loaded' }).waitFor();
  await page.click('#nav-code');
  const first = page.locator('#request-log li').first();
  await first.waitFor();
  assert.match(await first.textContent(), /CreateTable/);
  assert.match(await first.locator('pre').textContent(), /aws dynamodb create-table \\\n {2}--table-name MusicLibrary/);
  await first.locator('button[role=tab]', { hasText: 'JavaScript' }).click();
  assert.match(await first.locator('pre').textContent(), /new CreateTableCommand\(/);
  // Arrow keys move between the language tabs.
  await first.locator('button[role=tab][aria-selected=true]').focus();
  await page.keyboard.press('ArrowRight');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /Python/);
  assert.match(await first.locator('pre').textContent(), /client\.create_table\(/);
  // Copy answers either way (headless browsers may refuse the clipboard), never with an error.
  await first.locator('button.copy').click();
  await first.locator('[role=status]').waitFor();
  assert.match(await first.locator('[role=status]').textContent(), /Copied|clipboard/);
});

// A table's stream as a timeline: an insert, a modify and a remove, read through the Streams API;
// a table without a stream offers to enable one.
test('streams timeline', async () => {
  const { page } = ctx.session;
  await page.evaluate(async () => {
    const key = { id: { S: 'a' } };
    await window.dynaplay.send('CreateTable', {
      TableName: 'Events',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    await window.dynaplay.send('PutItem', { TableName: 'Events', Item: { ...key, n: { N: '1' } } });
    await window.dynaplay.send('PutItem', { TableName: 'Events', Item: { ...key, n: { N: '2' } } });
    await window.dynaplay.send('DeleteItem', { TableName: 'Events', Key: key });
    await window.dynaplay.send('CreateTable', {
      TableName: 'Quiet',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
  await page.click('#nav-streams');
  await page.selectOption('#streams-table', 'Events');
  await page.locator('#stream-timeline li').nth(2).waitFor();
  const events = await page.locator('#stream-timeline .badge').allTextContents();
  assert.deepEqual(events, ['INSERT', 'MODIFY', 'REMOVE']);
  assert.match(await page.textContent('#stream-timeline li:nth-child(2)'), /old.*"N":"1".*new.*"N":"2"/s);

  await page.selectOption('#streams-table', 'Quiet');
  await page.click('#enable-stream');
  await page.locator('#stream-count', { hasText: '0' }).waitFor();
  await page.click('#nav-code');
  assert.match(await page.textContent('#request-log'), /aws dynamodbstreams describe-stream/);
});

// PartiQL goes to the engine as ExecuteStatement; whatever it answers is shown as it is, with the code.
test('PartiQL: the engine answers ExecuteStatement', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await page.click('#load-shop');
  await page.locator('#dataset-status', { hasText: 'Loaded 27 items into Shop' }).waitFor();
  await page.click('#nav-partiql');
  await page.fill('#parameters', '[1');
  await page.click('#partiql-run');
  await page.locator('[role=alert]', { hasText: 'Parameters are not valid JSON' }).waitFor();
  // A parameter the statement doesn't use is DynamoDB's error, shown as the engine gives it.
  await page.fill('#parameters', '[{"S": "x"}]');
  await page.fill('#statement', 'SELECT * FROM "Shop" WHERE PK = \'CUSTOMER#c1\'');
  await page.click('#partiql-run');
  await page.locator('#partiql-result-heading').waitFor();
  assert.match(await page.textContent('.page'), /ValidationException/);
  // The Shop sample answers a keyed SELECT with its customer's items.
  await page.fill('#parameters', '');
  await page.click('#partiql-run');
  await page.locator('.page', { hasText: 'CUSTOMER#c1' }).waitFor();
  const answer = await page.textContent('.page');
  assert.match(answer, /Items/);
  assert.doesNotMatch(answer, /Exception/);
  assert.match(await page.textContent('#code-partiql-text'), /aws dynamodb execute-statement/);
});

// Under the hood: TTL on the Shop sample, an item already expired, the clock moved a day, the sweeper
// run by hand; the table's metrics show the writes that loaded it.
test('under the hood: clock, TTL sweeper and metrics', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await page.click('#load-shop');
  await page.locator('#dataset-status', { hasText: 'Loaded 27 items into Shop' }).waitFor();
  await page.click('#nav-hood');
  await page.locator('#hood-heading').waitFor();
  assert.match(await page.textContent('#clock-offset'), /real time/);
  await page.selectOption('#hood-table', 'Shop');
  await type(page, '#hood-ttl-attribute', 'ExpiresAt');
  await page.click('#enable-ttl');
  await page.locator('#ttl-status', { hasText: 'TTL turned on' }).waitFor();

  // The Console puts a cart whose TTL passed an hour ago.
  await page.click('#nav-console');
  await pick(page, 'PutItem');
  const expired = Math.floor(Date.now() / 1000) - 3600;
  await type(page, '#request', JSON.stringify({
    TableName: 'Shop',
    Item: { PK: { S: 'CART#old' }, SK: { S: 'CART' }, ExpiresAt: { N: String(expired) } },
  }));
  await page.click('#run');
  await page.locator('#response .status', { hasText: '200' }).waitFor();

  await page.goto(ctx.site.url + '#/hood/Shop');
  await page.locator('#partitions').waitFor();
  await page.click('#advance-day');
  await page.locator('#clock-offset', { hasText: '1 d ahead of real time' }).waitFor();
  await page.click('#sweep-ttl');
  await page.locator('#sweep-result', { hasText: '1 item deleted' }).waitFor();
  // Loading 27 items wrote at least 27 units, in a minute now a day in the past.
  const writes = (await page.locator('#table-minutes .write-units').allTextContents()).map(Number);
  assert.ok(writes.reduce((a, b) => a + b, 0) >= 27, `write units ${writes}`);
  assert.match(await page.textContent('.hood-page'), /a model/i);
  assert.match(await page.textContent('#most-accessed'), /CART#old.*1 request\b/);
  await screenshot(page, 'app-hood');
});

// Every page fits a phone screen without sideways scrolling.
test('phone width: every page fits', async () => {
  const { page } = ctx.session;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#nav-tables');
  await page.click('#load-shop');
  await page.locator('#dataset-status', { hasText: 'Loaded' }).waitFor();
  for (const hash of ['#/console', '#/tables', '#/tables/Shop', '#/items/Shop', '#/query/Shop', '#/partiql', '#/streams/Shop', '#/code', '#/hood/Shop']) {
    await page.goto(ctx.site.url + hash);
    await page.locator('main h2').first().waitFor();
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
    }));
    assert.ok(widths.page <= widths.screen, `${hash} is ${widths.page}px wide on a ${widths.screen}px screen`);
    await screenshot(page, 'app-phone-' + hash.replace(/[^a-z]+/gi, '-'));
  }
});
