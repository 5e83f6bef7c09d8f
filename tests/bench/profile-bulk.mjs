// A measuring tool, not part of `cargo xtask bench-browser`: one bulk load into a persisted sandbox
// and the raw IndexedDB put of the same items, in the same page (dist/runtime/bench.html, built by
// `cargo xtask runtime`), each optionally under Chromium's CDP sampling profiler. Prints where the
// page's main thread spent its time (self time by function; `(idle)` is waiting) and the two rates.
//   N=20000 CONC=64 PROF=1 node tests/bench/profile-bulk.mjs
// With PROF=1 the profiles are also written to $TMPDIR/<raw|sandbox>.cpuprofile (DevTools opens them).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveDist } from '../e2e/support.mjs';

const N = Number(process.env.N ?? 20000);
const CONC = Number(process.env.CONC ?? 64);
const server = await serveDist();
const profile = await mkdtemp(join(tmpdir(), 'dynaplay-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(`${server.url}runtime/bench.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const cdp = await context.newCDPSession(page);

  /** Runs `measure`, profiled when PROF is set, and prints the top self times. */
  async function profiled(label, measure) {
    if (!process.env.PROF) return measure();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const result = await measure();
    const { profile: p } = await cdp.send('Profiler.stop');
    await writeFile(join(tmpdir(), `${label}.cpuprofile`), JSON.stringify(p));
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    let total = 0;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i + 1] ?? 0;
      const f = nodes.get(id).callFrame;
      const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}`;
      self.set(name, (self.get(name) ?? 0) + dt);
      total += dt;
    });
    console.log(`${label}: ${(total / 1e6).toFixed(2)} s sampled`);
    for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      console.log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 120)}`);
    }
    return result;
  }

  const raw = await profiled('raw', () => page.evaluate((n) => window.bench.bulkRaw('raw-bench', n, 'default'), N));
  const sandbox = await profiled('sandbox', () => page.evaluate(([n, c]) => window.bench.bulkSandbox('sandbox-bench', n, c), [N, CONC]));
  console.log(JSON.stringify({ items: N, inFlight: CONC, raw, sandbox, ratio: sandbox.rate / raw.rate }));
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await server.close();
}
