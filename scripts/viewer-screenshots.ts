// Writes the README's pictures of the itinerary viewer: the seed trip's page on a desktop screen
// (docs/viewer-trip.png, 1280×1200) and on a phone from its route on (docs/viewer-trip-phone.png, 390×844), from a fresh server on an
// in-memory database seeded with the article's trip, in Debian's headless chromium (playwright-core).
//
//   npm run viewer:screenshots
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [`${root}scripts/build-viewer.mjs`], { stdio: 'inherit' });

const app = await buildApp(
  loadConfig({}, { DATABASE_PATH: ':memory:', SEED_ON_START: 'true', LOG_LEVEL: 'silent', NODE_ENV: 'test' }),
  { logger: false },
);
const origin = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  for (const [file, viewport] of [
    ['docs/viewer-trip.png', { width: 1280, height: 1200 }],
    ['docs/viewer-trip-phone.png', { width: 390, height: 844 }],
  ] as const) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    await page.goto(`${origin}/view/trips/1`);
    // Wait for the map's outlines (their own chunk) and for the live connection's first state to settle.
    await page.locator('.map-country').nth(100).waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    // On a phone the map comes after the trip's summary: the picture starts at the route.
    if (viewport.width < 600)
      await page.locator('#route-heading').evaluate((heading) => heading.scrollIntoView());
    await page.screenshot({ path: `${root}${file}` });
    await page.close();
    console.log(`wrote ${file}`);
  }
} finally {
  await browser.close();
  await app.close();
}
