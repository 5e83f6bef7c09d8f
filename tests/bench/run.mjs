// The browser part of `cargo xtask bench` (not part of `cargo xtask test`): serves dist/ (Trunk's
// playground plus dist/runtime), runs web/runtime/bench.js in headless Chromium with a real on-disk
// profile (so IndexedDB is on disk, as for a user), measures the playground's page load, and prints
// the figures as one JSON document (also written to the file BENCH_OUT names), which the xtask
// turns into tables and verdicts beside the native loop's figures. BENCH_ITEMS sets the bulk load
// size (default 100,000); BENCH_ONLY picks parts.
import { readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist } from '../e2e/support.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
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

const server = await serveDist();
// What `cargo xtask bench` reads (crates/xtask/src/bench/browser.rs): plain numbers, no verdicts.
const out = { items: ITEMS, warnings: [] };
const warn = (text) => { console.error(`warning: ${text}`); out.warnings.push(text); };
try {
  const { page, close } = await browserWithFreshProfile();
  try {
    await page.goto(`${server.url}runtime/bench.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');

    if (wanted('calls')) {
      // {sync, inWasm, sandbox} × {put, get}: {rate, bad}.
      out.calls = await page.evaluate(() => window.bench.calls());
      for (const [way, calls] of Object.entries(out.calls)) {
        for (const k of Object.keys(calls)) if (calls[k].bad) warn(`${way} ${k}: ${calls[k].bad} calls did not answer 200`);
      }
    }

    // Raw first, then the sandbox, each into its own database of the same on-disk profile.
    if (wanted('bulk')) {
      // The raw floor twice: with the durability hint the sandbox's transactions carry ("default",
      // the like-for-like comparison and the target's), and with "strict", for reference; then the
      // sandbox with 64 BatchWriteItems in flight, and with 400 (one raw transaction's worth of
      // items at 100,000), for reference. Each is {rate, seconds}. The 64-in-flight load stays in
      // the IndexedDB log, as a sandbox leaves it; the 400 one is then compacted into the rows with
      // compactLog() (its `compactSeconds`) and reopened from the rows below.
      out.bulk = {};
      out.bulk.raw = await page.evaluate((n) => window.bench.bulkRaw('raw-bench', n, 'default'), ITEMS);
      out.bulk.strict = await page.evaluate((n) => window.bench.bulkRaw('raw-bench-strict', n, 'strict'), ITEMS);
      out.bulk.sandbox = await page.evaluate((n) => window.bench.bulkSandbox('sandbox-bench', n), ITEMS);
      out.bulk.wide = await page.evaluate((n) => window.bench.bulkSandbox('sandbox-bench-400', n, 400, true), ITEMS);

      // Reopen in a freshly loaded page: the wasm module is compiled again, as on a user's reload.
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const raw = await page.evaluate(() => window.bench.reopenRaw('raw-bench'));
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const sandbox = await page.evaluate(() => window.bench.reopenSandbox('sandbox-bench'));
      if (sandbox.items !== ITEMS || raw.items !== ITEMS) {
        warn(`reopened ${sandbox.items} sandbox items and ${raw.items} raw, not ${ITEMS}`);
      }
      // The compacted 400 load, reopened from the rows.
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const compacted = await page.evaluate(() => window.bench.reopenSandbox('sandbox-bench-400'));
      out.reopen = { sandbox, raw, compacted }; // each {seconds, items}
    }
  } finally {
    await close();
  }

  if (wanted('page')) {
    const consoleMs = [];
    for (let i = 0; i < 3; i++) consoleMs.push(await timeToConsole(server.url));
    out.page = { sizes: await downloadSizes(), consoleMs };
  }
} finally {
  await server.close();
}

const text = JSON.stringify(out, null, 1);
if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, text);
console.log(text);
