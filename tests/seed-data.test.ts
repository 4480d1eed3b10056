// Data-level checks of the Tillerson 2018 seed against its sources: every quote must be verbatim in the article
// (outside its photo captions) or in the cited Office of the Historian record, and the itinerary must be
// internally consistent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { SeedSource } from '../seeds/seed-types.js';
import { articleSource, historianSource, tillersonSeed } from '../seeds/tillerson-2018.js';

// The source texts are not part of the repository (the article is a news site's text; the Historian's files are
// fetched by users). They sit in `shared/` beside the checkout, or where ITINERARY_SOURCES_DIR says. CI always has
// them and must check every quote; a clone without them skips only the quote checks, and says why.
const sourcesDir =
  process.env.ITINERARY_SOURCES_DIR ?? fileURLToPath(new URL('../../shared', import.meta.url));
const articlePath = join(sourcesDir, 'seed', 'article.txt');
const historianPath = join(sourcesDir, 'data', 'historian', 'secretary-travels', 'tillerson-rex-w.xml');
const haveSources = existsSync(articlePath) && existsSync(historianPath);
if (!haveSources && process.env.CI) {
  throw new Error(
    `CI must check the seed's quotes, but the sources are missing: ${articlePath}, ${historianPath}`,
  );
}
if (!haveSources) {
  console.warn(
    `seed quote checks skipped: no sources at ${sourcesDir} (set ITINERARY_SOURCES_DIR to check them)`,
  );
}
const articleText = haveSources ? readFileSync(articlePath, 'utf8') : '';
const historianXml = haveSources ? readFileSync(historianPath, 'utf8') : '';

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

// The photo captions (paragraphs crediting a photo) are part of the text but not of the itinerary.
const articleBody = articleText
  .split('\n')
  .filter((line) => !line.includes('(Photo via'))
  .join('\n');

/** The text of each field of the Historian <trip> whose <id> is recordId, whitespace collapsed. */
const historianFields = (recordId: string): Record<string, string> | undefined => {
  for (const match of historianXml.matchAll(/<trip\b[^>]*>([\s\S]*?)<\/trip>/g)) {
    const body = match[1] ?? '';
    const fields: Record<string, string> = {};
    for (const field of body.matchAll(/<([a-z-]+)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
      fields[field[1] ?? ''] = collapse(field[2] ?? '');
    }
    if (fields.id === recordId) return fields;
  }
  return undefined;
};

const isHistorian = (source: SeedSource): boolean => source.url === historianSource('0').url;

const participantIds = new Set(tillersonSeed.participants.map((p) => p.id));
const trips = tillersonSeed.trips;
const stops = trips.flatMap((trip) => trip.stops);
const meetings = stops.flatMap((stop) => stop.meetings);

type Cited = { label: string; sources: SeedSource[] };
const cited: Cited[] = [
  ...trips.map((trip) => ({ label: `trip ${trip.id}`, sources: trip.sources })),
  ...trips.flatMap((trip) =>
    trip.context.map((item) => ({ label: `context ${item.title}`, sources: item.sources })),
  ),
  ...stops.map((stop) => ({ label: `stop ${stop.id} (${stop.city})`, sources: stop.sources })),
  ...meetings.map((meeting) => ({
    label: `meeting ${meeting.id} (${meeting.title})`,
    sources: meeting.sources,
  })),
];

const findMeeting = (pattern: RegExp) => {
  const found = meetings.filter((meeting) => pattern.test(meeting.title));
  expect(found).toHaveLength(1);
  const [meeting] = found;
  if (meeting === undefined) throw new Error(`no meeting matches ${pattern}`);
  return meeting;
};

describe.skipIf(!haveSources)('Tillerson 2018 seed: sources, quoted verbatim', () => {
  it('cites at least one source for every trip, context item, stop and meeting', () => {
    expect(cited.length).toBeGreaterThan(10);
    for (const { label, sources } of cited) {
      expect(sources.length, label).toBeGreaterThan(0);
    }
  });

  it('quotes the article verbatim, outside its photo captions', () => {
    const articleQuotes = cited.flatMap(({ label, sources }) =>
      sources.filter((source) => !isHistorian(source)).map((source) => ({ label, source })),
    );
    expect(articleQuotes.length).toBeGreaterThan(0);
    for (const { label, source } of articleQuotes) {
      expect(source.url, label).toBe(articleSource.url);
      expect(source.title, label).toBe(articleSource.title);
      expect(source.publisher, label).toBe('The Bubble');
      expect(source.publishedAt, label).toBe('2018');
      expect(source.quote.length, label).toBeGreaterThan(10);
      expect(articleBody.includes(source.quote), `${label}: ${source.quote}`).toBe(true);
    }
  });

  it('quotes the cited Historian record verbatim (whitespace collapsed)', () => {
    const historianQuotes = cited.flatMap(({ label, sources }) =>
      sources.filter(isHistorian).map((source) => ({ label, source })),
    );
    expect(historianQuotes.length).toBeGreaterThan(0);
    for (const { label, source } of historianQuotes) {
      expect(source.title, label).toBe('Travels Abroad of the Secretary of State: Rex W. Tillerson');
      expect(source.publisher, label).toBe('Office of the Historian, US Department of State');
      expect(source.publishedAt, label).toBeNull();
      expect(source.recordId, label).toMatch(/^378[01]$|^377[789]$/);
      const fields = historianFields(source.recordId ?? '');
      expect(fields, `${label}: record ${source.recordId}`).toBeDefined();
      const texts = Object.values(fields ?? {});
      expect(
        texts.some((text) => text.includes(source.quote)),
        `${label}: "${source.quote}" in record ${source.recordId}`,
      ).toBe(true);
    }
  });

  it('finds the Historian records themselves (the lookup is not vacuous)', () => {
    expect(historianFields('3778')).toMatchObject({
      'start-date': '2018-02-03',
      'end-date': '2018-02-04',
      remarks: 'Met with President Mauricio Macri and Foreign Minister Jorge Faurie.',
    });
    expect(historianFields('999999')).toBeUndefined();
  });
});

describe('Tillerson 2018 seed: itinerary', () => {
  it('has unique ids per kind', () => {
    for (const ids of [
      tillersonSeed.participants.map((p) => p.id),
      trips.map((t) => t.id),
      stops.map((s) => s.id),
      meetings.map((m) => m.id),
    ]) {
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
    }
  });

  it('numbers stop positions 1..N contiguously in each trip', () => {
    for (const trip of trips) {
      expect(trip.stops.map((stop) => stop.position)).toEqual(trip.stops.map((_, index) => index + 1));
    }
  });

  it('visits Mexico, Argentina, Peru, Colombia and Jamaica, in that order', () => {
    const countries = stops.map((stop) => stop.country);
    for (const country of ['MX', 'AR', 'PE', 'CO', 'JM']) expect(countries).toContain(country);
    const firstIndex = (country: string) => countries.indexOf(country);
    expect(firstIndex('MX')).toBeLessThan(firstIndex('AR'));
    expect(firstIndex('AR')).toBeLessThan(firstIndex('PE'));
    expect(firstIndex('PE')).toBeLessThan(firstIndex('CO'));
    expect(firstIndex('CO')).toBeLessThan(firstIndex('JM'));
  });

  it('refers only to existing participants, and the traveler attends every meeting', () => {
    for (const trip of trips) {
      expect(participantIds.has(trip.travelerId)).toBe(true);
      for (const meeting of trip.stops.flatMap((stop) => stop.meetings)) {
        const ids = meeting.participants.map((p) => p.participantId);
        for (const id of ids) expect(participantIds.has(id), `meeting ${meeting.id}: ${id}`).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids, `meeting ${meeting.id}`).toContain(trip.travelerId);
      }
    }
  });

  it('gives no meeting a clock time (the sources give none)', () => {
    expect(meetings.length).toBeGreaterThan(0);
    for (const meeting of meetings) {
      expect(meeting.startTime, `meeting ${meeting.id}`).toBeNull();
      expect(meeting.endTime, `meeting ${meeting.id}`).toBeNull();
    }
  });

  it('puts the Macri meeting on the morning of 5 February 2018, with no clock time', () => {
    const macri = findMeeting(/Macri/);
    expect(macri).toMatchObject({ date: '2018-02-05', partOfDay: 'morning', startTime: null, endTime: null });
    expect(macri.participants).toContainEqual({ participantId: 7, role: 'host' });
  });

  it('marks the Super Bowl as tentative', () => {
    const superBowl = findMeeting(/Super Bowl/);
    expect(superBowl.status).toBe('tentative');
    expect(superBowl.date).toBe('2018-02-04');
  });

  it('uses valid IANA time zones', () => {
    for (const stop of stops) expect(IANAZone.isValidZone(stop.timeZone), stop.timeZone).toBe(true);
    expect(IANAZone.isValidZone('America/Not_A_City')).toBe(false);
  });

  it('keeps dates well formed and in order', () => {
    const isoDate = /^\d{4}-\d{2}-\d{2}$/;
    for (const trip of trips) {
      expect(trip.startDate <= trip.endDate).toBe(true);
      for (const stop of trip.stops) {
        for (const date of [stop.arrivalDate, stop.departureDate]) {
          if (date === null) continue;
          expect(date).toMatch(isoDate);
          expect(date >= trip.startDate && date <= trip.endDate, `stop ${stop.id}: ${date}`).toBe(true);
        }
        if (stop.arrivalDate !== null && stop.departureDate !== null) {
          expect(stop.arrivalDate <= stop.departureDate, `stop ${stop.id}`).toBe(true);
        }
        for (const meeting of stop.meetings) {
          if (meeting.date === null) continue;
          expect(meeting.date).toMatch(isoDate);
          if (stop.arrivalDate !== null) expect(meeting.date >= stop.arrivalDate).toBe(true);
          if (stop.departureDate !== null) expect(meeting.date <= stop.departureDate).toBe(true);
        }
      }
    }
  });

  it('keeps coordinates in range, and both or neither set', () => {
    for (const stop of stops) {
      expect(stop.latitude === null, `stop ${stop.id}`).toBe(stop.longitude === null);
      if (stop.latitude !== null && stop.longitude !== null) {
        expect(Math.abs(stop.latitude)).toBeLessThanOrEqual(90);
        expect(Math.abs(stop.longitude)).toBeLessThanOrEqual(180);
      }
    }
  });
});
