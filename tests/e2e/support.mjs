// Shared set-up for the e2e tests: serves dist/ (Trunk's output) on a free local port and opens the
// page in Debian's Chromium with a fresh profile, failing on any page error or console error.
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/** Serves dist/ on 127.0.0.1; resolves with `{ url, close }`. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(DIST, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Opens the playground in a fresh browser profile. `problems` collects page errors and console
 * errors; `close()` tears everything down. Waits until the console has rendered.
 */
export async function openPlayground(url, viewport = { width: 1280, height: 900 }) {
  const profile = await mkdtemp(join(tmpdir(), 'dynaplay-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  await page.locator('#request').waitFor();
  await page.waitForFunction(() => typeof window.dynaplay?.dispatch === 'function');
  return {
    page,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Picks an operation, which loads its example into the editor. */
export async function pick(page, operation) {
  await page.selectOption('#operation', operation);
  await page.locator('#run').filter({ hasText: operation }).waitFor();
}

/**
 * The hooks a playground test file shares: one server for the file, a fresh page for each test, a
 * screenshot named `prefix` + the test's name after it, and a failure when the page logged errors.
 * Returns `{ site, session }`, filled in as the hooks run.
 */
export function playgroundPerTest(prefix) {
  const ctx = { site: null, session: null };
  before(async () => {
    ctx.site = await serveDist();
  });
  after(async () => {
    await ctx.site?.close();
  });
  beforeEach(async () => {
    ctx.session = await openPlayground(ctx.site.url);
  });
  afterEach(async (t) => {
    await screenshot(ctx.session.page, prefix + t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
    const problems = ctx.session.problems;
    await ctx.session.close();
    assert.deepEqual(problems, [], 'the page logged errors');
  });
  return ctx;
}

/** Sets a text box the way typing does (the forms read it on change). */
export async function type(page, selector, text) {
  await page.fill(selector, text);
  await page.locator(selector).dispatchEvent('change');
}
