// End-to-end flows a learner goes through that app-pages.test.mjs does not: an index added to a
// live table and its backfill shown as progress, a stream turned on before the writes it records,
// an item whose TTL passes only when the clock is moved on, the monthly cost of the traffic made,
// the keyboard alone, and every page at laptop and phone widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, playgroundPerTest, type } from './support.mjs';

const ctx = playgroundPerTest('flow-');

/** A table keyed on `id` (S), created through the page's engine. */
async function createTable(page, name, extra = {}) {
  await page.evaluate(
    ([name, extra]) =>
      window.dynaplay.send('CreateTable', {
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...extra,
      }),
    [name, extra],
  );
}

/** Saves one item through the Items page's editor, in DynamoDB JSON. */
async function saveItem(page, table, item) {
  await page.goto(ctx.site.url + '#/items/' + table);
  await page.locator('#items-heading', { hasText: table }).waitFor();
  await page.click('#item-new');
  await page.check('#notation-dynamodb');
  await page.fill('#item-text', JSON.stringify(item));
  await page.click('#item-save');
  await page.locator('#item-status', { hasText: 'Saved' }).waitFor();
}

// A GSI added to a table with items is CREATING, then backfilling, then ACTIVE; with status changes
// set to take 10 seconds, the table page shows each step as a progress bar and reads the table
// again by itself until the index is ACTIVE.
test('a GSI added later backfills, shown as progress', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Orders');
  await page.evaluate(async () => {
    for (const [id, status] of [['o1', 'NEW'], ['o2', 'SHIPPED'], ['o3', 'NEW']]) {
      await window.dynaplay.send('PutItem', { TableName: 'Orders', Item: { id: { S: id }, status: { S: status } } });
    }
  });
  await page.click('#nav-hood');
  await page.selectOption('#lifecycle', { label: '10 seconds' });

  // The Console has no UpdateTable example; the page's engine takes it as an SDK would.
  await page.evaluate(() =>
    window.dynaplay.send('UpdateTable', {
      TableName: 'Orders',
      AttributeDefinitions: [{ AttributeName: 'status', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [{
        Create: { IndexName: 'ByStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      }],
    }),
  );
  await page.goto(ctx.site.url + '#/tables/Orders');
  const bar = page.locator('[role=progressbar][aria-label="Index ByStatus"]');
  await bar.waitFor();
  assert.equal(await bar.getAttribute('aria-valuemax'), '3');
  // Step 1 (CREATING) lasts 5 of the 10 seconds; a slow machine may already be in step 2.
  assert.ok(['1', '2'].includes(await bar.getAttribute('aria-valuenow')));
  assert.match(await bar.getAttribute('aria-valuetext'), /^CREATING/);
  assert.match(await page.textContent('#index-list'), /ByStatus.*CREATING/s);
  await screenshot(page, 'flow-backfill-creating');
  // The second half of the 10 seconds is the backfill.
  await page.locator('[role=progressbar][aria-label="Index ByStatus"][aria-valuenow="2"]').waitFor({ timeout: 9000 });
  assert.match(await bar.getAttribute('aria-valuetext'), /backfilling/);
  await screenshot(page, 'flow-backfill-backfilling');
  // Then ACTIVE: the bar goes, without the learner reloading anything.
  await bar.waitFor({ state: 'detached', timeout: 9000 });
  assert.match(await page.textContent('#index-list'), /ByStatus.*ACTIVE\s*3/s);
  assert.equal(await page.locator('.pending-work').count(), 0);
});

// A stream turned on from the Streams page records the writes made afterwards in the Items page.
test('enable a stream, write an item, watch its record appear', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Feed');
  await page.click('#nav-streams');
  await page.selectOption('#streams-table', 'Feed');
  await page.click('#enable-stream');
  await page.locator('#stream-count', { hasText: '0' }).waitFor();

  await saveItem(page, 'Feed', { id: { S: 'post-1' }, title: { S: 'Hello' } });

  await page.click('#nav-streams');
  await page.selectOption('#streams-table', 'Feed');
  await page.locator('#stream-count', { hasText: '1' }).waitFor();
  const events = await page.locator('#stream-timeline .badge').allTextContents();
  assert.deepEqual(events, ['INSERT']);
  assert.match(await page.textContent('#stream-timeline'), /post-1.*Hello/s);
});

// TTL: an item that expires five minutes from now survives a sweep; an hour later on the engine's
// clock the sweeper deletes it and the grid no longer has it.
test('TTL: an item that expires soon is gone after the clock passes it', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Sessions');
  await page.goto(ctx.site.url + '#/hood/Sessions');
  await type(page, '#hood-ttl-attribute', 'ExpiresAt');
  await page.click('#enable-ttl');
  await page.locator('#ttl-status', { hasText: 'TTL turned on' }).waitFor();

  const soon = Math.floor((await page.evaluate(() => window.dynaplay.nowMillis())) / 1000) + 300;
  await saveItem(page, 'Sessions', { id: { S: 'sess-1' }, ExpiresAt: { N: String(soon) } });
  await page.locator('.item-grid td', { hasText: 'sess-1' }).waitFor();

  await page.goto(ctx.site.url + '#/hood/Sessions');
  await page.locator('#clock-now').waitFor();
  await page.click('#sweep-ttl');
  await page.locator('#sweep-result', { hasText: '0 items deleted' }).waitFor();
  await page.click('#advance-hour');
  await page.locator('#clock-offset', { hasText: '1 h ahead of real time' }).waitFor();
  await page.click('#sweep-ttl');
  await page.locator('#sweep-result', { hasText: '1 item deleted' }).waitFor();

  await page.goto(ctx.site.url + '#/items/Sessions');
  await page.locator('#items-heading', { hasText: 'Sessions' }).waitFor();
  await page.locator('.placeholder', { hasText: 'No items.' }).waitFor();
  assert.equal(await page.locator('.item-grid td', { hasText: 'sess-1' }).count(), 0);
});

// Thirty writes and ten strongly consistent reads of small items, then the cost page: the numbers
// are the observed units extrapolated to a 30-day month at the published prices.
test('the cost estimate after some traffic', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Clicks');
  await createTable(page, 'Fixed', {
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
  });
  await page.evaluate(async () => {
    for (let i = 0; i < 30; i++) {
      await window.dynaplay.send('PutItem', { TableName: 'Clicks', Item: { id: { S: `c${i}` } } });
    }
    for (let i = 0; i < 10; i++) {
      await window.dynaplay.send('GetItem', { TableName: 'Clicks', Key: { id: { S: `c${i}` } }, ConsistentRead: true });
    }
  });
  await page.goto(ctx.site.url + '#/hood/Clicks');
  await page.locator('#cost-table').waitFor();
  const observed = await page.textContent('#cost-observed');
  assert.match(observed, /10 read and 30 write units/);
  assert.match(observed, /on demand now/);
  // The writes may straddle a minute boundary: the window is however many minutes they span.
  const minutes = Number(/last (\d+) minutes/.exec(observed)?.[1] ?? 1);
  const cents = (x) => '$' + (Math.round(x * 100) / 100).toFixed(2);
  const writes = (30 * (43200 / minutes)) / 1e6 * 0.625;
  const cells = await page.locator('#cost-on-demand td').allTextContents();
  assert.equal(cells[2], writes < 0.01 ? `$${writes.toFixed(4)}` : cents(writes), `on-demand writes over ${minutes} min`);
  assert.match(cells[0], /^\$0\.\d+$/, 'the month in all');
  assert.match(await page.textContent('#cost-peak'), /Provisioned for the peak \(1 RCU, 1 WCU\)/);
  assert.equal(await page.locator('#cost-provisioned').count(), 0, 'an on-demand table has no capacity set');

  // A provisioned table also shows what its capacity as set costs: 5 RCU and 5 WCU for 720 hours.
  await page.selectOption('#hood-table', 'Fixed');
  await page.locator('#cost-provisioned').waitFor();
  const set = await page.locator('#cost-provisioned td').allTextContents();
  assert.deepEqual(set.slice(1, 3), ['$0.47', '$2.34']);
  // No storage: the month is the capacity alone, $0.468 + $2.34.
  assert.equal(set[0], '$2.81');
  await page.click('#cost-view summary, .cost-view summary');
  assert.match(await page.textContent('#cost-assumptions'), /30-day month/);
});

// The keyboard alone: Tab reaches the Query page's controls in order with a visible focus ring,
// Enter in a text box runs the query, and Enter on the clock's buttons moves the clock.
test('keyboard: tab through the query form and run it with Enter', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Keys');
  await page.evaluate(() =>
    window.dynaplay.send('PutItem', { TableName: 'Keys', Item: { id: { S: 'k1' } } }),
  );
  await page.goto(ctx.site.url + '#/query/Keys');
  await page.locator('#read-table').focus();
  const order = [];
  for (let i = 0; i < 20 && !order.includes('read-run'); i++) {
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    if (focused.id) order.push(focused.id);
    // The first focus was the test's, not a key press; from the first Tab on, the ring must show.
    if (i > 0) assert.notEqual(focused.outline, 'none', `${focused.id} shows where the focus is`);
    if (i > 0) assert.ok(focused.width >= 2, `${focused.id}'s focus ring is at least 2px`);
    await page.keyboard.press('Tab');
  }
  for (const control of ['read-table', 'read-index', 'mode-query', 'key-condition', 'values', 'read-run']) {
    assert.ok(order.includes(control), `Tab reaches #${control} (went ${order.join(', ')})`);
  }
  assert.ok(order.indexOf('read-table') < order.indexOf('key-condition'), 'the form reads top to bottom');
  assert.ok(order.indexOf('key-condition') < order.indexOf('read-run'), 'the run button comes after the fields');

  await page.focus('#key-condition');
  await page.keyboard.press('Control+A');
  // The form starts with {"#pk": "<the table's partition key>"} as its names.
  await page.keyboard.type('#pk = :id');
  await page.focus('#values');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{":id": {"S": "k1"}}');
  await page.focus('#key-condition');
  await page.keyboard.press('Enter');
  await page.locator('#read-count', { hasText: '1' }).waitFor();

  await page.goto(ctx.site.url + '#/hood');
  await page.locator('#advance-minute').focus();
  await page.keyboard.press('Enter');
  await page.locator('#clock-offset', { hasText: '1 min ahead of real time' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'advance-hour');
  await page.keyboard.press('Space');
  await page.locator('#clock-offset', { hasText: '1 h 1 min ahead of real time' }).waitFor();
});

// In a text area Enter is a new line; Ctrl+Enter runs the PartiQL statement and saves the item
// being edited, as it runs the Console's request.
test('keyboard: Ctrl+Enter runs PartiQL and saves an item', async () => {
  const { page } = ctx.session;
  await createTable(page, 'Notes');
  await page.goto(ctx.site.url + '#/items/Notes');
  await page.locator('#items-heading', { hasText: 'Notes' }).waitFor();
  await page.locator('#item-new').focus();
  await page.keyboard.press('Enter');
  await page.check('#notation-dynamodb');
  await page.focus('#item-text');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{"id": {"S": "n1"},');
  await page.keyboard.press('Enter');
  await page.keyboard.type(' "text": {"S": "typed"}}');
  assert.match(await page.inputValue('#item-text'), /,\n "text"/, 'Enter alone is a new line');
  await page.keyboard.press('Control+Enter');
  await page.locator('#item-status', { hasText: 'Saved' }).waitFor();
  await page.locator('.item-grid td', { hasText: 'n1' }).waitFor();

  await page.click('#nav-partiql');
  await page.focus('#statement');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`SELECT * FROM "Notes" WHERE id = ?`);
  await page.focus('#parameters');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('[{"S": "n1"}]');
  await page.keyboard.press('Control+Enter');
  await page.locator('#partiql-result-heading').waitFor();
  assert.match(await page.textContent('.page'), /typed/);
});

// Every page at 1280 and 375 pixels wide: nothing wider than the screen, and a screenshot of each
// to look at (tests/e2e/screenshots/flow-<width>-<page>.png).
test('every page at laptop and phone widths', async () => {
  const { page } = ctx.session;
  await page.click('#nav-tables');
  await page.click('#load-shop');
  await page.locator('#dataset-status', { hasText: 'Loaded' }).waitFor();
  await page.evaluate(() =>
    window.dynaplay.send('Query', {
      TableName: 'Shop', KeyConditionExpression: 'PK = :p',
      ExpressionAttributeValues: { ':p': { S: 'CUSTOMER#c1' } },
    }),
  );
  const pages = ['#/console', '#/tables', '#/tables/Shop', '#/items/Shop', '#/query/Shop', '#/partiql',
    '#/streams/Shop', '#/code', '#/hood/Shop'];
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 812 });
    for (const hash of pages) {
      await page.goto(ctx.site.url + hash);
      await page.locator('main h2').first().waitFor();
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        screen: window.innerWidth,
      }));
      assert.ok(widths.page <= widths.screen, `${hash} is ${widths.page}px wide on a ${widths.screen}px screen`);
      await screenshot(page, `flow-${width}-${hash.replace(/[^a-z]+/gi, '-').replace(/^-|-$/g, '')}`);
    }
  }
});
