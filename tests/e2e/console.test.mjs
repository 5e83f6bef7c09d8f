// End-to-end tests of the Console page in headless Chromium: the operation list and examples, running
// requests from the button, Ctrl+Enter and the history, errors as DynamoDB reports them,
// `window.dynaplay`, keyboard use and the phone layout.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, openPlayground, screenshot, pick } from './support.mjs';

let site;
let session;

before(async () => {
  site = await serveDist();
});
after(async () => {
  await site?.close();
});

beforeEach(async () => {
  session = await openPlayground(site.url);
});
afterEach(async (t) => {
  await screenshot(session.page, t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
  const problems = session.problems;
  await session.close();
  assert.deepEqual(problems, [], 'the page logged errors');
});

const OPERATIONS = [
  'CreateTable', 'DescribeTable', 'ListTables', 'PutItem', 'GetItem', 'UpdateItem',
  'Query', 'Scan', 'BatchWriteItem', 'BatchGetItem', 'DeleteItem', 'DeleteTable',
];

// The list offers every operation in runnable order, and each example is JSON about the Music table.
test('operation list and examples', async () => {
  const { page } = session;
  const options = await page.locator('#operation option').allTextContents();
  assert.deepEqual(options.map((o) => o.trim()), OPERATIONS);
  const first = JSON.parse(await page.inputValue('#request'));
  assert.equal(first.TableName, 'Music');
  assert.deepEqual(first.KeySchema.map((k) => k.AttributeName), ['Artist', 'SongTitle']);

  await pick(page, 'GetItem');
  const get = JSON.parse(await page.inputValue('#request'));
  assert.deepEqual(get.Key.SongTitle, { S: 'Call Me Today' });
  assert.match(await page.textContent('#operation-summary'), /by its full key/);
});

// Scripts reach the page's engine: an unknown target answers like DynamoDB does.
test('window.dynaplay dispatches to the engine', async () => {
  const { page } = session;
  const answer = await page.evaluate(() => window.dynaplay.dispatch('DynamoDB_20120810.MakeCoffee', '{}'));
  assert.equal(answer.status, 400);
  assert.deepEqual(JSON.parse(answer.body), {
    __type: 'com.amazon.coral.service#UnknownOperationException',
  });
  const rejected = await page.evaluate(() =>
    window.dynaplay.send('MakeCoffee', {}).then(() => null, (e) => ({ name: e.name, isError: e instanceof Error })),
  );
  assert.deepEqual(rejected, { name: 'UnknownOperationException', isError: true });
  const now = await page.evaluate(() => window.dynaplay.nowMillis() - Date.now());
  assert.ok(Math.abs(now) < 60_000, `engine clock is ${now} ms off`);
});

// A malformed request shows DynamoDB's exception name; the history keeps it and runs it again.
test('errors are shown with their exception name and the history re-runs', async () => {
  const { page } = session;
  await pick(page, 'ListTables');
  await page.fill('#request', '{ "Limit": ');
  await page.click('#run');
  await assert.doesNotReject(page.locator('#response [role=alert]').waitFor());
  assert.equal((await page.textContent('#response .exception')).trim(), 'SerializationException');
  assert.match(await page.textContent('#response .status'), /400/);
  // DynamoDB sends this exception without a message, and the page says so rather than inventing one.
  assert.match(await page.textContent('#response .message'), /no message/);

  const entries = page.locator('#history li');
  assert.equal(await entries.count(), 1);
  assert.match(await entries.first().textContent(), /#1\s*ListTables\s*SerializationException\s*\{ "Limit":/);

  // Change the editor, then re-run the history entry: the old request runs, not the edited one.
  await page.fill('#request', '{}');
  await page.getByRole('button', { name: 'Run ListTables #1 again' }).click();
  await page.locator('#history li').nth(1).waitFor();
  assert.equal(await entries.count(), 2);
  assert.equal(await page.inputValue('#request'), '{ "Limit": ');
  assert.equal((await page.textContent('#response .exception')).trim(), 'SerializationException');
});

// Ctrl+Enter in the editor runs the request, and the keyboard reaches every control in order.
test('keyboard: Ctrl+Enter runs and Tab moves through the controls', async () => {
  const { page } = session;
  await pick(page, 'DescribeTable');
  await page.fill('#request', 'not json');
  await page.focus('#request');
  await page.keyboard.press('Control+Enter');
  await page.locator('#history li').first().waitFor();
  assert.match(await page.textContent('#history li'), /DescribeTable/);

  await page.focus('#operation');
  await page.keyboard.press('Tab');
  // The region selector (global tables simulation) sits between the operation and the body.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'region');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'request');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'run');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, 'solid', 'the focused button shows a focus ring');
});

// The examples work against the engine: create the table, put the song, read it back.
test('CreateTable, PutItem, then GetItem returns the item', async () => {
  const { page } = session;
  const steps = ['CreateTable', 'PutItem', 'GetItem'];
  for (const [index, operation] of steps.entries()) {
    await pick(page, operation);
    await page.click('#run');
    await page.locator('#history li').nth(index).waitFor();
    const alert = await page.locator('#response [role=alert]').count();
    const shown = await page.textContent('#response');
    assert.equal(alert, 0, `${operation} failed: ${shown}`);
  }
  const output = JSON.parse(await page.textContent('#response pre'));
  assert.deepEqual(output.Item, {
    Artist: { S: 'No One You Know' },
    SongTitle: { S: 'Call Me Today' },
    AlbumTitle: { S: 'Somewhat Famous' },
    Awards: { N: '1' },
  });
  // The page and window.dynaplay share one engine.
  const tables = await page.evaluate(() => window.dynaplay.dispatch('DynamoDB_20120810.ListTables', '{}'));
  assert.deepEqual(JSON.parse(tables.body).TableNames, ['Music']);
});

// The console's promise: running every example once, top to bottom, succeeds.
test('every example runs in order without an error', async () => {
  const { page } = session;
  for (const [index, operation] of OPERATIONS.entries()) {
    await pick(page, operation);
    await page.keyboard.press('Tab'); // leave the list, as a keyboard user would
    await page.click('#run');
    await page.locator('#history li').nth(index).waitFor();
    const alert = await page.locator('#response [role=alert]').count();
    assert.equal(alert, 0, `${operation} failed: ${await page.textContent('#response')}`);
    if (operation === 'Query') {
      const output = JSON.parse(await page.textContent('#response pre'));
      assert.equal(output.Count, 1);
      assert.equal(output.Items[0].AlbumTitle.S, 'Louder Than Ever', 'Query sees the UpdateItem');
    }
  }
  assert.equal(await page.locator('#history .badge.failed').count(), 0);
});
