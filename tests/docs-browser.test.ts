import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers.js';

// /docs in a real browser, reached over plain HTTP by a host name other than localhost (as in the Docker image):
// a Content-Security-Policy with upgrade-insecure-requests would turn its scripts into https fetches that fail,
// leaving the page blank. Debian's chromium is used (no browser is downloaded); CI installs it, and there a
// missing chromium fails the test instead of skipping it.

const CHROMIUM = '/usr/bin/chromium';
const HOST = 'itinerary.test';
const present = existsSync(CHROMIUM);
const required = process.env.CI === 'true';

describe('/docs in headless Chromium', () => {
  it.runIf(present || required)(
    `renders Swagger UI's operations over plain HTTP at http://${HOST}`,
    { timeout: 60_000 },
    async () => {
      expect(present, `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`).toBe(
        true,
      );
      const { app } = await buildTestApp();
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on TCP');

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
        ],
      });
      try {
        const page = await browser.newPage();
        const failed: string[] = [];
        page.on('requestfailed', (request) => failed.push(request.url()));
        const response = await page.goto(`http://${HOST}:${address.port}/docs`);
        expect(response?.status()).toBe(200);
        // Swagger UI renders one block per operation once it has loaded its scripts and the document.
        await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
        const operations = await page.locator('.opblock-summary-path').allTextContents();
        expect(operations).toContain('/trips/{id}');
        expect(operations.length).toBeGreaterThan(30);
        expect(await page.locator('.info .title').first().textContent()).toContain(
          'Diplomatic Itinerary API',
        );
        expect(page.url()).toMatch(new RegExp(`^http://${HOST.replace('.', '\\.')}:`));
        // Every asset loaded over http from the same host: none was upgraded to an https fetch that fails.
        expect(failed).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
