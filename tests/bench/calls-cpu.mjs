// Engine calls in wasm vs native by CPU time, alternated in one window (not part of `cargo xtask
// test` or bench-browser's table): on a shared machine the wall-clock rates of bench-browser move
// 2-5x with the other processes, while CPU time per call moves far less. Each alternation runs
// the native loop (crates/engine/examples/calls_cpu.rs, thread CPU time) and then the same loop in
// the page through the synchronous `MemoryEngine.dispatch` (the renderer's main-thread CPU time,
// CDP `Performance.getMetrics` ThreadTime), ROUNDS rounds of 1,000 PutItem and 1,000 GetItem each.
//
// Needs dist/runtime (`cargo xtask runtime`) and the native example built with the runtime's
// profile: `cargo build --profile wasm-speed -p dynaplay-engine --example calls_cpu`. Then
// `node tests/bench/calls-cpu.mjs` (ALTERNATIONS, default 8; ROUNDS, default 5).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist } from '../e2e/support.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATIVE = join(ROOT, 'target', 'wasm-speed', 'examples', 'calls_cpu');
const ALTERNATIONS = Number(process.env.ALTERNATIONS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** The page's loop: the same table and request texts as calls_cpu.rs and bench.js. */
async function preparePage(page) {
  await page.evaluate(async () => {
    const m = await import('./dynaplay_wasm.js');
    await m.default();
    const pad = 'x'.repeat(1024 - 6 - 6 - 4);
    const key = (i) => ({ pk: { S: `p${String(Math.floor(i / 10)).padStart(3, '0')}` }, sk: { S: `s${String(i % 10).padStart(3, '0')}` } });
    const puts = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ TableName: 'bench', Item: { ...key(i), data: { S: pad } } }));
    const gets = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ TableName: 'bench', Key: key(i) }));
    const engine = new m.MemoryEngine(false);
    const create = { TableName: 'bench', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] };
    if (engine.dispatch('DynamoDB_20120810.CreateTable', JSON.stringify(create)).status !== 200) throw new Error('CreateTable failed');
    // Reads each answer's body as a caller would (its length), so a body made lazily could not
    // look free here.
    let read = 0;
    window.cpuRound = (op) => {
      const target = `DynamoDB_20120810.${op}`;
      for (const body of op === 'PutItem' ? puts : gets) {
        const answer = engine.dispatch(target, body);
        if (answer.status !== 200) throw new Error(`${op} did not answer 200`);
        read += answer.body.length;
      }
      return read;
    };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serveDist();
const profile = await mkdtemp(join(tmpdir(), 'dynaplay-calls-cpu-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(`${server.url}runtime/bench.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await preparePage(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
  /** Median CPU ns per call over ROUNDS rounds of 1,000 calls in the page. */
  const pageRounds = async (op) => {
    const perCall = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = await threadSeconds();
      await page.evaluate((op) => window.cpuRound(op), op);
      perCall.push(((await threadSeconds()) - before) * 1e9 / 1000);
    }
    return median(perCall);
  };
  for (let w = 0; w < 10; w++) { await pageRounds('PutItem'); await pageRounds('GetItem'); }

  console.log('| alternation | native PutItem (CPU ns/call) | wasm PutItem | ratio | native GetItem | wasm GetItem | ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const ratios = { put: [], get: [] };
  for (let a = 1; a <= ALTERNATIONS; a++) {
    const native = JSON.parse(execFileSync(NATIVE, { env: { ...process.env, ROUNDS: String(ROUNDS) } }).toString());
    const wasm = { put: await pageRounds('PutItem'), get: await pageRounds('GetItem') };
    const ratio = (op) => native[op].median / wasm[op];
    ratios.put.push(ratio('put'));
    ratios.get.push(ratio('get'));
    const cell = (n) => Math.round(n).toLocaleString('en-US');
    console.log(`| ${a} | ${cell(native.put.median)} | ${cell(wasm.put)} | ${ratio('put').toFixed(2)} | ${cell(native.get.median)} | ${cell(wasm.get)} | ${ratio('get').toFixed(2)} |`);
  }
  console.log(`\nwasm rate ÷ native rate per CPU-second (median of ${ALTERNATIONS} alternations): PutItem ${median(ratios.put).toFixed(2)}, GetItem ${median(ratios.get).toFixed(2)} (target ≥ 0.5)`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await server.close();
}
