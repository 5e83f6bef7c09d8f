// End-to-end tests of the lessons, done as a learner does them: open a lesson, load each step's
// request with its button, change it where the step asks for a change, run it (again and again
// where the step says so, in the region the step names), move the clock where a step says so, then
// click "Check my work" and see every check pass. Plus a wrong attempt that fails a check with its
// hint, progress that survives a reload, and the global tables lesson's replication seen step by step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPlayground, screenshot, playgroundPerTest } from './support.mjs';

const LESSONS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'lessons');

/** Every lesson file, read as the test's script of what to do. */
async function lessonFiles() {
  const names = (await readdir(LESSONS)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(LESSONS, n), 'utf8'))));
}
const lessons = await lessonFiles();

const ctx = playgroundPerTest('lessons-');

/** How many requests the playground has logged (the Code link's count). */
async function logged(page) {
  const count = page.locator('#nav-code .count');
  return (await count.count()) === 0 ? 0 : Number(await count.textContent());
}

async function openLesson(page, id) {
  await page.goto(ctx.site.url + '#/lessons/' + id);
  await page.locator('#lesson-heading').waitFor();
}

/** Clicks Run and waits until the request is logged; the answer's exception name, or null. */
async function run(page) {
  const before = await logged(page);
  await page.click('#run');
  await page.waitForFunction(
    (n) => Number(document.querySelector('#nav-code .count')?.textContent ?? 0) > n,
    before,
  );
  const exception = page.locator('#response .exception');
  return (await exception.count()) === 0 ? null : (await exception.textContent()).trim();
}

/** Clicks a step's clock button and waits until the page says the sandbox clock moved. */
async function moveClock(page, lesson, i) {
  const millis = lesson.steps[i].advance_clock_millis;
  const before = await page.evaluate(() => window.dynaplay.now());
  await page.click(`#clock-step-${i}`);
  await page.locator('#lesson-notice', { hasText: 'The sandbox clock moved' }).waitFor();
  const after = await page.evaluate(() => window.dynaplay.now());
  assert.ok(after - before >= millis, `${lesson.id} step ${i}: the clock moved ${after - before} ms, not ${millis}`);
}

/** Does one step: its clock move, or its request (loaded in its region, changed where it asks, run as often as it says). */
async function doStep(page, lesson, i) {
  if (lesson.steps[i].advance_clock_millis) {
    await moveClock(page, lesson, i);
    return;
  }
  const request = lesson.steps[i].request;
  await page.click(`#load-step-${i}`);
  await page.locator('#lesson-operation').evaluate((el, op) => {
    if (el.value !== op) throw new Error(`loaded ${el.value}, not ${op}`);
  }, request.operation);
  // The step's region is picked in the console's region selector (the home region otherwise).
  assert.equal(await page.inputValue('#region-lesson'), request.region ?? 'us-east-1', `${lesson.id} step ${i}: region`);
  if (request.fill) {
    // Copied values come from the previous answer; the notice would say if one was missing.
    assert.equal(await page.locator('#lesson-notice').count(), 0, `${lesson.id} step ${i}: a value was not copied`);
  }
  if (request.solution) {
    // The change the step asks for, typed into the editor.
    await page.fill('#request', JSON.stringify(request.solution, null, 2));
  }
  const runs = request.max_runs ?? 1;
  let error = null;
  for (let n = 0; n < runs; n++) {
    error = await run(page);
    if (request.repeat_until && error === request.repeat_until) break;
  }
  const expected = request.repeat_until ?? request.expect_error ?? null;
  const answer = error === null ? null : await page.textContent('#response');
  assert.equal(error, expected, `${lesson.id} step ${i} (${request.operation}): ${answer}`);
}

/** Clicks "Check my work"; each check's state, in order. */
async function check(page) {
  await page.click('#check-work');
  await page.locator('#check-summary').waitFor();
  return page.locator('#check-results li').evaluateAll((items) => items.map((li) => li.dataset.state));
}

for (const lesson of lessons) {
  test(`lesson ${lesson.id}: do every step, every check passes`, async () => {
    const { page } = ctx.session;
    await openLesson(page, lesson.id);
    assert.equal(await page.textContent('#lesson-heading'), lesson.title);
    for (let i = 0; i < lesson.steps.length; i++) {
      if (lesson.steps[i].request || lesson.steps[i].advance_clock_millis) await doStep(page, lesson, i);
    }
    const states = await check(page);
    const failing = await page.locator('#check-results li.failed').allTextContents();
    assert.deepEqual(states, lesson.checks.map(() => 'passed'), failing.join('\n'));
    assert.match(await page.textContent('#check-summary'), /lesson done/);
  });
}

// Skipping the change a step asks for fails exactly that check, with its hint; the record of
// passed checks is kept across a reload; and once the change is made, the lesson is done, on its
// page and in the list.
test('a wrong attempt fails with its hint, and progress survives a reload', async () => {
  const { page } = ctx.session;
  const lesson = lessons.find((l) => l.id === 'tables-and-types');
  await openLesson(page, lesson.id);
  const edited = lesson.steps.findIndex((s) => s.request?.solution);
  for (let i = 0; i < lesson.steps.length; i++) {
    if (!lesson.steps[i].request) continue;
    if (i === edited) {
      // The learner runs the request as loaded, without the change.
      await page.click(`#load-step-${i}`);
      assert.equal(await run(page), null);
    } else {
      await doStep(page, lesson, i);
    }
  }
  const states = await check(page);
  const failed = states.flatMap((s, i) => (s === 'failed' ? [i] : []));
  assert.equal(failed.length, 1);
  const item = page.locator('#check-results li').nth(failed[0]);
  assert.match(await item.locator('.check-hint').textContent(), /My Dog Spot/);
  assert.match(await page.textContent('#check-summary'), new RegExp(`${states.length - 1} of ${states.length} checks pass`));

  await page.reload();
  await page.locator('#lesson-heading').waitFor();
  const kept = await page.locator('#check-results li').evaluateAll((items) => items.map((li) => li.dataset.state));
  assert.deepEqual(kept, states);
  await page.click('#nav-lessons');
  await page.locator('#lessons-heading').waitFor();
  assert.equal(await page.textContent(`#lesson-status-${lesson.id}`), `${states.length - 1} of ${states.length} checks`);

  // Now the lesson again, done right, from the start: Start over deletes its tables, whether the
  // reload kept them (a persisted sandbox) or not (an engine in memory).
  await page.click(`#lesson-link-${lesson.id}`);
  await page.locator('#lesson-heading').waitFor();
  await page.click('#reset-lesson');
  await page.locator('#lesson-notice', { hasText: 'Deleted Music' }).waitFor();
  for (let i = 0; i < lesson.steps.length; i++) {
    if (lesson.steps[i].request) await doStep(page, lesson, i);
  }
  assert.deepEqual(await check(page), lesson.checks.map(() => 'passed'));
  await page.reload();
  await page.locator('#lesson-done').waitFor();
  await page.click('#nav-lessons');
  assert.equal(await page.textContent(`#lesson-status-${lesson.id}`), 'Done');

  // "Next lesson" opens the next one with its own, fresh console and no results of this one.
  await page.click(`#lesson-link-${lesson.id}`);
  await page.locator('#lesson-done').waitFor();
  await page.click('#next-lesson');
  const next = lessons.find((l) => l.id === 'primary-keys');
  await page.locator('#lesson-heading', { hasText: next.title }).waitFor();
  assert.equal(await page.locator('#check-summary').count(), 0);
  assert.equal(await page.inputValue('#request'), '');
  assert.equal(await page.locator('#check-results li[data-state=unchecked]').count(), next.checks.length);
});

// A value a step copies from the answer before it cannot be copied when that step was not run:
// the request keeps its placeholder and the page says what to do.
test('a step that copies from the previous answer says when there is nothing to copy', async () => {
  const { page } = ctx.session;
  await openLesson(page, 'streams');
  const lesson = lessons.find((l) => l.id === 'streams');
  const i = lesson.steps.findIndex((s) => s.request?.operation === 'Streams.GetRecords');
  await page.click(`#load-step-${i}`);
  assert.match(await page.textContent('#lesson-notice'), /run that step first/);
});

// At phone width a lesson is one column, steps first, then the console, with nothing wider than
// the screen, even with a long answer in it.
test('phone width: a lesson fits the screen', async () => {
  const phone = await openPlayground(ctx.site.url, { width: 390, height: 844 });
  try {
    const { page } = phone;
    await openLesson(page, 'capacity-modes');
    await page.click('#load-step-0');
    await run(page);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
    }));
    assert.ok(widths.page <= widths.screen, `page is ${widths.page}px wide on a ${widths.screen}px screen`);
    const steps = await page.locator('.lesson-steps').boundingBox();
    const console = await page.locator('.lesson-console').boundingBox();
    assert.ok(console.y >= steps.y + steps.height, 'the console sits below the steps');
    await screenshot(page, 'lessons-phone-width');
    assert.deepEqual(phone.problems, [], 'the page logged errors');
  } finally {
    await phone.close();
  }
});

// A learner who ran a step too often (the stock decrement twice) fails the exact-state check;
// "Start over" deletes the lesson's tables, and doing the steps again passes.
test('start over after a mistake', async () => {
  const { page } = ctx.session;
  const lesson = lessons.find((l) => l.id === 'writing-items');
  await openLesson(page, lesson.id);
  const decrement = lesson.steps.findIndex((s) => s.request?.body?.ReturnValues === 'UPDATED_NEW');
  for (let i = 0; i < lesson.steps.length; i++) {
    if (!lesson.steps[i].request) continue;
    await doStep(page, lesson, i);
    if (i === decrement) await run(page);
  }
  const states = await check(page);
  assert.ok(states.includes('failed'));
  assert.match(await page.textContent('#check-results li.failed .check-hint'), /Start over/);
  await page.click('#reset-lesson');
  await page.locator('#lesson-notice', { hasText: 'Deleted Inventory' }).waitFor();
  for (let i = 0; i < lesson.steps.length; i++) {
    if (lesson.steps[i].request) await doStep(page, lesson, i);
  }
  assert.deepEqual(await check(page), lesson.checks.map(() => 'passed'));
});

// The global tables lesson as a learner sees it: the step that reads in eu-west-1 before the clock
// moves gets no Item (the write is still on its way), after the move it gets Lisbon; the Code page
// names the region of each request sent there; Start over removes the replica, then the table.
test('global tables: a write reaches the other region only after the clock moves', async () => {
  const { page } = ctx.session;
  const lesson = lessons.find((l) => l.id === 'global-tables');
  await openLesson(page, lesson.id);
  const reads = lesson.steps.flatMap((s, i) => (s.request?.operation === 'GetItem' && s.request.region ? [i] : []));
  const answers = {};
  for (let i = 0; i < lesson.steps.length; i++) {
    if (!lesson.steps[i].request && !lesson.steps[i].advance_clock_millis) continue;
    await doStep(page, lesson, i);
    if (reads.includes(i)) answers[i] = JSON.parse(await page.textContent('#response pre'));
  }
  assert.equal(answers[reads[0]].Item, undefined, 'read before the clock moved');
  assert.deepEqual(answers[reads[1]].Item, { UserId: { S: 'ana' }, City: { S: 'Lisbon' } });
  // The selector lists the home region and the replica's, labelled a simulation.
  const options = await page.locator('#region-lesson option').allTextContents();
  assert.deepEqual(options, ['us-east-1 (home)', 'eu-west-1 (replica)']);
  assert.match(await page.textContent('label[for=region-lesson]'), /simulation/);
  assert.deepEqual(await check(page), lesson.checks.map(() => 'passed'));

  await page.click('#nav-code');
  await page.locator('#request-log').waitFor();
  const regional = page.locator('#request-log li', { hasText: 'in eu-west-1 (simulated region)' });
  assert.equal(await regional.count(), 4, 'DescribeTable, two GetItems and a PutItem went to eu-west-1');
  assert.match(await regional.first().textContent(), /--region eu-west-1/);

  await openLesson(page, lesson.id);
  await page.click('#reset-lesson');
  await page.locator('#lesson-notice', { hasText: 'Deleted Profiles' }).waitFor();
  const tables = await page.evaluate(() => window.dynaplay.send('ListTables', {}));
  assert.ok(!tables.TableNames.includes('Profiles'), JSON.stringify(tables));
  // Every check that reads the sandbox fails again (the old conflict no longer counts); the
  // requests made are still in the log.
  const again = await check(page);
  const sandboxChecks = again.filter((_, i) => lesson.checks[i].check !== 'request_made');
  assert.deepEqual(sandboxChecks, sandboxChecks.map(() => 'failed'));
});
