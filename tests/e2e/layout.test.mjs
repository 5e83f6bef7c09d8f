// The playground at phone and laptop widths: one column, nothing wider than the screen, the navigation
// one row, the history's columns lined up, the controls still usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, openPlayground, screenshot, pick, SCREENSHOTS } from './support.mjs';

/**
 * Serves dist/, opens the playground at `viewport`, runs `body(session, site)`, fails when the page
 * logged errors, and tears everything down whatever happened.
 */
async function withPlayground(viewport, body) {
  const site = await serveDist();
  const session = await openPlayground(site.url, viewport);
  try {
    await body(session, site);
    assert.deepEqual(session.problems, [], 'the page logged errors');
  } finally {
    await session.close();
    await site.close();
  }
}

test('phone width: one column without horizontal scrolling', () =>
  withPlayground({ width: 390, height: 844 }, async (session, site) => {
    const { page } = session;
    await page.fill('#request', '{');
    await page.click('#run');
    await page.locator('#response [role=alert]').waitFor();
    const m = await measure(page);
    assert.ok(m.scroll <= m.client, `page is ${m.scroll}px wide on a ${m.client}px screen`);
    const request = await page.locator('.request-panel').boundingBox();
    const response = await page.locator('.response-panel').boundingBox();
    assert.ok(response.y >= request.y + request.height, 'the response sits below the request');
    await screenshot(page, 'phone-width');
  }));

// Every page at phone (375 px) and laptop (1280 px) width, as a learner with some tables, a replica
// region and a history sees them: nothing wider than the screen, the navigation one row (unfolding to
// every link on a phone), the history's columns lined up, and controls big enough to tap.

const PHONE = { width: 375, height: 812 };
const LAPTOP = { width: 1280, height: 800 };
const SECTIONS = ['console', 'tables', 'items', 'query', 'partiql', 'streams', 'code', 'hood', 'sandboxes', 'lessons', 'share', 'modeler'];

/** Each page, with what shows it has rendered its content (not just its heading). */
const PAGES = [
  ['console', '#history li'],
  ['tables', '#table-list'],
  ['tables/Music', '#table-facts'],
  ['items/Music', '.items-page .item-grid td'],
  ['query/Music', '.query-page'],
  ['partiql', '#main h2'],
  ['streams/Music', '.timeline .event'],
  ['code', '#request-log li'],
  ['hood/Music', '#partitions'],
  ['sandboxes', '#sandbox-list'],
  ['lessons', '#lessons-heading'],
  ['lessons/primary-keys', '#lesson-heading'],
  ['share', '#share-heading'],
  ['modeler', '#modeler-aggregate'],
  ['nowhere', '#missing-heading'],
];

/**
 * A table Music with a stream, six items with long values and a replica in eu-west-1, then three runs
 * from the Console: GetItem at home, GetItem in eu-west-1, and a GetItem of a missing table (a
 * failure with a long exception name).
 */
async function seed(page) {
  await page.evaluate(async () => {
    const db = window.dynaplay;
    await db.send('CreateTable', {
      TableName: 'Music',
      AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' }, { AttributeName: 'SongTitle', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'SongTitle', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    for (let i = 0; i < 6; i++) {
      await db.send('PutItem', {
        TableName: 'Music',
        Item: {
          Artist: { S: `No One You Know ${i}` },
          SongTitle: { S: `Call Me Today, a rather long song title number ${i}` },
          AlbumTitle: { S: 'Somewhat Famous, and a Long Album Name Besides' },
          Year: { N: String(2000 + i) },
        },
      });
    }
    await db.send('UpdateTable', { TableName: 'Music', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] });
  });
  // The Console reads the regions when it opens.
  await page.click('#nav-tables');
  await page.click('#nav-console');
  await page.locator('#region option', { hasText: 'eu-west-1' }).waitFor({ state: 'attached' });
  const run = async () => {
    const before = await page.locator('#history li').count();
    await page.click('#run');
    await page.waitForFunction((n) => document.querySelectorAll('#history li').length > n, before);
  };
  await pick(page, 'GetItem');
  await run();
  await page.selectOption('#region', 'eu-west-1');
  await run();
  await page.selectOption('#region', 'us-east-1');
  await page.fill('#request', JSON.stringify({ TableName: 'Nowhere', Key: { id: { S: 'x' } } }));
  await run();
}

/** The document's width against the screen's, and the nav's height. */
function measure(page) {
  return page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    nav: document.querySelector('.main-nav')?.getBoundingClientRect().height ?? 0,
  }));
}

/**
 * Opens each of PAGES in turn and waits for its content: nothing may be wider than the screen, then
 * `check(route, measures)` runs, and a screenshot named for the width and route is taken.
 */
async function visitEveryPage(page, site, check = async () => {}) {
  const width = page.viewportSize().width;
  for (const [route, ready] of PAGES) {
    await page.goto(site.url + '#/' + route);
    await page.locator(ready).first().waitFor();
    const m = await measure(page);
    assert.ok(m.scroll <= m.client, `#/${route} is ${m.scroll}px wide on a ${m.client}px screen`);
    await check(route, m);
    await screenshot(page, `layout-${width}-` + route.replace(/[^a-z]+/gi, '-'));
  }
}

/** Controls on the page shorter than `min` px: buttons, selects, text boxes, summaries, and the labels of checkboxes and radios. */
function smallTargets(page, min) {
  return page.evaluate((min) => {
    const controls = [...document.querySelectorAll('main button, main select, main input, main summary, .main-nav a, .main-nav button')];
    return controls
      .map((e) => (e.type === 'checkbox' || e.type === 'radio' ? e.closest('label') ?? e : e))
      .filter((e) => !e.classList.contains('visually-hidden'))
      .filter((e) => {
        const box = e.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && box.height < min;
      })
      .map((e) => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect().height)}px`);
  }, min);
}

/** The boxes of the history's cells, row by row. */
function historyBoxes(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#history li')].map((row) => {
      const box = (selector) => {
        const e = selector ? row.querySelector(selector) : row;
        if (!e) return null;
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, right: r.right, bottom: r.bottom };
      };
      return { outcome: box('.outcome'), region: box('.region'), operation: box('.operation'), preview: box('.preview'), actions: box('.history-actions'), row: box(null) };
    }),
  );
}

function assertHistoryAligned(rows, width) {
  assert.equal(rows.length, 3, 'three runs in the history');
  assert.equal(rows.filter((r) => r.region).length, 1, 'one run names its region');
  const xs = rows.map((r) => r.outcome.x);
  assert.ok(Math.max(...xs) - Math.min(...xs) <= 1, `at ${width} px the outcome badges start at ${xs}`);
  const ops = rows.map((r) => r.operation.x);
  assert.ok(Math.max(...ops) - Math.min(...ops) <= 1, `at ${width} px the operations start at ${ops}`);
  const cells = ['operation', 'outcome', 'region', 'preview', 'actions'];
  for (const r of rows) {
    // The region follows the outcome on its line.
    if (r.region) {
      assert.ok(r.outcome.right <= r.region.x, `the outcome (ends ${r.outcome.right}) overlaps the region (${r.region.x})`);
      assert.ok(Math.abs(r.region.y - r.outcome.y) <= 4, 'the region and the outcome share a line');
    }
    // Nothing on top of anything else, nothing out of its row.
    for (const [i, a] of cells.entries()) {
      if (!r[a]) continue;
      assert.ok(r[a].x >= r.row.x - 0.5 && r[a].right <= r.row.right + 0.5, `at ${width} px the ${a} sticks out of its row`);
      for (const b of cells.slice(i + 1)) {
        if (!r[b]) continue;
        const apart = r[a].right <= r[b].x + 0.5 || r[b].right <= r[a].x + 0.5 || r[a].bottom <= r[b].y + 0.5 || r[b].bottom <= r[a].y + 0.5;
        assert.ok(apart, `at ${width} px the ${a} and the ${b} overlap`);
      }
    }
  }
  // Operation names are never broken inside: each is one line.
  for (const r of rows) assert.ok(r.operation.bottom - r.operation.y <= 30, `at ${width} px an operation name wraps`);
}

test('phone: every page fits 375 px, the nav stays one row, controls are tappable', () =>
  withPlayground(PHONE, async (session, site) => {
    const { page } = session;
    await seed(page);
    await visitEveryPage(page, site, async (route, m) => {
      assert.ok(m.nav > 0 && m.nav <= 64, `#/${route}: the nav is ${m.nav}px tall`);
      assert.deepEqual(await smallTargets(page, 32), [], `#/${route} has controls under 32 px`);
    });
    // A share link, opened on another phone.
    await page.goto(site.url + '#/share');
    await page.click('#share');
    const link = await page.inputValue('#share-link');
    const other = await openPlayground(site.url, PHONE);
    try {
      await other.page.goto(link);
      // The link remembers the lesson seen last, and opens on it; the sandbox is the shared one.
      await other.page.locator('#lesson-heading').waitFor();
      await other.page.locator('#current-sandbox', { hasText: 'Shared' }).waitFor();
      const m = await measure(other.page);
      assert.ok(m.scroll <= m.client, `the shared page is ${m.scroll}px wide`);
      assert.ok(m.nav <= 64, `the shared page's nav is ${m.nav}px tall`);
      await screenshot(other.page, 'layout-375-shared');
      assert.deepEqual(other.problems, [], 'the other phone logged errors');
    } finally {
      await other.close();
    }
    // The compact console documentation pages embed.
    await page.goto(site.url + '#/embed/console');
    await page.locator('#main textarea, textarea').first().waitFor();
    const m = await measure(page);
    assert.ok(m.scroll <= m.client, `the embed is ${m.scroll}px wide`);
  }));

test('phone: the nav is one row that unfolds to every link, by mouse and keyboard', () =>
  withPlayground(PHONE, async (session, site) => {
    const { page } = session;
    const toggle = page.locator('#nav-toggle');
    const list = page.locator('#nav-sections');
    assert.ok(await toggle.isVisible(), 'the All sections button shows');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await toggle.getAttribute('aria-controls'), 'nav-sections');
    assert.match(await toggle.textContent(), /All sections/);
    // Folded: one row of links, wider than the screen, scrolled inside the nav.
    const folded = await page.evaluate(() => {
      const ul = document.getElementById('nav-sections');
      const tops = [...ul.querySelectorAll('a')].map((a) => Math.round(a.getBoundingClientRect().top));
      return { tops: new Set(tops).size, scroll: ul.scrollWidth, client: ul.clientWidth };
    });
    assert.equal(folded.tops, 1, 'the folded links are one row');
    assert.ok(folded.scroll > folded.client, 'the row scrolls sideways');
    assert.ok((await measure(page)).nav <= 64);

    // The current section is scrolled into view, even the last one.
    await page.goto(site.url + '#/modeler');
    await page.locator('#modeler-heading').waitFor();
    const row = await list.boundingBox();
    const current = await page.locator('#nav-modeler').boundingBox();
    assert.ok(current.x >= row.x - 1 && current.x + current.width <= row.x + row.width + 1, 'the current link is in view');

    // Keyboard: Enter unfolds, every link is then on the screen; Escape folds and returns focus.
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    for (const id of SECTIONS) {
      const link = page.locator(`#nav-${id}`);
      assert.ok(await link.isVisible(), `${id} shows`);
      const box = await link.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `${id} lies within the screen (${box.x}..${box.x + box.width})`);
      assert.ok(box.height >= 40, `${id} is ${box.height}px tall`);
    }
    let m = await measure(page);
    assert.ok(m.scroll <= m.client, 'the unfolded nav fits the screen');
    assert.ok(m.nav > 64, 'the unfolded nav is taller than the row');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.closest('.main-nav') !== null), true, 'Tab stays in the nav');
    await page.keyboard.press('Escape');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'nav-toggle');
    assert.ok((await measure(page)).nav <= 64, 'folded again');

    // Mouse: unfold, follow a link; the page opens and the nav folds.
    await toggle.click();
    await page.click('#nav-lessons');
    await page.locator('#lessons-heading').waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getAttribute('#nav-lessons', 'aria-current'), 'page');
    await screenshot(page, 'layout-375-nav-folded');
    await toggle.click();
    await screenshot(page, 'layout-375-nav-unfolded');
    m = await measure(page);
    assert.ok(m.scroll <= m.client);
  }));

test('history: the outcome badges line up with and without a region, at 375 and 1280 px', () =>
  withPlayground(PHONE, async (session, site) => {
    const { page } = session;
    await seed(page);
    assertHistoryAligned(await historyBoxes(page), PHONE.width);
    await page.locator('#history').screenshot({ path: `${SCREENSHOTS}/layout-375-history.png` });
    await page.setViewportSize(LAPTOP);
    const rows = await historyBoxes(page);
    assertHistoryAligned(rows, LAPTOP.width);
    // On a laptop each run is one line, and the requests start in one column too.
    for (const r of rows) assert.ok(Math.abs(r.preview.y - r.operation.y) <= 4, 'one line per run');
    const previews = rows.map((r) => r.preview.x);
    assert.ok(Math.max(...previews) - Math.min(...previews) <= 1, `the requests start at ${previews}`);
    await page.locator('#history').screenshot({ path: `${SCREENSHOTS}/layout-1280-history.png` });
  }));

test('laptop: every link in one row at 1280 px, no menu button, every page fits', () =>
  withPlayground(LAPTOP, async (session, site) => {
    const { page } = session;
    await seed(page);
    await visitEveryPage(page, site);
    assert.equal(await page.locator('#nav-toggle').isVisible(), false, 'no All sections button');
    const boxes = await Promise.all(SECTIONS.map((id) => page.locator(`#nav-${id}`).boundingBox()));
    const tops = new Set(boxes.map((b) => Math.round(b.y)));
    assert.equal(tops.size, 1, `the links sit at ${[...tops]}`);
    for (const [i, b] of boxes.entries()) {
      assert.ok(b.x >= 0 && b.x + b.width <= LAPTOP.width, `${SECTIONS[i]} is on the screen`);
      if (i > 0) assert.ok(b.x >= boxes[i - 1].x + boxes[i - 1].width - 0.5, `${SECTIONS[i]} follows ${SECTIONS[i - 1]}`);
    }
    const m = await measure(page);
    assert.ok(m.nav <= 48, `the nav is ${m.nav}px tall`);
  }));

/**
 * Scrolls the folded nav row to `where` ('start', 'middle' or 'end'), lets the scroll-driven fades
 * catch up, and reads them: the fades' widths in px at each edge and the row's box.
 */
async function scrollRow(page, where) {
  return page.evaluate(async (where) => {
    const ul = document.getElementById('nav-sections');
    const max = ul.scrollWidth - ul.clientWidth;
    ul.scrollLeft = where === 'start' ? 0 : where === 'end' ? max : max / 2;
    // A scroll timeline takes effect on the next frame.
    for (let i = 0; i < 3; i++) await new Promise(requestAnimationFrame);
    const style = getComputedStyle(ul);
    const box = ul.getBoundingClientRect();
    return {
      start: parseFloat(style.getPropertyValue('--nav-fade-start')),
      end: parseFloat(style.getPropertyValue('--nav-fade-end')),
      mask: style.maskImage,
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
    };
  }, where);
}

/**
 * How much the row's pixels at one edge (its outer 2 rem) change when its mask is taken off: the
 * largest change of a colour channel, 0 to 255. Large where the row is faded on the screen; a plain
 * edge changes by a rounding step at most.
 */
async function edgeFade(page, row, edge) {
  const width = 32;
  const clip = { x: edge === 'left' ? row.box.x : row.box.x + row.box.width - width, y: row.box.y, width, height: row.box.height };
  const masked = await page.screenshot({ clip });
  await page.evaluate(() => document.getElementById('nav-sections').style.setProperty('mask-image', 'none'));
  const bare = await page.screenshot({ clip });
  await page.evaluate(() => document.getElementById('nav-sections').style.removeProperty('mask-image'));
  // The browser decodes both PNGs and compares them pixel by pixel.
  return page.evaluate(async (pngs) => {
    const pixels = async (base64) => {
      const image = await createImageBitmap(await (await fetch('data:image/png;base64,' + base64)).blob());
      const canvas = new OffscreenCanvas(image.width, image.height);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      return context.getImageData(0, 0, image.width, image.height).data;
    };
    const [a, b] = await Promise.all(pngs.map(pixels));
    let most = 0;
    for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i] - b[i]));
    return most;
  }, [masked.toString('base64'), bare.toString('base64')]);
}

const FADED = 64;
const PLAIN = 8;

test('phone: the folded nav row fades out at the edges where more links lie', () =>
  withPlayground(PHONE, async (session) => {
    const { page } = session;
    // The start: links hidden on the right only.
    let row = await scrollRow(page, 'start');
    assert.match(row.mask, /linear-gradient/, 'the row has its mask');
    assert.equal(row.start, 0, 'no fade on the left at the start');
    assert.ok(row.end >= 30, `a fade on the right at the start (${row.end}px)`);
    let left = await edgeFade(page, row, 'left');
    let right = await edgeFade(page, row, 'right');
    assert.ok(left <= PLAIN, `the left edge is drawn plain at the start (its pixels change by ${left} without the mask)`);
    assert.ok(right >= FADED, `the right edge is drawn faded at the start (its pixels change by ${right} without the mask)`);
    await page.locator('.main-nav').screenshot({ path: `${SCREENSHOTS}/layout-375-nav-fade-start.png` });
    // Between: links hidden on both sides.
    row = await scrollRow(page, 'middle');
    assert.ok(row.start >= 30 && row.end >= 30, `fades on both sides in the middle (${row.start}px, ${row.end}px)`);
    // The end: links hidden on the left only.
    row = await scrollRow(page, 'end');
    assert.ok(row.start >= 30, `a fade on the left at the end (${row.start}px)`);
    assert.equal(row.end, 0, 'no fade on the right at the end');
    left = await edgeFade(page, row, 'left');
    right = await edgeFade(page, row, 'right');
    assert.ok(left >= FADED, `the left edge is drawn faded at the end (its pixels change by ${left} without the mask)`);
    assert.ok(right <= PLAIN, `the right edge is drawn plain at the end (its pixels change by ${right} without the mask)`);
    await page.locator('.main-nav').screenshot({ path: `${SCREENSHOTS}/layout-375-nav-fade-end.png` });
    // Unfolded, every link shows: nothing fades.
    await page.click('#nav-toggle');
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('nav-sections')).maskImage), 'none');
    // On a laptop the row fits: no mask either.
    await page.click('#nav-toggle');
    await page.setViewportSize(LAPTOP);
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('nav-sections')).maskImage), 'none');
  }));

/** The Code link's badge: its text, title and width, and the link's whole text (what a screen reader reads). */
function codeCount(page) {
  return page.evaluate(() => {
    const badge = document.querySelector('#nav-code .count');
    return {
      text: badge.textContent,
      title: badge.title,
      width: badge.getBoundingClientRect().width,
      link: document.getElementById('nav-code').textContent,
    };
  });
}

test('laptop: 123 requests later the Code count is "99+", as wide as before, and the nav still one row', () =>
  withPlayground(LAPTOP, async (session) => {
    const { page } = session;
    await pick(page, 'ListTables');
    // Each run names another start table, so the newest history row shows which run it is.
    const run = async (i) => {
      await page.fill('#request', JSON.stringify({ ExclusiveStartTableName: `t${i}` }));
      await page.click('#run');
      await page.waitForFunction((marker) => document.querySelector('#history li .preview')?.textContent.includes(marker), `"t${i}"`);
    };
    const widths = {};
    for (let i = 1; i <= 123; i++) {
      await run(i);
      if (i === 1 || i === 12 || i === 99) widths[i] = (await codeCount(page)).width;
    }
    const count = await codeCount(page);
    assert.equal(count.text, '99+');
    // The log keeps the latest 100; the exact number is in the title and the link's text.
    assert.match(count.title, /^100 requests/);
    assert.match(count.link, /100 requests/);
    widths[123] = count.width;
    for (const [n, w] of Object.entries(widths)) assert.ok(Math.abs(w - widths[1]) <= 0.5, `the badge is ${w}px wide at ${n}, ${widths[1]}px at 1`);

    // One row at 1280 px, and at 1273 px, the narrowest screen without the All sections button
    // (the phone layout is for 79.5rem = 1272 px and less).
    for (const width of [LAPTOP.width, 1273]) {
      await page.setViewportSize({ ...LAPTOP, width });
      const tops = await page.evaluate(() => [...document.querySelectorAll('#nav-sections a')].map((a) => Math.round(a.getBoundingClientRect().top)));
      assert.equal(tops.length, SECTIONS.length);
      assert.equal(new Set(tops).size, 1, `at ${width} px the links sit at ${[...new Set(tops)]}`);
      assert.ok((await measure(page)).nav <= 48, `at ${width} px the nav is one row`);
      assert.equal(await page.locator('#nav-toggle').isVisible(), false, `at ${width} px no All sections button`);
    }
    await page.setViewportSize(LAPTOP);
    await page.locator('.main-nav').screenshot({ path: `${SCREENSHOTS}/layout-1280-nav-99plus.png` });
    await screenshot(page, 'layout-1280-many-requests');
  }));
