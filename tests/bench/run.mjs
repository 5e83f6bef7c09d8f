// The driver of `cargo xtask bench-browser` (not part of `cargo xtask test`): serves dist/ (Trunk's
// playground plus dist/runtime), runs web/runtime/bench.js in headless Chromium with a real on-disk
// profile (so IndexedDB is on disk, as for a user), measures the playground's page load, and prints
// one table. The native calls/s come from xtask in NATIVE_CALLS (crates/engine/examples/calls.rs);
// BENCH_ITEMS sets the bulk load size (default 100,000); BENCH_ONLY picks parts.
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist } from '../e2e/support.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const NATIVE = JSON.parse(process.env.NATIVE_CALLS ?? 'null');
// BENCH_ONLY=calls,bulk,page runs only those parts (bulk includes the reopen); all by default.
const ONLY = process.env.BENCH_ONLY?.split(',');
const wanted = (part) => !ONLY || ONLY.includes(part);

async function browserWithFreshProfile() {
  const profile = await mkdtemp(join(tmpdir(), 'dynaplay-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  return { page, close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); } };
}

/** The playground's own files (not dist/runtime), raw and gzipped (-9) bytes by kind. */
async function downloadSizes() {
  const sizes = {};
  for (const name of await readdir(DIST)) {
    const kind = extname(name).slice(1);
    if (!['wasm', 'js', 'css', 'html'].includes(kind)) continue;
    const bytes = await readFile(join(DIST, name));
    sizes[kind] ??= { raw: 0, gzip: 0 };
    sizes[kind].raw += bytes.length;
    sizes[kind].gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return sizes;
}

/** Navigation start to the console's Run button being enabled, in a fresh profile (cold cache). */
async function timeToConsole(url) {
  const { page, close } = await browserWithFreshProfile();
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(() => {
    const run = document.querySelector('#run');
    return run && !run.disabled && performance.now();
  }, null, { polling: 'raf', timeout: 60_000 });
  const millis = await handle.jsonValue();
  await close();
  return millis;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const server = await serveDist();
const rows = [];
const row = (...cells) => rows.push(cells);
try {
  const { page, close } = await browserWithFreshProfile();
  try {
    await page.goto(`${server.url}runtime/bench.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');

    if (wanted('calls')) {
      const c = await page.evaluate(() => window.bench.calls());
      for (const [way, calls] of Object.entries(c)) {
        for (const k of Object.keys(calls)) if (calls[k].bad) console.error(`warning: ${way} ${k}: ${calls[k].bad} calls did not answer 200`);
      }
      // NATIVE_CALLS: {"profile": name, "put": N, "get": N}, built with the runtime wasm's profile.
      const vs = (wasm, native) => (native ? `${fmt(native)} | ${(wasm / native).toFixed(2)}` : '— | —');
      const ways = [
        ['sync', 'sync `MemoryEngine.dispatch` from JS', '≥ 0.5'],
        ['inWasm', 'loop inside wasm (`loopRate`)', '—'],
        ['sandbox', 'async memory sandbox `db.dispatch`', '—'],
      ];
      for (const [way, label, target] of ways) {
        for (const [op, name] of [['put', 'PutItem'], ['get', 'GetItem']]) {
          row(`${name} 1 KB, ${label}, vs native ${NATIVE?.profile ?? ''} (calls/s)`, fmt(c[way][op].rate), vs(c[way][op].rate, NATIVE?.[op]), target);
        }
      }
    }

    // Raw first, then the sandbox, each into its own database of the same on-disk profile.
    if (wanted('bulk')) {
      // The raw floor twice: with the durability hint the sandbox's transactions carry ("default",
      // the like-for-like comparison and the target's), and with "strict", for reference.
      const raw = await page.evaluate((n) => window.bench.bulkRaw('raw-bench', n, 'default'), ITEMS);
      const strict = await page.evaluate((n) => window.bench.bulkRaw('raw-bench-strict', n, 'strict'), ITEMS);
      const sandbox = await page.evaluate((n) => window.bench.bulkSandbox('sandbox-bench', n), ITEMS);
      // For reference: 400 BatchWriteItems in flight, as many items (10,000) as one raw transaction.
      // (This one's log is then compacted into rows with compactLog(), timed, and reopened below.)
      const wide = await page.evaluate((n) => window.bench.bulkSandbox('sandbox-bench-400', n, 400, true), ITEMS);
      const load = (r) => `${fmt(r.rate)}; ${r.seconds.toFixed(1)} s | ${(sandbox.rate / r.rate).toFixed(2)}`;
      const mine = `${fmt(sandbox.rate)}; ${sandbox.seconds.toFixed(1)} s`;
      row(`bulk load ${fmt(ITEMS)} items vs raw, same durability hint "default" (items/s; s)`, mine, load(raw), '≥ 0.7');
      row(`bulk load ${fmt(ITEMS)} items vs raw with "strict" (items/s; s)`, mine, load(strict), '—');
      row(`bulk load, 400 BatchWriteItems in flight, vs raw "default" (items/s; s)`, `${fmt(wide.rate)}; ${wide.seconds.toFixed(1)} s`,
        `${fmt(raw.rate)}; ${raw.seconds.toFixed(1)} s | ${(wide.rate / raw.rate).toFixed(2)}`, '—');
      row('then `compactLog()` of that load: its log into the rows (s)', wide.compactSeconds.toFixed(1), '— | —', '—');

      // Reopen in a freshly loaded page: the wasm module is compiled again, as on a user's reload.
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const reopenRaw = await page.evaluate(() => window.bench.reopenRaw('raw-bench'));
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const reopen = await page.evaluate(() => window.bench.reopenSandbox('sandbox-bench'));
      if (reopen.items !== ITEMS || reopenRaw.items !== ITEMS) {
        console.error(`warning: reopened ${reopen.items} sandbox items and ${reopenRaw.items} raw, not ${ITEMS}`);
      }
      row(`reopen ${fmt(reopen.items)} items (s)`, reopen.seconds.toFixed(2),
        `${reopenRaw.seconds.toFixed(2)} | ${(reopen.seconds / reopenRaw.seconds).toFixed(2)}×`, '≤ 2×');
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const reopenRows = await page.evaluate(() => window.bench.reopenSandbox('sandbox-bench-400'));
      row(`reopen ${fmt(reopenRows.items)} items after \`compactLog()\` (from the rows) (s)`, reopenRows.seconds.toFixed(2),
        `${reopenRaw.seconds.toFixed(2)} | ${(reopenRows.seconds / reopenRaw.seconds).toFixed(2)}×`, '—');
    }
  } finally {
    await close();
  }

  if (wanted('page')) {
    const sizes = await downloadSizes();
    const total = Object.values(sizes).reduce((t, s) => t + s.gzip, 0);
    const parts = Object.entries(sizes).map(([k, s]) => `${k} ${fmt(s.gzip / 1024)}`).join(', ');
    row('playground download, gzip -9 (KB)', `${fmt(total / 1024)} (${parts})`, '— | —', '—');
    const times = [];
    for (let i = 0; i < 3; i++) times.push(await timeToConsole(server.url));
    row('navigation start → Run enabled, cold cache, median of 3 (ms)', fmt(median(times)), `— | (${times.map(fmt).join(', ')})`, '—');
  }
} finally {
  await server.close();
}

console.log('\n| measure | browser (wasm) | native or raw IndexedDB | ratio | target |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
