// End-to-end test of the data modeler, as a modeler uses it: import a NoSQL Workbench model file,
// create its table with the sample data in the sandbox, write access patterns and run them (one a
// Query, one flagged as needing a Scan), look at the facet and aggregate views, export the model and
// compare it with the file, and open the design from its share link in a fresh browser profile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist, openPlayground, screenshot } from './support.mjs';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..', '..', 'crates', 'app', 'tests', 'fixtures', 'workbench', 'music-library-3.0.json',
);

let site;

before(async () => {
  site = await serveDist();
});
after(async () => {
  await site?.close();
});

/** Sets a text box the way typing does (the page reads it on change). */
async function type(page, selector, text) {
  await page.fill(selector, text);
  await page.locator(selector).dispatchEvent('change');
}

test('import a Workbench model, load it, run its access patterns, export and share it', async () => {
  const session = await openPlayground(site.url);
  const { page } = session;
  let shareUrl;
  try {
    await page.click('#nav-modeler');
    await page.locator('#modeler-heading').waitFor();

    // Import the Workbench 3.0 file.
    await page.setInputFiles('#modeler-import-file', FIXTURE);
    await page.locator('#modeler-note', { hasText: 'Imported Music library' }).waitFor();
    assert.equal(await page.inputValue('#modeler-table-name'), 'Songs');
    assert.equal(await page.inputValue('#modeler-entity-1-name'), 'Download');
    assert.equal(await page.inputValue('#modeler-entity-1-Metadata'), 'DL#<timestamp>');

    // Facet view of Download: its three items under its key patterns.
    await page.selectOption('#modeler-view', 'Download');
    const headers = await page.locator('#modeler-facet th').allTextContents();
    assert.deepEqual(headers.slice(0, 3), ['SONG#<songId>', 'DL#<timestamp>', 'Country']);
    assert.equal(await page.locator('#modeler-facet tbody tr').count(), 3);

    // Build the table with its sample data in the sandbox.
    await page.click('#modeler-load');
    await page.locator('#modeler-load-status', { hasText: 'Loaded 6 items into 1 table.' }).waitFor();

    // A Query: a song's downloads, by begins_with on the sort key.
    await page.click('#modeler-add-pattern');
    await type(page, '#modeler-pattern-0-name', "A song's downloads");
    await type(page, '#modeler-pattern-0-pk', 'SONG#<songId>');
    await page.selectOption('#modeler-pattern-0-sort-op', 'begins_with');
    await type(page, '#modeler-pattern-0-sk', 'DL#');
    await type(page, '#modeler-pattern-0-params', 'songId=1');
    await page.locator('#modeler-pattern-0-run', { hasText: 'Run (Query)' }).waitFor();
    await page.click('#modeler-pattern-0-run');
    const result0 = page.locator('#modeler-pattern-0-result');
    await result0.locator('text=Count 2, ScannedCount 2').waitFor();
    const rows0 = await result0.locator('tbody tr').allTextContents();
    assert.equal(rows0.length, 2);
    assert.match(rows0[0], /DL#2026-01-03T10:00:00/);
    assert.match(rows0[1], /DL#2026-01-04T08:30:00/);

    // A pattern no key serves: flagged, and run as a Scan.
    await page.click('#modeler-add-pattern');
    await type(page, '#modeler-pattern-1-name', 'Downloads from a country');
    await type(page, '#modeler-pattern-1-filters', 'Country=<country>');
    await type(page, '#modeler-pattern-1-params', 'country=SE');
    await page.locator('#modeler-pattern-1.needs-scan .needs-scan-flag').waitFor();
    await page.click('#modeler-pattern-1-run');
    const result1 = page.locator('#modeler-pattern-1-result');
    await result1.locator('text=Count 2, ScannedCount 6').waitFor();

    // The aggregate view of the GSI, read from the sandbox: only songs carry Artist, so it is sparse.
    await page.click('#modeler-read');
    await page.locator('.modeler-views .hint', { hasText: 'The 6 items of table Songs in the sandbox.' }).waitFor();
    await page.selectOption('#modeler-view', '');
    await page.selectOption('#modeler-view-index', 'ByArtist');
    const partitions = await page.locator('#modeler-aggregate th.partition').allTextContents();
    assert.deepEqual(partitions, ['Sample Band', 'The Examples']);

    // Export: a 3.0 file with the same tables, keys, indexes, facets and items as the one imported.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#modeler-export')]);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
    const original = JSON.parse(await readFile(FIXTURE, 'utf8'));
    assert.equal(exported.ModelMetadata.Version, '3.0');
    assert.equal(exported.ModelMetadata.AWSService, 'Amazon DynamoDB');
    assert.equal(exported.ModelName, original.ModelName);
    const [a, b] = [exported.DataModel[0], original.DataModel[0]];
    for (const field of ['TableName', 'KeyAttributes', 'NonKeyAttributes', 'GlobalSecondaryIndexes', 'TableData', 'BillingMode']) {
      assert.deepEqual(a[field], b[field], field);
    }
    assert.deepEqual(
      a.ProvisionedCapacitySettings.ProvisionedThroughput,
      b.ProvisionedCapacitySettings.ProvisionedThroughput,
    );
    assert.deepEqual(
      a.TableFacets.map((f) => [f.FacetName, f.KeyAttributeAlias, f.NonKeyAttributes, f.TableData]),
      b.TableFacets.map((f) => [f.FacetName, f.KeyAttributeAlias, f.NonKeyAttributes, f.TableData]),
    );

    // Share: the link carries the design, access patterns included.
    await page.click('#modeler-share');
    shareUrl = await page.inputValue('#modeler-share-url');
    assert.match(shareUrl, /#\/modeler\//);
    await screenshot(page, 'modeler-designer');
    assert.deepEqual(session.problems, [], 'the page logged errors');
  } finally {
    await session.close();
  }

  // A colleague opens the link in a fresh profile: the same design, ready to load and run.
  const colleague = await openPlayground(site.url);
  try {
    const { page } = colleague;
    await page.goto(shareUrl);
    await page.locator('#modeler-note', { hasText: 'Opened the shared model.' }).waitFor();
    assert.equal(await page.inputValue('#modeler-table-name'), 'Songs');
    assert.equal(await page.inputValue('#modeler-pattern-0-name'), "A song's downloads");
    await page.locator('#modeler-pattern-1.needs-scan').waitFor();
    // They add a download: its keys come from the entity's patterns.
    await type(page, '#modeler-entity-1-add', 'songId=3, timestamp=2026-03-01T09:00:00, Country=NO');
    await page.locator('#modeler-note', { hasText: 'Added a sample Download item.' }).waitFor();
    await page.selectOption('#modeler-view', 'Download');
    const added = await page.locator('#modeler-facet tbody tr').last().locator('td').allTextContents();
    assert.deepEqual(added.slice(0, 3), ['SONG#3', 'DL#2026-03-01T09:00:00', 'NO']);
    await page.click('#modeler-load');
    await page.locator('#modeler-load-status', { hasText: 'Loaded 7 items' }).waitFor();
    await page.click('#modeler-pattern-0-run');
    await page.locator('#modeler-pattern-0-result', { hasText: 'Count 2, ScannedCount 2' }).waitFor();
    await screenshot(page, 'modeler-shared');
    assert.deepEqual(colleague.problems, [], 'the page logged errors');
  } finally {
    await colleague.close();
  }
});

test('a file that is not a model gets a clear error and changes nothing', async () => {
  const session = await openPlayground(site.url);
  const { page } = session;
  try {
    await page.goto(site.url + '#/modeler');
    await page.locator('#modeler-heading').waitFor();
    const before = await page.inputValue('#modeler-table-name');
    await page.click('#modeler-paste-import >> xpath=ancestor::details/summary');
    await page.fill('#modeler-paste', '{"DataModel": [{"TableName": "x"}]}');
    await page.click('#modeler-paste-import');
    await page.locator('#modeler-note', { hasText: 'DataModel[0].TableName' }).waitFor();
    assert.equal(await page.inputValue('#modeler-table-name'), before);
    // A mangled share link is refused the same way.
    await page.goto(site.url + '#/modeler/' + encodeURIComponent('{"dynaplayModel":1,"workbench":"<img src=x onerror=alert(1)>"}'));
    await page.locator('#modeler-note', { hasText: 'The shared model could not be opened' }).waitFor();
    assert.equal(await page.locator('img[src=x]').count(), 0);
    assert.deepEqual(session.problems, [], 'the page logged errors');
  } finally {
    await session.close();
  }
});
