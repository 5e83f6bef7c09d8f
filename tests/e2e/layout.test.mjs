// The Console at phone width: one column, nothing wider than the screen, the controls still usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, openPlayground, screenshot } from './support.mjs';

test('phone width: one column without horizontal scrolling', async () => {
  const site = await serveDist();
  const session = await openPlayground(site.url, { width: 390, height: 844 });
  try {
    const { page } = session;
    await page.fill('#request', '{');
    await page.click('#run');
    await page.locator('#response [role=alert]').waitFor();
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
    }));
    assert.ok(widths.page <= widths.screen, `page is ${widths.page}px wide on a ${widths.screen}px screen`);
    const request = await page.locator('.request-panel').boundingBox();
    const response = await page.locator('.response-panel').boundingBox();
    assert.ok(response.y >= request.y + request.height, 'the response sits below the request');
    await screenshot(page, 'phone-width');
    assert.deepEqual(session.problems, [], 'the page logged errors');
  } finally {
    await session.close();
    await site.close();
  }
});
