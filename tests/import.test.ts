import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayCountry, resolveCountry } from '../src/importers/historian/countries.js';
import { groupLegs } from '../src/importers/historian/grouping.js';
import {
  fileInput,
  HISTORIAN_PUBLISHER,
  type ImportReport,
  importHistorian,
  period,
  textInput,
} from '../src/importers/historian/import-service.js';
import { type HistorianRecord, ImportFileError, readTextRecords } from '../src/importers/historian/parser.js';
import { splitVisitor } from '../src/importers/historian/people.js';
import { resolvePlace } from '../src/importers/historian/places.js';
import type { Participant } from '../src/schemas/participants.js';
import type { Stop } from '../src/schemas/stops.js';
import type { Trip as TripRecord } from '../src/schemas/trips.js';
import { buildTestApp, PROBLEM, sqlRows, type TestApp } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/historian/${name}`, import.meta.url).pathname;
const xml = (name: string) => readFileSync(fixture(name), 'utf8');

// The API's own shapes, with the parts `include=stops,traveler` adds.
type Trip = TripRecord & { stops: Stop[]; traveler: Participant };

const run = (t: TestApp, ...names: string[]) =>
  importHistorian(
    t.app.database.as('command:import'),
    names.map((n) => fileInput(fixture(n))),
  );

/** Every trip with its stops and traveler, oldest first. */
async function allTrips(t: TestApp): Promise<Trip[]> {
  const res = await t.api.get('/trips?include=stops,traveler&limit=200').expect(200);
  return res.body.data as Trip[];
}

const byTitle = (trips: Trip[], start: string) => {
  const found = trips.find((t) => t.title.startsWith(start));
  if (!found) throw new Error(`no trip titled ${start}…; titles: ${trips.map((t) => t.title).join(' | ')}`);
  return found;
};

const errors = (report: ImportReport) => report.flagged.filter((f) => f.severity === 'error');

describe('grouping legs into trips', () => {
  const leg = (id: string, startDate: string, endDate: string) => ({ id, startDate, endDate });

  it('joins a leg that starts one day after the trip so far ends, and splits at two', () => {
    const trips = groupLegs([
      leg('1', '2001-03-01', '2001-03-02'),
      leg('2', '2001-03-03', '2001-03-03'),
      leg('3', '2001-03-05', '2001-03-06'),
    ]);
    expect(trips.map((t) => t.map((l) => l.id))).toEqual([['1', '2'], ['3']]);
  });

  it('sorts by start date, and joins overlapping or nested legs against the latest end so far', () => {
    const trips = groupLegs([
      leg('c', '2001-01-09', '2001-01-09'),
      leg('a', '2001-01-01', '2001-01-08'),
      leg('b', '2001-01-02', '2001-01-03'),
      leg('d', '2001-01-11', '2001-01-11'),
    ]);
    expect(trips.map((t) => t.map((l) => l.id))).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('keeps same-day legs together and orders them by end date, then id', () => {
    const trips = groupLegs([
      leg('10', '2001-01-01', '2001-01-02'),
      leg('9', '2001-01-01', '2001-01-02'),
      leg('8', '2001-01-01', '2001-01-01'),
    ]);
    expect(trips.map((t) => t.map((l) => l.id))).toEqual([['8', '9', '10']]);
  });
});

describe('countries, places and names', () => {
  it('maps slugs and labels to ISO codes, with former states, renamed slugs and the unknown', () => {
    const code = (slug: string, label: string) => resolveCountry(slug, label).code;
    expect(code('korea-south', 'Korea, Republic of')).toBe('KR');
    expect(code('korea-north', 'Korea, North')).toBe('KP');
    expect(code('congo-kinshasa', 'Congo, Democratic Republic of')).toBe('CD');
    expect(code('saint-lucia', 'St. Lucia')).toBe('LC');
    expect(code('holy-see', 'Vatican City')).toBe('VA');
    expect(code('china', 'China, People’s Republic of')).toBe('CN');
    expect(code('czechoslovakia', 'Czechoslovakia')).toBe('CS');
    expect(code('german-democratic-republic', 'German Democratic Republic')).toBe('DD');
    expect(code('yugoslavia', 'Yugoslavia')).toBe('YU');
    expect(code('netherlands-antilles', 'Netherlands Antilles')).toBe('AN');
    expect(code('russia', 'U.S.S.R.')).toBe('SU');
    expect(code('russia', 'Russia')).toBe('RU');
    expect(code('kosovo', 'Serbia-Montenegro (Kosovo)')).toBe('XK');
    for (const [slug, label, expected] of [
      ['czechia', 'Czechia', 'CZ'],
      ['czech-republic', 'Czech Republic', 'CZ'],
      ['turkiye', 'Türkiye', 'TR'],
      ['turkey', 'Turkey', 'TR'],
      ['north-macedonia', 'North Macedonia ', 'MK'],
      ['macedonia', 'Macedonia, Former Yugoslav Republic of', 'MK'],
      ['burma', 'Burma (Myanmar)', 'MM'],
    ] as const) {
      expect(code(slug, label), slug).toBe(expected);
    }
    // Only an entity with no code stays without one.
    expect(resolveCountry('kingdom-of-hawaii', 'Kingdom of Hawaii')).toEqual({
      code: 'ZZ',
      label: 'Kingdom of Hawaii',
      known: false,
      inferred: null,
    });
    // Former and short names, and misspellings within a bounded distance, resolve, as inferences.
    expect(resolveCountry('swaziland', 'Swaziland')).toEqual({
      code: 'SZ',
      label: 'Swaziland',
      known: true,
      inferred: '"Swaziland" is another name of Eswatini',
    });
    expect(resolveCountry('somoa', 'Somoa')).toEqual({
      code: 'WS',
      label: 'Somoa',
      known: true,
      inferred: '"Somoa" is read as a misspelling of Samoa',
    });
    expect(resolveCountry('phillipines', 'Phillipines')).toMatchObject({
      code: 'PH',
      inferred: expect.any(String),
    });
    expect(resolveCountry('zaire', 'Zaire')).toMatchObject({ code: 'CD', inferred: expect.any(String) });
    expect(resolveCountry('holland', 'Holland')).toMatchObject({ code: 'NL', inferred: expect.any(String) });
    // The Historian's own slugs and labels are not inferences.
    expect(resolveCountry('sri-lanka', 'Ceylon')).toMatchObject({ code: 'LK', inferred: null });
    expect(resolveCountry('samoa', 'Western Samoa')).toMatchObject({ code: 'WS', inferred: null });
    // The bound: a word too short or too far from every name is not guessed.
    expect(resolveCountry('atlantis', 'Atlantis').code).toBe('ZZ');
    expect(resolveCountry('chda', 'Chda').code).toBe('ZZ');
    expect(displayCountry('China, People’s Republic of')).toBe('People’s Republic of China');
    expect(displayCountry('Mexico')).toBe('Mexico');
  });

  it("gives a country's only zone, a known city's zone and coordinates, and infers the rest", () => {
    expect(resolvePlace('FR', 'France', 'Paris')).toMatchObject({ timeZone: 'Europe/Paris', inferred: null });
    expect(resolvePlace('FR', 'France', 'Paris').latitude).toBeCloseTo(48.87, 1);
    // One zone of its own: Copenhagen is not put in Berlin, which tzdb merged it with.
    expect(resolvePlace('DK', 'Denmark', 'Copenhagen').timeZone).toBe('Europe/Copenhagen');
    expect(resolvePlace('BR', 'Brazil', 'Rio de Janeiro')).toMatchObject({
      timeZone: 'America/Sao_Paulo',
      inferred: null,
    });
    expect(resolvePlace('AR', 'Argentina', 'San Carlos de Bariloche').timeZone).toBe(
      'America/Argentina/Salta',
    );
    expect(resolvePlace('SU', 'U.S.S.R.', 'Moscow')).toMatchObject({
      timeZone: 'Europe/Moscow',
      inferred: null,
    });
    // A made-up place in a country of several zones: the zone of its most populous city, said to be inferred.
    const unknown = resolvePlace('BR', 'Brazil', 'Xanadu Base');
    expect(unknown).toMatchObject({ latitude: null, longitude: null, timeZone: 'America/Sao_Paulo' });
    expect(unknown.inferred).toMatch(/most populous city/);
    // Several places stay one stop, with no coordinates.
    expect(resolvePlace('IL', 'Israel', 'Tel Aviv, Jerusalem')).toMatchObject({
      latitude: null,
      longitude: null,
      timeZone: 'Asia/Jerusalem',
      inferred: null,
    });
    // A territory named under the country that ruled it keeps its own zone.
    expect(resolvePlace('GB', 'United Kingdom', 'Hong Kong').timeZone).toBe('Asia/Hong_Kong');
    expect(resolvePlace('ZZ', 'Kingdom of Hawaii', 'Honolulu')).toMatchObject({
      latitude: null,
      timeZone: 'Etc/UTC',
      inferred: 'the country is not identified, so UTC stands in',
    });
  });

  it("splits a visitor's title from their name", () => {
    expect(splitVisitor('Prime Minister Erna Solberg')).toEqual({
      title: 'Prime Minister',
      name: 'Erna Solberg',
    });
    expect(splitVisitor('King Abdullah II')).toEqual({ title: 'King', name: 'Abdullah II' });
    expect(splitVisitor('Minister of Foreign Affairs Ana Example')).toEqual({
      title: 'Minister of Foreign Affairs',
      name: 'Ana Example',
    });
    expect(splitVisitor('Prime Ministere Silvio Example')).toEqual({
      title: 'Prime Ministere',
      name: 'Silvio Example',
    });
    expect(splitVisitor('Ana Example')).toEqual({ title: null, name: 'Ana Example' });
  });

  it('names the months of a trip', () => {
    expect(period('2018-02-01', '2018-02-07')).toBe('February 2018');
    expect(period('2018-01-30', '2018-02-07')).toBe('January–February 2018');
    expect(period('2017-12-30', '2018-01-02')).toBe('December 2017–January 2018');
  });
});

describe('reading Historian XML', () => {
  const read = (text: string) => {
    const records: HistorianRecord[] = [];
    const result = readTextRecords(text, (r) => records.push(r));
    return { ...result, list: records };
  };
  const failure = (text: string): ImportFileError => {
    try {
      read(text);
    } catch (error) {
      if (error instanceof ImportFileError) return error;
      throw error;
    }
    throw new Error('no error');
  };

  it('reads travels and visits by their root element, collapsing whitespace and keeping inline text', () => {
    const travels = read(xml('travels.xml'));
    expect(travels.kind).toBe('travels');
    expect(travels.list).toHaveLength(6);
    expect(travels.list[0]).toMatchObject({
      kind: 'travel',
      id: '900001',
      who: 'example-jane-q',
      role: 'secretary',
      countrySlug: 'france',
      countryLabel: 'France',
      remarks: 'Opened the fixture talks.',
      line: 4,
    });
    const visits = read(xml('visits.xml'));
    expect(visits.kind).toBe('visits');
    expect(visits.list[1]).toMatchObject({
      kind: 'visit',
      visitor: 'Prime Minister Ada Fixture',
      fromSlug: 'norway',
      description: 'Attended the Fixture Summit; met the President.',
    });
  });

  it('reports broken XML, bad dates, a start after the end and a foreign root with their lines', () => {
    expect(failure(xml('malformed.xml'))).toMatchObject({
      line: 22,
      message: expect.stringMatching(/^malformed XML/),
    });
    expect(failure(xml('bad-date.xml'))).toMatchObject({
      line: 13,
      recordId: '920002',
      message: 'record 920002 has an invalid <start-date> "2003-02-30" (expected YYYY-MM-DD)',
    });
    expect(failure(xml('start-after-end.xml'))).toMatchObject({
      line: 3,
      message: 'record 930001 starts (2004-05-09) after it ends (2004-05-08)',
    });
    expect(failure(xml('not-historian.xml')).message).toMatch(/root element is <catalog>/);
    expect(failure('').message).toMatch(/must contain a root element/);
  });
});

describe('importing travels', () => {
  it('groups legs into trips with stops, a traveler, sources, zones and the unknown country flagged', async () => {
    const t = await buildTestApp();
    const report = await run(t, 'travels.xml');
    expect(errors(report)).toEqual([]);
    expect(report).toMatchObject({
      records: 6,
      trips: { created: 4, updated: 0, unchanged: 0, matched: 0, deleted: 0 },
      stops: { created: 6, updated: 0, unchanged: 0 },
      participants: { created: 1, matched: 0 },
    });
    expect(report.flagged).toEqual([
      {
        file: fixture('travels.xml'),
        recordId: '900005',
        line: 61,
        severity: 'warning',
        reason: 'unknown country "kingdom-of-hawaii" ("Kingdom of Hawaii"): imported with country ZZ',
      },
    ]);

    const trips = (await allTrips(t)).filter((trip) => trip.id !== 1);
    expect(trips.map((trip) => [trip.title, trip.startDate, trip.endDate, trip.stops.length])).toEqual([
      ['Jane Q. Example: U.S.S.R., Kingdom of Hawaii (June 1975)', '1975-06-10', '1975-06-13', 2],
      ['Jane Q. Example: Brazil (January 1980)', '1980-01-20', '1980-01-21', 1],
      ['Jane Q. Example: France, Brazil (March 2001)', '2001-03-01', '2001-03-03', 2],
      ['Jane Q. Example: Israel (March 2001)', '2001-03-05', '2001-03-06', 1],
    ]);
    for (const trip of trips) {
      expect(trip.status).toBe('completed');
      expect(trip.traveler).toMatchObject({
        name: 'Jane Q. Example',
        title: 'Secretary of State',
        country: 'US',
      });
    }

    const march = byTitle(trips, 'Jane Q. Example: France');
    const [paris, rio] = march.stops as [Stop, Stop];
    expect(paris).toMatchObject({
      position: 1,
      city: 'Paris',
      country: 'FR',
      countryName: 'France',
      timeZone: 'Europe/Paris',
      arrivalDate: '2001-03-01',
      departureDate: '2001-03-02',
      notes: 'Opened the fixture talks.',
    });
    expect(paris.sources).toEqual([
      {
        title: 'Travels Abroad of the Secretary of State: Jane Q. (Quincy) Example',
        publisher: HISTORIAN_PUBLISHER,
        publishedAt: null,
        url: 'https://history.state.gov/departmenthistory/travels/secretary/example-jane-q',
        quote: 'Opened the fixture talks.',
        recordId: '900001',
      },
    ]);
    expect(rio).toMatchObject({
      position: 2,
      city: 'Rio de Janeiro',
      country: 'BR',
      timeZone: 'America/Sao_Paulo',
    });
    expect(rio.latitude).not.toBeNull();

    // Several places in one locale: one stop, no coordinates; no remarks, so the locale is the quote.
    const israel = byTitle(trips, 'Jane Q. Example: Israel').stops[0] as Stop;
    expect(israel).toMatchObject({
      city: 'Tel Aviv, Jerusalem',
      latitude: null,
      longitude: null,
      notes: null,
    });
    expect(israel.sources[0]?.quote).toBe('Tel Aviv, Jerusalem');

    // A former state keeps its code and label; an unknown one is ZZ, with its label and a note, never dropped.
    const [moscow, honolulu] = byTitle(trips, 'Jane Q. Example: U.S.S.R.').stops as [Stop, Stop];
    expect(moscow).toMatchObject({ country: 'SU', countryName: 'U.S.S.R.', timeZone: 'Europe/Moscow' });
    expect(honolulu).toMatchObject({
      country: 'ZZ',
      countryName: 'Kingdom of Hawaii',
      city: 'Honolulu',
      latitude: null,
      longitude: null,
      timeZone: 'Etc/UTC',
    });
    expect(honolulu.notes).toBe(
      'Stopped over on the way home.\n\nCountry not identified: the record gives "Kingdom of Hawaii", so the code is ZZ.' +
        '\n\nTime zone inferred: the country is not identified, so UTC stands in.',
    );
    // An unknown place in a country of several zones: an inferred zone, said so in the notes, and no coordinates.
    const xanadu = byTitle(trips, 'Jane Q. Example: Brazil').stops[0] as Stop;
    expect(xanadu).toMatchObject({ latitude: null, longitude: null, timeZone: 'America/Sao_Paulo' });
    expect(xanadu.notes).toMatch(
      /^Visited a place no gazetteer knows\.\n\nTime zone inferred: .*most populous city/,
    );

    // The API serves former and unknown codes, lists and names them, and finds the remarks.
    await t.api.get(`/stops/${honolulu.id}`).expect(200);
    const soviet = await t.api.get('/countries/SU/stops').expect(200);
    expect(soviet.body.data.map((s: Stop) => s.id)).toEqual([moscow.id]);
    const named = (await t.api.get('/countries?limit=200').expect(200)).body.data as {
      code: string;
      name: string;
    }[];
    expect(named.find((c) => c.code === 'SU')?.name).toBe('Soviet Union');
    expect(named.find((c) => c.code === 'ZZ')?.name).toBe('Unknown country');
    const search = await t.api.get('/search?q=shuttle').expect(200);
    expect(search.body.data).toEqual([
      expect.objectContaining({ type: 'stop', id: rio.id, tripId: march.id }),
    ]);
    // The audit log names the command.
    const audit = await sqlRows(
      t.app,
      `select distinct key_name as name from audit_log where resource = 'stop' and resource_id = ${Number(rio.id)}`,
    );
    expect(audit).toEqual([{ name: 'command:import' }]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const before = await allTrips(t);
    const changes = (await t.api.get('/changes').expect(200)).body.nextToken as string;
    const again = await run(t, 'travels.xml');
    expect(again).toMatchObject({
      trips: { created: 0, updated: 0, unchanged: 4, deleted: 0 },
      stops: { created: 0, updated: 0, unchanged: 6 },
      participants: { created: 0, updated: 0, unchanged: 1 },
    });
    expect(await allTrips(t)).toEqual(before);
    expect((await t.api.get(`/changes?since=${changes}`).expect(200)).body.data).toEqual([]);
  });

  it('updates only what a corrected file corrects, and drops a trip whose legs joined another', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const before = await allTrips(t);
    const report = await run(t, 'travels-corrected.xml');
    expect(report).toMatchObject({
      trips: { created: 0, updated: 1, unchanged: 2, deleted: 1 },
      stops: { created: 0, updated: 2, unchanged: 4 },
    });
    const after = await allTrips(t);
    const march = byTitle(after, 'Jane Q. Example: France');
    expect(march.title).toBe('Jane Q. Example: France, Brazil, Israel (March 2001)');
    expect(march.endDate).toBe('2001-03-06');
    expect(march.version).toBe(2);
    expect(march.stops.map((s) => [s.city, s.position, s.version])).toEqual([
      ['Paris', 1, 2],
      ['Rio de Janeiro', 2, 1],
      ['Tel Aviv, Jerusalem', 3, 2],
    ]);
    expect(march.stops[0]?.notes).toBe('Opened the fixture talks, as corrected.');
    expect(march.stops[0]?.sources.map((s) => s.quote)).toEqual(['Opened the fixture talks, as corrected.']);
    const israel = byTitle(before, 'Jane Q. Example: Israel');
    await t.api.get(`/trips/${israel.id}`).expect(404);
    // Untouched trips keep their versions.
    expect(byTitle(after, 'Jane Q. Example: U.S.S.R.').version).toBe(1);
    // And the correction, imported again, changes nothing more.
    expect((await run(t, 'travels-corrected.xml')).trips).toMatchObject({
      updated: 0,
      deleted: 0,
      unchanged: 3,
    });
  });

  it('splits a trip when a correction opens a gap, moving the stop to a trip of its own', async () => {
    const t = await buildTestApp();
    await run(t, 'travels-corrected.xml');
    const report = await run(t, 'travels.xml');
    expect(report).toMatchObject({
      trips: { created: 1, updated: 1, unchanged: 2, deleted: 0 },
      stops: { created: 0, updated: 2, unchanged: 4 },
    });
    const trips = await allTrips(t);
    expect(byTitle(trips, 'Jane Q. Example: France').stops.map((s) => s.city)).toEqual([
      'Paris',
      'Rio de Janeiro',
    ]);
    const israel = byTitle(trips, 'Jane Q. Example: Israel');
    expect(israel.stops).toEqual([
      expect.objectContaining({ position: 1, arrivalDate: '2001-03-05', version: 2 }),
    ]);
  });

  it('keeps a stop added by hand to an imported trip, after the imported ones', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const march = byTitle(await allTrips(t), 'Jane Q. Example: France');
    const added = await t.api
      .post(`/trips/${march.id}/stops`)
      .send({ city: 'Lyon', country: 'FR', timeZone: 'Europe/Paris', position: 3, notes: 'Added by hand.' })
      .expect(201);
    const report = await run(t, 'travels-corrected.xml');
    expect(report.stops).toMatchObject({ created: 0, updated: 3 });
    const after = byTitle(await allTrips(t), 'Jane Q. Example: France');
    expect(after.stops.map((s) => [s.city, s.position])).toEqual([
      ['Paris', 1],
      ['Rio de Janeiro', 2],
      ['Tel Aviv, Jerusalem', 3],
      ['Lyon', 4],
    ]);
    expect(after.stops[3]).toMatchObject({ id: added.body.id, notes: 'Added by hand.' });
    expect((await run(t, 'travels-corrected.xml')).stops).toMatchObject({ created: 0, updated: 0 });
  });

  it('leaves the database as it was before a malformed file, reports it with its line and goes on', async () => {
    const t = await buildTestApp();
    const report = await run(
      t,
      'malformed.xml',
      'travels.xml',
      'bad-date.xml',
      'start-after-end.xml',
      'missing.xml',
    );
    expect(report.files.map((f) => [f.file.split('/').pop(), f.status])).toEqual([
      ['malformed.xml', 'failed'],
      ['travels.xml', 'imported'],
      ['bad-date.xml', 'failed'],
      ['start-after-end.xml', 'failed'],
      ['missing.xml', 'failed'],
    ]);
    expect(errors(report).map((f) => [f.file.split('/').pop(), f.line, f.recordId])).toEqual([
      ['malformed.xml', 22, '910002'],
      ['bad-date.xml', 13, '920002'],
      ['start-after-end.xml', 3, '930001'],
      ['missing.xml', null, null],
    ]);
    expect(report.trips.created).toBe(4);
    // None of the valid records before each fault was written, nor their traveler.
    const names = (await t.api.get('/participants?q=broken').expect(200)).body.data;
    expect(names).toEqual([]);
    expect((await t.api.get('/stops?city=Tokyo').expect(200)).body.data).toEqual([]);
  });
});

describe('importing the seeded journey', () => {
  it('cites the records on trip 1’s stops instead of entering the journey twice, and reports disagreements', async () => {
    const t = await buildTestApp();
    const before = (await t.api.get('/trips/1?include=stops').expect(200)).body as Trip;
    const report = await run(t, 'tillerson-2018.xml');
    expect(errors(report)).toEqual([]);
    expect(report.matched).toEqual([
      { file: fixture('tillerson-2018.xml'), tripId: 1, recordIds: ['3777', '3778', '3779', '3780', '3781'] },
    ]);
    expect(report.trips).toMatchObject({ created: 1, matched: 1 });
    expect(report.participants).toMatchObject({ created: 0, matched: 1 });
    // Argentina: the record's 3–4 February against the article's Buenos Aires, 4–5 February.
    expect(report.flagged).toEqual([
      expect.objectContaining({
        recordId: '3778',
        severity: 'warning',
        reason:
          'disagrees with trip 1: its stop 4 (Buenos Aires) is dated 2018-02-04 to 2018-02-05, the record dates ' +
          'Argentina 2018-02-03 to 2018-02-04',
      }),
    ]);
    // The seeded stops cite these records already: nothing is added twice, and nothing moves.
    const after = (await t.api.get('/trips/1?include=stops').expect(200)).body as Trip;
    expect(after).toEqual(before);
    const trips = await allTrips(t);
    expect(
      trips.filter((trip) => trip.startDate <= '2018-02-07' && trip.endDate >= '2018-02-01'),
    ).toHaveLength(1);
    // The later leg is a trip of the seeded Rex Tillerson, not of a second one.
    const ottawa = byTitle(trips, 'Rex W. Tillerson: Canada');
    expect(ottawa.travelerId).toBe(1);
    expect((await t.api.get('/participants?q=tillerson').expect(200)).body.data).toHaveLength(1);
    // Once more: the same.
    const again = await run(t, 'tillerson-2018.xml');
    expect(again.trips).toMatchObject({ created: 0, unchanged: 1, matched: 1 });
    expect(again.stops).toMatchObject({ created: 0, updated: 0 });
  });

  it('adds the record to a matched stop that does not cite it yet, once', async () => {
    const t = await buildTestApp();
    const lima = (await t.api.get('/stops/5').expect(200)).body as Stop;
    await t.api
      .patch('/stops/5')
      .send({ sources: lima.sources.filter((s) => s.recordId !== '3779') })
      .expect(200);
    const report = await run(t, 'tillerson-2018.xml');
    expect(report.stops).toMatchObject({ updated: 1 });
    const cited = (await t.api.get('/stops/5').expect(200)).body as Stop;
    expect(cited.sources.filter((s) => s.recordId === '3779')).toEqual([
      expect.objectContaining({ publisher: HISTORIAN_PUBLISHER, quote: 'Fixture remarks for Peru.' }),
    ]);
    await run(t, 'tillerson-2018.xml');
    expect(((await t.api.get('/stops/5').expect(200)).body as Stop).version).toBe(cited.version);
  });
});

describe('importing visits', () => {
  it('makes each visit a trip of its visitor to the United States, one participant per name and country', async () => {
    const t = await buildTestApp();
    const report = await run(t, 'visits.xml');
    expect(errors(report)).toEqual([]);
    expect(report).toMatchObject({
      records: 3,
      trips: { created: 3 },
      stops: { created: 3 },
      participants: { created: 2, updated: 0 },
    });
    expect(report.flagged).toEqual([
      expect.objectContaining({
        recordId: '940003',
        severity: 'warning',
        reason:
          'unknown country "hawaii-kingdom" ("Kingdom of Hawaii"): the visitor is imported with no country',
      }),
    ]);
    const trips = await allTrips(t);
    const summit = byTitle(trips, 'Ada Fixture: United States (April 1999)');
    expect(summit.traveler).toMatchObject({ name: 'Ada Fixture', title: 'Prime Minister', country: 'NO' });
    expect(byTitle(trips, 'Ada Fixture: United States (October 1995)').travelerId).toBe(summit.travelerId);
    expect(summit.stops).toEqual([
      expect.objectContaining({
        city: 'United States',
        country: 'US',
        countryName: null,
        latitude: null,
        longitude: null,
        timeZone: 'America/New_York',
        arrivalDate: '1999-04-20',
        departureDate: '1999-04-21',
      }),
    ]);
    expect(summit.stops[0]?.notes).toMatch(
      /^Attended the Fixture Summit; met the President\.\n\nTime zone inferred: .*New York/,
    );
    expect(summit.stops[0]?.sources[0]).toMatchObject({
      url: 'https://history.state.gov/departmenthistory/visits/norway',
      recordId: '940002',
    });
    expect(byTitle(trips, 'Fixture I:').traveler).toMatchObject({
      name: 'Fixture I',
      title: 'King',
      country: null,
    });

    // An older visit imported later leaves the title of the latest.
    const older = xml('visits.xml').replace(/<visit>\s*<id>940002<\/id>[\s\S]*?<\/visit>/, '');
    await importHistorian(t.app.database, [textInput('older', older)]);
    const ada = (await t.api.get(`/participants/${summit.travelerId}`).expect(200)).body;
    expect(ada).toMatchObject({ title: 'Prime Minister', version: 1 });
  });
});

describe('record ids repeated within a file', () => {
  it('keeps different records of one id under suffixed keys, leaves out exact repeats, and re-imports the same', async () => {
    const t = await buildTestApp();
    // As the Historian's visits of 2017 do: ids reused for other visits, here 940001 for a visit of 2001.
    const visit = (id: string, date: string, who: string) =>
      `<visit><id>${id}</id><start-date>${date}</start-date><end-date>${date}</end-date><visitor>${who}</visitor>` +
      '<from id="norway">Norway</from><description>Working visit.</description></visit>';
    const file = `<visits>${[
      visit('940001', '1995-10-02', 'Foreign Minister Ada Fixture'),
      visit('940001', '2001-05-04', 'Prime Minister Ida Repeat'),
      visit('940001', '2001-05-04', 'Prime Minister Ida Repeat'),
      visit('940001', '2003-06-07', 'King Olaf Third'),
    ].join('')}</visits>`;
    const report = await importHistorian(t.app.database, [textInput('repeats', file)]);
    expect(errors(report)).toEqual([]);
    expect(report).toMatchObject({ trips: { created: 3 }, stops: { created: 3 } });
    expect(report.flagged.map((f) => [f.recordId, f.severity, f.reason])).toEqual([
      [
        '940001',
        'warning',
        'record 940001 is the id of an earlier, different record too: this one is keyed 940001.2',
      ],
      [
        '940001',
        'warning',
        'record 940001 repeats an earlier record of the same id field for field: left out',
      ],
      [
        '940001',
        'warning',
        'record 940001 is the id of an earlier, different record too: this one is keyed 940001.3',
      ],
    ]);
    const titles = (await allTrips(t)).map((trip) => trip.title);
    for (const who of ['Ada Fixture', 'Ida Repeat', 'Olaf Third']) {
      expect(titles.some((title) => title.includes(who))).toBe(true);
    }
    // The same file again changes nothing: each record is found under its key.
    const again = await importHistorian(t.app.database, [textInput('repeats', file)]);
    expect(again).toMatchObject({ trips: { created: 0, unchanged: 3 }, stops: { created: 0, unchanged: 3 } });
  });
});

describe('POST /imports', () => {
  it('imports an XML body for an admin and answers the report; a second time, nothing changes', async () => {
    const t = await buildTestApp();
    const first = await t.api
      .post('/imports')
      .set('content-type', 'application/xml')
      .send(xml('travels.xml'))
      .expect(200);
    expect(first.body).toMatchObject({
      files: [{ file: 'body', kind: 'travels', records: 6, status: 'imported' }],
      trips: { created: 4 },
      stops: { created: 6 },
      flagged: [expect.objectContaining({ recordId: '900005', severity: 'warning' })],
    });
    const second = await t.api
      .post('/imports')
      .set('content-type', 'text/xml')
      .send(xml('travels.xml'))
      .expect(200);
    expect(second.body).toMatchObject({
      trips: { created: 0, unchanged: 4 },
      stops: { created: 0, unchanged: 6 },
    });
    const audit = await sqlRows<{ name: string }>(
      t.app,
      `select distinct key_name as name from audit_log where resource = 'trip' and resource_id > 1`,
    );
    expect(audit.map((a) => a.name)).toEqual([expect.stringMatching(/^test-admin-/)]);
  });

  it('answers 400 with the report for a document it cannot import, and changes nothing', async () => {
    const t = await buildTestApp();
    const res = await t.api
      .post('/imports')
      .set('content-type', 'application/xml')
      .send(xml('bad-date.xml'))
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'import_failed',
      detail:
        'The document was not imported (line 13): record 920002 has an invalid <start-date> "2003-02-30" (expected YYYY-MM-DD)',
      report: {
        files: [{ status: 'failed' }],
        flagged: [{ severity: 'error', line: 13, recordId: '920002' }],
      },
    });
    expect((await t.api.get('/trips').expect(200)).body.data).toHaveLength(1);
  });

  it('takes XML only, from admins only, up to its own body limit', async () => {
    const t = await buildTestApp();
    const body = xml('travels.xml');
    await t.anon.post('/imports').set('content-type', 'application/xml').send(body).expect(401);
    await t.anon
      .post('/imports')
      .set('authorization', `Bearer ${await t.token('write')}`)
      .set('content-type', 'application/xml')
      .send(body)
      .expect(403);
    const json = await t.api.post('/imports').send({ xml: body }).expect(415).expect('content-type', PROBLEM);
    expect(json.body.detail).toMatch(/must be XML/);
    await t.api.post('/imports').set('content-type', 'text/plain').send(body).expect(415);
    const large = await t.api
      .post('/imports')
      .set('content-type', 'application/xml')
      .send(`<trips>${' '.repeat(5 * 1024 * 1024)}</trips>`)
      .expect(413);
    expect(large.body.detail).toMatch(/limit of 5242880 bytes/);
    // Elsewhere, the API still speaks JSON only.
    await t.api.post('/participants').set('content-type', 'application/xml').send('<p/>').expect(415);
  });
});

describe.skipIf(!process.env.HISTORIAN_DATA)('importing the Secretaries’ travels (HISTORIAN_DATA)', () => {
  it('groups trips, orders visits by country, finds remarks, and keeps trip 1 one trip', async () => {
    const t = await buildTestApp();
    const folder = process.env.HISTORIAN_DATA as string;
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => fileInput(`${folder}/${f}`));
    const report = await importHistorian(t.app.database, files);
    expect(errors(report)).toEqual([]);
    expect(report.records).toBeGreaterThan(3000);
    expect(report.matched.map((m) => m.tripId)).toEqual([1]);

    const kissinger = (await t.api.get('/participants?q=kissinger').expect(200)).body.data;
    expect(kissinger).toHaveLength(1);
    const trips = (await t.api.get(`/trips?traveler=${kissinger[0].id}&include=stops&limit=200`).expect(200))
      .body.data as Trip[];
    const legs = report.files.find((f) => f.file.includes('kissinger'))?.records ?? 0;
    expect(trips.length).toBeGreaterThan(10);
    expect(trips.length).toBeLessThan(legs);
    expect(trips.reduce((n, trip) => n + trip.stops.length, 0)).toBe(legs);
    for (const [i, trip] of trips.entries()) {
      expect(trip.title.startsWith('Henry A. Kissinger: ')).toBe(true);
      const next = trips[i + 1];
      if (next) expect(next.startDate > trip.endDate).toBe(true);
      const dates = trip.stops.map((s) => s.arrivalDate ?? '');
      expect(dates).toEqual([...dates].sort());
    }

    const china = (await t.api.get('/countries/CN/stops?limit=200').expect(200)).body.data as Stop[];
    expect(china.length).toBeGreaterThan(20);
    const starts = china.map((s) => s.arrivalDate ?? '');
    expect(starts).toEqual([...starts].sort());
    expect(china.every((s) => s.country === 'CN' && s.sources[0]?.url?.includes('/travels/secretary/'))).toBe(
      true,
    );

    const shuttle = (await t.api.get('/search?q=shuttle&type=stop').expect(200)).body.data;
    expect(shuttle.length).toBeGreaterThan(0);

    const trip1 = (await t.api.get('/trips/1?include=stops').expect(200)).body as Trip;
    expect(trip1.version).toBe(1);
    const publishers = new Set(trip1.stops.flatMap((s) => s.sources.map((src) => src.publisher)));
    expect(publishers).toEqual(new Set(['The Bubble', 'Office of the Historian, US Department of State']));
    const feb2018 = (await t.api.get('/trips?traveler=1&from=2018-02-01&to=2018-02-07').expect(200)).body
      .data;
    expect(feb2018.map((trip: Trip) => trip.id)).toEqual([1]);

    // Zones of the place: the Danish West Indies, Greenland, and Windsor across the river from Detroit.
    const danish = (await t.api.get('/countries/DK/stops?limit=200').expect(200)).body.data as Stop[];
    const zoneOf = (city: string) => danish.filter((s) => s.city.startsWith(city)).map((s) => s.timeZone);
    expect(zoneOf('St. Thomas')).toEqual(['America/St_Thomas', 'America/St_Thomas']);
    for (const town of ['Nuuk', 'Kangerlussuaq', 'Ilulissat', 'Igaliku']) {
      expect(zoneOf(town), town).toEqual(['America/Nuuk']);
    }
    expect(zoneOf('Copenhagen').every((z) => z === 'Europe/Copenhagen')).toBe(true);
    const canada = (await t.api.get('/countries/CA/stops?limit=200').expect(200)).body.data as Stop[];
    expect(canada.filter((s) => s.city === 'Windsor (Ontario)').map((s) => s.timeZone)).toEqual([
      'America/Toronto',
    ]);
    expect(canada.some((s) => s.timeZone === 'America/Detroit')).toBe(false);

    // Every country the Historian names resolves, none by a guess; imported again, nothing changes.
    expect(report.inferred.countries).toBe(0);
    expect(report.flagged.filter((f) => f.reason.startsWith('unknown country'))).toEqual([]);
    const again = await importHistorian(t.app.database, files);
    expect(again.outcome).toBe('unchanged');
    expect(again.files.every((f) => f.status === 'unchanged')).toBe(true);
    expect(again.edits).toEqual([]);
    expect(again.missing).toEqual([]);
  });
});

describe('countries and zones of the place', () => {
  it('resolves former and misspelt country names as inferred, and gives each stop a zone of its place', async () => {
    const t = await buildTestApp();
    const report = await run(t, 'places.xml');
    expect(errors(report)).toEqual([]);
    const warnings = report.flagged.map((f) => [f.recordId, f.reason]);
    // In grouping order: the 1881 Hawaii leg first.
    expect(warnings).toEqual([
      ['950007', 'unknown country "kingdom-of-hawaii" ("Kingdom of Hawaii"): imported with country ZZ'],
      ['950005', 'country "swaziland" ("Swaziland") inferred as SZ: "Swaziland" is another name of Eswatini'],
      ['950006', 'country "somoa" ("Somoa") inferred as WS: "Somoa" is read as a misspelling of Samoa'],
    ]);
    expect(report.inferred).toEqual({ countries: 2, timeZones: 2 });

    const stops = (await allTrips(t)).filter((trip) => trip.id !== 1).flatMap((trip) => trip.stops);
    const at = (city: string) => {
      const stop = stops.find((s) => s.city === city);
      if (!stop) throw new Error(`no stop in ${city}`);
      return stop;
    };
    expect(at('Mbabane')).toMatchObject({
      country: 'SZ',
      countryName: 'Swaziland',
      timeZone: 'Africa/Mbabane',
    });
    expect(at('Mbabane').notes).toContain(
      'Country inferred: "Swaziland" is another name of Eswatini, so the code is SZ.',
    );
    expect(at('Apia')).toMatchObject({ country: 'WS', countryName: 'Somoa', timeZone: 'Pacific/Apia' });
    expect(at('Honolulu')).toMatchObject({ country: 'ZZ', timeZone: 'Etc/UTC' });
    // Windsor, Ontario: the gazetteer files it under Detroit's zone, another country's.
    expect(at('Windsor (Ontario)')).toMatchObject({
      country: 'CA',
      timeZone: 'America/Toronto',
      notes: expect.not.stringContaining('Time zone inferred'),
    });
    // St. Thomas in 1866 was Danish: a place of the Danish West Indies, not of Copenhagen.
    expect(at('St. Thomas')).toMatchObject({ country: 'DK', timeZone: 'America/St_Thomas' });
    expect(at('St. Thomas').notes).toBe('Met Danish colonial officials.');
    // Greenland: Nuuk's zone, for a known town and, inferred (Greenland has several zones), for an unknown one.
    expect(at('Nuuk')).toMatchObject({ timeZone: 'America/Nuuk', notes: 'Attended the Arctic Council.' });
    expect(at('Igaliku').timeZone).toBe('America/Nuuk');
    expect(at('Igaliku').notes).toMatch(/Time zone inferred: .*most populous city \(Nuuk\)/);
  });

  it('corrects a gazetteer zone of another country by the nearest city of the province, and keeps single-zone countries plain', () => {
    expect(resolvePlace('CA', 'Canada', 'Windsor (Ontario)')).toMatchObject({
      timeZone: 'America/Toronto',
      inferred: null,
    });
    expect(resolvePlace('CA', 'Canada', 'Windsor').timeZone).toBe('America/Toronto');
    expect(resolvePlace('DK', 'Denmark', 'St. Thomas, St. Croix (Virgin Islands)').timeZone).toBe(
      'America/St_Thomas',
    );
    expect(resolvePlace('DK', 'Denmark', 'Copenhagen')).toMatchObject({
      timeZone: 'Europe/Copenhagen',
      inferred: null,
    });
    expect(resolvePlace('DK', 'Denmark (Greenland)', 'Kangerlussuaq')).toMatchObject({
      timeZone: 'America/Nuuk',
      inferred: null,
    });
  });
});

describe('re-importing over hand corrections', () => {
  const paris = async (t: TestApp) =>
    (await allTrips(t))
      .flatMap((trip) => trip.stops)
      .find((s) => s.sources[0]?.recordId === '900001') as Stop;

  it('keeps a stop and a trip edited through the API, lists them, and overwrites only when asked', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const stop = await paris(t);
    await t.api.patch(`/stops/${stop.id}`).send({ city: 'Paris (Quai d’Orsay)' }).expect(200);
    const trip = byTitle(await allTrips(t), 'Jane Q. Example: France');
    await t.api.patch(`/trips/${trip.id}`).send({ title: 'Jane Q. Example in Paris and Rio' }).expect(200);

    // The same file again: the edits stay, and the report lists them; nothing else changed.
    const again = await run(t, 'travels.xml');
    expect(again.outcome).toBe('unchanged');
    expect(again.stops).toMatchObject({ kept: 1, updated: 0, unchanged: 5 });
    expect(again.trips).toMatchObject({ kept: 1, updated: 0, unchanged: 3 });
    expect(again.edits).toEqual([
      {
        file: fixture('travels.xml'),
        resource: 'trip',
        id: trip.id,
        recordIds: ['900001', '900002'],
        fields: ['title'],
        action: 'kept',
      },
      {
        file: fixture('travels.xml'),
        resource: 'stop',
        id: stop.id,
        recordIds: ['900001'],
        fields: ['city'],
        action: 'kept',
      },
    ]);
    expect((await paris(t)).city).toBe('Paris (Quai d’Orsay)');
    // A participant too.
    const person = trip.travelerId;
    await t.api.patch(`/participants/${person}`).send({ name: 'Jane Quincy Example' }).expect(200);
    const third = await run(t, 'travels.xml');
    expect(third.participants).toMatchObject({ kept: 1, updated: 0 });
    expect(third.edits.filter((e) => e.resource === 'participant')).toEqual([
      {
        file: fixture('travels.xml'),
        resource: 'participant',
        id: person,
        recordIds: ['example-jane-q'],
        fields: ['name'],
        action: 'kept',
      },
    ]);
    expect((await t.api.get(`/participants/${person}`).expect(200)).body.name).toBe('Jane Quincy Example');

    // A correction upstream of the edited stop still leaves the hand edit in place, and says so.
    const corrected = await run(t, 'travels-corrected.xml');
    expect(corrected.edits.map((e) => [e.resource, e.id, e.action])).toEqual([
      ['participant', person, 'kept'],
      ['trip', trip.id, 'kept'],
      ['stop', stop.id, 'kept'],
    ]);
    const kept = await paris(t);
    expect(kept).toMatchObject({ city: 'Paris (Quai d’Orsay)', notes: 'Opened the fixture talks.' });
    expect((await t.api.get(`/trips/${trip.id}`).expect(200)).body.title).toBe(
      'Jane Q. Example in Paris and Rio',
    );

    // Asked to, the import overwrites them, and lists them as overwritten; then they are the importer's again.
    const overwritten = await importHistorian(
      t.app.database.as('command:import'),
      [fileInput(fixture('travels-corrected.xml'))],
      {
        overwriteEdits: true,
      },
    );
    expect(overwritten.edits.map((e) => [e.resource, e.id, e.action])).toEqual([
      ['participant', person, 'overwritten'],
      ['trip', trip.id, 'overwritten'],
      ['stop', stop.id, 'overwritten'],
    ]);
    expect((await t.api.get(`/participants/${person}`).expect(200)).body.name).toBe('Jane Q. Example');
    expect(await paris(t)).toMatchObject({ city: 'Paris', notes: 'Opened the fixture talks, as corrected.' });
    const quiet = await run(t, 'travels-corrected.xml');
    expect(quiet).toMatchObject({ outcome: 'unchanged', edits: [] });
  });

  it('reports unchanged when nothing changed, and re-created for a trip deleted by hand', async () => {
    const t = await buildTestApp();
    const first = await run(t, 'travels.xml');
    expect(first.outcome).toBe('changed');
    expect(first.files.map((f) => f.status)).toEqual(['imported']);
    const again = await run(t, 'travels.xml');
    expect(again.outcome).toBe('unchanged');
    expect(again.files.map((f) => f.status)).toEqual(['unchanged']);

    const israel = byTitle(await allTrips(t), 'Jane Q. Example: Israel');
    await t.api.delete(`/trips/${israel.id}`).expect(204);
    const back = await run(t, 'travels.xml');
    expect(back).toMatchObject({
      outcome: 'changed',
      trips: { created: 0, recreated: 1, unchanged: 3 },
      stops: { created: 0, recreated: 1, unchanged: 5 },
    });
    expect(byTitle(await allTrips(t), 'Jane Q. Example: Israel').stops.map((s) => s.city)).toEqual([
      'Tel Aviv, Jerusalem',
    ]);
    expect((await run(t, 'travels.xml')).outcome).toBe('unchanged');
  });
});

describe('upstream corrections', () => {
  it('keeps and renames the traveler when the upstream data renames their id but keeps the record ids', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const before = (await t.api.get('/participants?q=example').expect(200)).body.data as Participant[];
    expect(before).toHaveLength(1);
    const report = await run(t, 'travels-renamed.xml');
    expect(report.participants).toMatchObject({ created: 0, renamed: 1, updated: 1 });
    expect(report.renamed).toEqual([
      {
        file: fixture('travels-renamed.xml'),
        participantId: before[0]?.id,
        from: 'example-jane-q',
        to: 'example-jane-quincy',
      },
    ]);
    expect(report.trips).toMatchObject({ created: 0, deleted: 0 });
    const after = (await t.api.get('/participants?q=example').expect(200)).body.data as Participant[];
    expect(after.map((p) => [p.id, p.name])).toEqual([[before[0]?.id, 'Jane Quincy Example']]);
    const trips = (await allTrips(t)).filter((trip) => trip.id !== 1);
    expect(trips).toHaveLength(4);
    expect(new Set(trips.map((trip) => trip.travelerId))).toEqual(new Set([before[0]?.id]));
    // Imported again, the renamed file changes nothing.
    expect((await run(t, 'travels-renamed.xml')).outcome).toBe('unchanged');
  });

  it('keeps the seeded Rex Tillerson, re-keyed, when his file renames his id', async () => {
    const t = await buildTestApp();
    await run(t, 'tillerson-2018.xml');
    const report = await run(t, 'tillerson-2018-renamed.xml');
    expect(report.renamed).toEqual([
      {
        file: fixture('tillerson-2018-renamed.xml'),
        participantId: 1,
        from: 'tillerson-rex-w',
        to: 'tillerson-rex-wayne',
      },
    ]);
    expect(report.participants).toMatchObject({ created: 0, matched: 0, renamed: 1 });
    expect(report.trips).toMatchObject({ created: 0, deleted: 0, matched: 1 });
    expect((await t.api.get('/participants?q=tillerson').expect(200)).body.data).toHaveLength(1);
    expect(byTitle(await allTrips(t), 'Rex W. Tillerson: Canada').travelerId).toBe(1);
    expect((await run(t, 'tillerson-2018-renamed.xml')).renamed).toEqual([]);
  });

  it('keeps both records when two files use one record id for different visits, and flags it', async () => {
    const t = await buildTestApp();
    const report = await run(t, 'visits-1960.xml', 'visits-2010.xml');
    expect(errors(report)).toEqual([]);
    const sixty = byTitle(await allTrips(t), 'Otto Sixty');
    expect(report.flagged).toEqual([
      {
        file: fixture('visits-2010.xml'),
        recordId: '990001',
        line: 4,
        severity: 'warning',
        reason: `record id 990001 is also the id of a record of visits-1960.xml about another person (trip ${sixty.id}, "${sixty.title}"): both are kept, this one under the key 990001@visits-2010.xml`,
      },
    ]);
    const trips = await allTrips(t);
    const twenty = byTitle(trips, 'Jens Twenty');
    // The 1960 visit is as its own record says; the 2010 visit has its own stop, citing its own record.
    expect(
      byTitle(trips, 'Otto Sixty').stops.map((s) => [
        s.arrivalDate,
        s.sources[0]?.quote,
        s.sources[0]?.recordId,
      ]),
    ).toEqual([['1960-04-05', 'State visit.', '990001']]);
    expect(twenty.stops.map((s) => [s.arrivalDate, s.sources[0]?.quote, s.sources[0]?.recordId])).toEqual([
      ['2010-06-14', 'Official working visit.', '990001'],
    ]);
    // Imported again in either order, nothing changes and nothing is overwritten; the collision is still flagged.
    const again = await run(t, 'visits-2010.xml', 'visits-1960.xml');
    expect(again).toMatchObject({ outcome: 'unchanged', trips: { created: 0, updated: 0 } });
    expect(again.flagged.map((f) => [f.file, f.recordId])).toEqual([[fixture('visits-2010.xml'), '990001']]);
  });

  it('reports the stops of records removed upstream, and removes them only when asked', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const rio = (await allTrips(t))
      .flatMap((trip) => trip.stops)
      .find((s) => s.city === 'Rio de Janeiro') as Stop;
    const report = await run(t, 'deduplicated/travels.xml');
    expect(report.stops).toMatchObject({ missing: 1, removed: 0 });
    expect(report.missing).toEqual([
      {
        file: fixture('deduplicated/travels.xml'),
        recordId: '900002',
        stopId: rio.id,
        tripId: rio.tripId,
        action: 'kept',
      },
    ]);
    await t.api.get(`/stops/${rio.id}`).expect(200);

    const removed = await importHistorian(
      t.app.database.as('command:import'),
      [fileInput(fixture('deduplicated/travels.xml'))],
      {
        removeMissing: true,
      },
    );
    expect(removed.stops).toMatchObject({ missing: 0, removed: 1 });
    expect(removed.missing.map((m) => [m.recordId, m.action])).toEqual([['900002', 'removed']]);
    await t.api.get(`/stops/${rio.id}`).expect(404);
    expect(byTitle(await allTrips(t), 'Jane Q. Example: France').stops.map((s) => s.city)).toEqual(['Paris']);
    expect((await run(t, 'deduplicated/travels.xml')).missing).toEqual([]);
  });

  it('flags a span far beyond the collection’s norm as suspicious', async () => {
    const t = await buildTestApp();
    const report = await run(t, 'long-span.xml');
    expect(report.flagged.map((f) => [f.recordId, f.severity, f.reason])).toEqual([
      [
        '960001',
        'warning',
        "suspicious span: 366 days (2001-05-01 to 2002-05-01), far beyond the collection's norm (median 2 days, flagged above 90); check the dates; its trip holds 3 records",
      ],
    ]);
    // The other legs are within the norm; the long one still merged three journeys, as the record says.
    expect(byTitle(await allTrips(t), 'Sam Span: France').stops.map((s) => s.city)).toEqual([
      'Paris',
      'Rome',
      'Madrid',
    ]);
  });

  it('takes the file name and the options as POST /imports query parameters, and refuses bad ones', async () => {
    const t = await buildTestApp();
    const post = (name: string, query: string) =>
      t.api.post(`/imports${query}`).set('content-type', 'application/xml').send(xml(name));
    await post('travels.xml', '?file=travels.xml').expect(200);
    const kept = await post('deduplicated/travels.xml', '?file=travels.xml').expect(200);
    expect(kept.body.missing).toMatchObject([{ file: 'travels.xml', recordId: '900002', action: 'kept' }]);
    const removed = await post('deduplicated/travels.xml', '?file=travels.xml&removeMissing=true').expect(
      200,
    );
    expect(removed.body.missing).toMatchObject([{ recordId: '900002', action: 'removed' }]);
    expect(removed.body.outcome).toBe('changed');
    const bad = await post('travels.xml', '?overwriteEdits=yes').expect(400).expect('content-type', PROBLEM);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'query.overwriteEdits' })]);
    const folder = await post('travels.xml', '?file=../travels.xml').expect(400);
    expect(folder.body.errors).toEqual([expect.objectContaining({ path: 'query.file' })]);
  });
});

describe('npm run import (the command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itinerary-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', new URL('../src/cli/import.ts', import.meta.url).pathname, 'historian', ...args],
      { env: { ...process.env, DATABASE_PATH: join(dir, 'cli.db') }, encoding: 'utf8', timeout: 60_000 },
    );

  it('prints records removed upstream, removes them with --remove-missing, and says unchanged', () => {
    expect(cli(fixture('travels.xml')).status).toBe(0);
    const kept = cli(fixture('deduplicated/travels.xml'));
    expect(kept.status).toBe(0);
    expect(kept.stdout).toMatch(
      /record 900002 is no longer in \S*deduplicated\/travels\.xml: its stop \d+ \(trip \d+\) is kept \(--remove-missing removes it\)/,
    );
    const removed = cli('--remove-missing', fixture('deduplicated/travels.xml'));
    expect(removed.stdout).toMatch(
      /record 900002 is no longer in \S*deduplicated\/travels\.xml: its stop \d+ \(trip \d+\) was removed/,
    );
    expect(removed.stdout).toMatch(/stops: .* 1 removed/);
    const again = cli(fixture('deduplicated/travels.xml'));
    expect(again.stdout).toMatch(/records read in [\d.]+ s: unchanged/);
    const unknown = cli('--overwrite-everything', fixture('travels.xml'));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option: --overwrite-everything');
    // Five processes, each compiling TypeScript on start: slow on a busy machine.
  }, 180_000);
});
