import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers.js';

// The itinerary viewer in a real browser: Debian's chromium driven by playwright-core (no browser is downloaded),
// against the real server (the app of buildTestApp, listening on a loopback port) serving the viewer that the
// suite's global setup built. CI installs chromium, and there a missing chromium fails these tests instead of
// skipping them.

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
const run = present || required;

let browser: Browser | undefined;
/** The pages of the running test, closed before its app (helpers.ts closes apps after each test). */
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!present) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
});

type Opened = TestApp & { page: Page; origin: string; problems: string[] };

/**
 * A fresh app (seeded) listening on 127.0.0.1, and a new browser page on it with the given viewport. `problems`
 * gathers what should never happen: script errors, Content-Security-Policy refusals and failed requests.
 */
async function open(viewport = { width: 1280, height: 900 }): Promise<Opened> {
  expect(present, `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`).toBe(true);
  const test = await buildTestApp();
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  const address = test.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  const context = await (browser as Browser).newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // A request the page dropped itself (a search overtaken by the next keystroke, the stream at the end) is no fault.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${request.url()}`);
  });
  return { ...test, page, origin: `http://127.0.0.1:${address.port}`, problems };
}

/** Opens the list (`/`) or a trip's page and waits until it shows its trips or its stops. */
async function visit(page: Page, origin: string, path: '/' | `/view/trips/${number}`): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page
    .locator(path === '/' ? 'a.trip-link' : '[data-testid="stop"]')
    .first()
    .waitFor();
}

/** Suva (Fiji) and Apia (Samoa), on either side of the antimeridian: 178.44 and -171.76 degrees of longitude. */
const SUVA = {
  city: 'Suva',
  country: 'FJ',
  timeZone: 'Pacific/Fiji',
  latitude: -18.14,
  longitude: 178.44,
  date: '2019-05-01',
};
const APIA = {
  city: 'Apia',
  country: 'WS',
  timeZone: 'Pacific/Apia',
  latitude: -13.83,
  longitude: -171.76,
  date: '2019-05-02',
};

/** Creates a trip with the given stops through the API (the test's admin key) and answers its id. */
async function createTrip(
  api: TestApp['api'],
  title: string,
  stops: {
    city: string;
    country: string;
    timeZone: string;
    latitude: number;
    longitude: number;
    date: string;
  }[],
): Promise<number> {
  const trip = await api
    .post('/trips')
    .send({ title, travelerId: 1, startDate: stops[0]?.date, endDate: stops.at(-1)?.date })
    .expect(201);
  for (const { date, ...stop } of stops) {
    await api
      .post(`/trips/${trip.body.id}/stops`)
      .send({ ...stop, arrivalDate: date, departureDate: date })
      .expect(201);
  }
  return trip.body.id as number;
}

describe('the itinerary viewer in headless Chromium', { timeout: 60_000 }, () => {
  it.runIf(run)(
    'opens the seed trip at its own address: six located stops on the map, Texas listed as unlocated',
    async () => {
      const { page, origin, problems } = await open();
      const response = await page.goto(`${origin}/view/trips/1`);
      expect(response?.status()).toBe(200);
      await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Tillerson' }).waitFor();

      expect(await page.locator('[data-testid="stop"][data-located="true"]').count()).toBe(6);
      const unlocated = page.locator('[data-testid="stop"][data-located="false"]');
      expect(await unlocated.count()).toBe(1);
      expect(await unlocated.locator('.stop-city').textContent()).toBe('Texas');
      expect(await page.getByTestId('unlocated').textContent()).toContain('Texas');
      // On the map: six markers, none for Texas, and the route through them.
      const markers = page.locator('[data-testid="route-map"] .map-stop');
      expect(await markers.count()).toBe(6);
      expect(await markers.locator('.map-stop-label').allTextContents()).not.toContain('Texas');
      expect(await page.getByTestId('route-line').getAttribute('d')).toMatch(/^M/);
      // Country outlines are drawn (world-atlas has 177 at 1:110m).
      await page.locator('.map-country').nth(100).waitFor({ state: 'attached' });

      // The timeline keeps the data's honesty: the Macri meeting is a "morning", undated meetings stand apart.
      const macri = page.locator('[data-testid="day"][data-date="2018-02-05"] [data-testid="meeting"]', {
        hasText: 'Mauricio Macri',
      });
      expect(await macri.locator('.part-of-day').textContent()).toBe('morning');
      const undated = page.getByTestId('undated-meetings');
      expect(await undated.textContent()).toContain('Speech on regional priorities');
      // Sources and their quotes are one click away.
      const sources = macri.locator('details.sources');
      expect(await sources.locator('blockquote').first().isVisible()).toBe(false);
      await sources.locator('summary').click();
      expect(await sources.locator('blockquote').first().textContent()).toContain('Monday morning');

      // The links of the trip: its calendar (webcal), its stops as CSV and its route as GeoJSON.
      expect(await page.getByTestId('subscribe').getAttribute('href')).toBe(
        `webcal://127.0.0.1:${new URL(origin).port}/trips/1/calendar.ics`,
      );
      const csv = await page.request.get(
        `${origin}${await page.getByRole('link', { name: 'Stops as CSV' }).getAttribute('href')}`,
      );
      expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
      const geojson = await page.request.get(
        `${origin}${await page.getByRole('link', { name: 'Route as GeoJSON' }).getAttribute('href')}`,
      );
      expect(geojson.headers()['content-type']).toMatch(/^application\/geo\+json/);
      expect(problems).toEqual([]);
    },
  );

  it.runIf(run)('finds Peña Nieto as you type “pena”, and reaches a trip by a plain link', async () => {
    const { page, origin, problems } = await open();
    await page.goto(`${origin}/`);
    const link = page.locator('a.trip-link', { hasText: 'Tillerson' });
    expect(await link.getAttribute('href')).toBe('/view/trips/1');

    await page
      .getByLabel('Search trips, places, meetings and people')
      .pressSequentially('pena', { delay: 30 });
    const results = page.getByTestId('search-results');
    await results.getByText('Enrique Peña Nieto', { exact: true }).waitFor({ timeout: 10_000 });
    // The match is marked in the snippet, as text (the snippet's HTML is not inserted as HTML).
    expect(await results.locator('mark').first().textContent()).toBe('Peña');
    const meeting = results.getByRole('link', { name: /Meeting with President Enrique Peña Nieto/ });
    expect(await meeting.getAttribute('href')).toBe('/view/trips/1');
    // The query is in the address, so the list can be shared as it is.
    expect(new URL(page.url()).searchParams.get('q')).toBe('pena');

    await Promise.all([page.waitForURL(`${origin}/view/trips/1`), link.click()]);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Tillerson' }).waitFor();
    expect(problems).toEqual([]);
  });

  it.runIf(run)('filters the trips by traveler, country and years', async () => {
    const { page, origin, api } = await open();
    await createTrip(api, 'Suva to Apia', [SUVA]);
    const other = (await api.post('/participants').send({ name: 'Olga Other' }).expect(201)).body;
    await api
      .post('/trips')
      .send({
        title: 'Another traveler',
        travelerId: other.id,
        startDate: '2019-01-01',
        endDate: '2019-01-02',
      })
      .expect(201);
    await page.goto(`${origin}/`);
    const titles = page.locator('a.trip-link');
    await titles.nth(2).waitFor();
    expect(await titles.count()).toBe(3);
    // The travelers' options come from the traveler facet of /trips, with their numbers of trips.
    const traveler = page.getByLabel('Traveler');
    await expect
      .poll(() => traveler.locator('option').allTextContents(), { timeout: 10_000 })
      .toEqual(['Anyone', 'Olga Other (1)', 'Rex Tillerson (2)']);
    await traveler.selectOption({ label: 'Olga Other (1)' });
    await expect.poll(() => titles.allTextContents(), { timeout: 10_000 }).toEqual(['Another traveler']);
    await traveler.selectOption('');
    await expect.poll(() => titles.count(), { timeout: 10_000 }).toBe(3);
    // The country's options come from /countries: selectOption waits for FJ to be there.
    await page.getByLabel('Country').selectOption('FJ');
    await expect.poll(() => titles.allTextContents(), { timeout: 10_000 }).toEqual(['Suva to Apia']);
    expect(new URL(page.url()).searchParams.get('country')).toBe('FJ');
    await page.getByLabel('Country').selectOption('');
    await expect.poll(() => titles.count(), { timeout: 10_000 }).toBe(3);
    await page.getByLabel('To year').fill('2018');
    await page.getByLabel('To year').blur();
    await expect
      .poll(() => titles.allTextContents(), { timeout: 10_000 })
      .toEqual(["Secretary Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica"]);
  });

  it.runIf(run)(
    'draws Suva → Apia as a short arc across the antimeridian, not a line across the map',
    async () => {
      const { page, origin, api } = await open();
      const id = await createTrip(api, 'Suva to Apia', [SUVA, APIA]);
      await page.goto(`${origin}/view/trips/${id}`);
      const route = page.getByTestId('route-line');
      await route.waitFor();
      const box = await route.evaluate((element) => {
        const path = element as unknown as SVGPathElement;
        const { x, y, width, height } = path.getBBox();
        const map = (path.ownerSVGElement as SVGSVGElement).viewBox.baseVal;
        return { x, y, width, height, mapWidth: map.width, mapHeight: map.height };
      });
      // About 10° of longitude on a map of at least 50°: a fifth of the width. A route drawn the long way round, or
      // cut at the map's edges, spans nearly all of it.
      expect(box.width).toBeGreaterThan(0);
      expect(box.width).toBeLessThan(box.mapWidth * 0.3);
      expect(box.x).toBeGreaterThan(0);
      expect(box.x + box.width).toBeLessThan(box.mapWidth);
      // One piece: a single moveto, not two halves at opposite edges.
      expect((await route.getAttribute('d'))?.match(/M/g)).toHaveLength(1);
    },
  );

  it.runIf(run)('shows a meeting created through the API without a reload (the change stream)', async () => {
    const { page, origin, api } = await open();
    await page.goto(`${origin}/view/trips/1`);
    await page.locator('[data-testid="live-status"][data-status="live"]').waitFor({ timeout: 10_000 });
    const marker = await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
      return document.querySelectorAll('[data-testid="meeting"]').length;
    });
    await api
      .post('/stops/4/meetings')
      .send({ kind: 'press', title: 'Joint press conference', date: '2018-02-04', startTime: '18:30' })
      .expect(201);
    const created = page.locator('[data-testid="day"][data-date="2018-02-04"] [data-testid="meeting"]', {
      hasText: 'Joint press conference',
    });
    await created.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await page.locator('[data-testid="meeting"]').count()).toBe(marker + 1);
    // Its clock time is local to Buenos Aires, with the UTC instant on hover.
    const time = created.locator('time');
    expect(await time.textContent()).toBe('18:30');
    expect(await time.getAttribute('datetime')).toBe('2018-02-04T21:30:00Z');
    expect(await time.getAttribute('title')).toBe('2018-02-04 21:30 UTC');
  });

  it.runIf(run)(
    'is usable from the keyboard: Tab reaches the trip link, Enter opens it, sources and UTC instants open',
    async () => {
      const { page, origin, api } = await open();
      await api
        .post('/stops/4/meetings')
        .send({ kind: 'press', title: 'Joint press conference', date: '2018-02-04', startTime: '18:30' })
        .expect(201);
      await page.goto(`${origin}/`);
      await page.locator('a.trip-link').waitFor();
      let reached = false;
      for (let i = 0; i < 15 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.classList.contains('trip-link') ?? false);
      }
      expect(reached).toBe(true);
      await Promise.all([page.waitForURL(`${origin}/view/trips/1`), page.keyboard.press('Enter')]);
      // On the trip page, a source list opens from the keyboard too.
      await page.locator('details.sources summary').first().focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details.sources').first().getAttribute('open')).toBe('');
      // The UTC instants, on hover for a mouse, are shown at once by a checkbox: 18:30 in Buenos Aires is 21:30 UTC.
      const utc = page
        .locator('[data-testid="meeting"]', { hasText: 'Joint press conference' })
        .locator('.when');
      expect(await utc.locator('.visually-hidden').textContent()).toBe(' (2018-02-04 21:30 UTC)');
      expect(await utc.locator('.utc').count()).toBe(0);
      await page.getByLabel('Show the UTC instants').focus();
      await page.keyboard.press('Space');
      expect(await utc.locator('.utc').textContent()).toBe(' (2018-02-04 21:30 UTC)');
      expect(await utc.locator('.utc').isVisible()).toBe(true);
    },
  );

  it.runIf(run)('fits a phone-sized screen (390×844) without horizontal scrolling', async () => {
    const { page, origin } = await open({ width: 390, height: 844 });
    for (const path of ['/', '/view/trips/1'] as const) {
      await visit(page, origin, path);
      const overflow = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(overflow.scroll, path).toBeLessThanOrEqual(overflow.client);
    }
    // Search results, whose snippets are long runs of text, wrap too.
    await visit(page, origin, '/');
    await page.getByLabel('Search trips, places, meetings and people').fill('tillerson');
    await page.getByTestId('search-results').locator('li').nth(3).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it.runIf(run)(
    'passes an accessibility sanity check: labels, headings, names, and contrast of the palette',
    async () => {
      const { page, origin } = await open();
      for (const path of ['/', '/view/trips/1'] as const) {
        await visit(page, origin, path);
        const report = await page.evaluate(() => {
          const unlabeled = [...document.querySelectorAll('input, select, textarea')]
            .filter(
              (field) =>
                (field as HTMLInputElement).labels?.length === 0 && !field.getAttribute('aria-label'),
            )
            .map((field) => field.outerHTML);
          const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) =>
            Number(h.tagName[1]),
          );
          const skipped = levels.filter((level, i) => i > 0 && level > (levels[i - 1] as number) + 1);
          const unnamedLinks = [...document.querySelectorAll('a')]
            .filter((a) => !(a.textContent ?? '').trim() && !a.getAttribute('aria-label'))
            .map((a) => a.outerHTML);
          const unnamedImages = [...document.querySelectorAll('[role="img"]')]
            .filter((image) => !image.getAttribute('aria-label') && !image.getAttribute('aria-labelledby'))
            .map((image) => image.tagName);
          return {
            lang: document.documentElement.lang,
            title: document.title,
            h1: levels.filter((level) => level === 1).length,
            unlabeled,
            skipped,
            unnamedLinks,
            unnamedImages,
            main: document.querySelectorAll('main').length,
          };
        });
        expect(report, path).toMatchObject({ lang: 'en', h1: 1, main: 1 });
        expect(report.title, path).not.toBe('');
        expect(report.unlabeled, path).toEqual([]);
        expect(report.skipped, path).toEqual([]);
        expect(report.unnamedLinks, path).toEqual([]);
        expect(report.unnamedImages, path).toEqual([]);
      }

      // WCAG 2.2 contrast (relative luminance) of each text colour on the backgrounds it is used on, from the
      // palette's CSS variables as the browser computed them.
      const palette = await page.evaluate(() => {
        // Each variable as the browser resolves it, read back as rgb(r, g, b) from a probe element.
        const probe = document.body.appendChild(document.createElement('span'));
        const names = ['text', 'muted', 'background', 'surface', 'accent', 'accent-text', 'route', 'mark'];
        const colors = names.map((name) => {
          probe.style.color = `var(--${name})`;
          return [name, getComputedStyle(probe).color];
        });
        probe.remove();
        return Object.fromEntries(colors) as Record<string, string>;
      });
      const luminance = (rgb: string) => {
        const [r, g, b] = (rgb.match(/\d+/g) ?? []).map((channel) => {
          const c = Number(channel) / 255;
          return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * (r as number) + 0.7152 * (g as number) + 0.0722 * (b as number);
      };
      const contrast = (a: string, b: string) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return ((hi as number) + 0.05) / ((lo as number) + 0.05);
      };
      const pairs: [string, string][] = [
        ['text', 'background'],
        ['text', 'surface'],
        ['text', 'mark'],
        ['muted', 'background'],
        ['muted', 'surface'],
        ['accent', 'background'],
        ['accent', 'surface'],
        ['accent-text', 'accent'],
        ['background', 'route'],
      ];
      for (const [fg, bg] of pairs) {
        for (const name of [fg, bg]) expect(palette[name], name).toMatch(/^rgb\(\d+, \d+, \d+\)$/);
        expect(
          contrast(palette[fg] as string, palette[bg] as string),
          `${fg} on ${bg}`,
        ).toBeGreaterThanOrEqual(4.5);
      }
    },
  );
});
