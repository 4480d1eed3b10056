import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { cityKey } from '../src/domain/conflicts.js';
import { fold, searchText } from '../src/domain/text.js';
import {
  buildTestApp,
  locationOf,
  migrationsBefore,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  type TestApp,
} from './helpers.js';

// Issue 11, "Text matching: one rule everywhere": search, every text filter and name sorting fold text alike
// (src/domain/text.ts), on the real app and the real search index.

type Named = { id: number; name: string };

const participantNames = async (api: TestApp['api'], query: string) =>
  ((await api.get(`/participants?${query}`).expect(200)).body.data as Named[]).map((p) => p.name);

const searchTitles = async (api: TestApp['api'], q: string) =>
  ((await api.get('/search').query({ q }).expect(200)).body.data as { type: string; title: string }[]).map(
    (r) => `${r.type}:${r.title}`,
  );

async function createParticipant(api: TestApp['api'], name: string): Promise<Named> {
  return (await api.post('/participants').send(newParticipant({ name })).expect(201)).body as Named;
}

describe('one folding rule', () => {
  it('folds case, accents and letters that are not a base letter plus an accent, and leaves CJK alone', () => {
    expect(fold('Enrique PEÑA Nieto')).toBe('enrique pena nieto');
    expect(['Paweł', 'Ørjan', 'Straße', 'Işıkdemir', 'Þórsdóttir'].map(fold)).toEqual([
      'pawel',
      'orjan',
      'strasse',
      'isikdemir',
      'thorsdottir',
    ]);
    expect(fold('在北京会见外交部长')).toBe('在北京会见外交部长');
    expect(searchText('在北京会见外交部长')).toBe('在 北 京 会 见 外 交 部 长');
    // A base letter and a combining accent fold as the precomposed letter does.
    expect(fold('Pen\u0303a')).toBe(fold('Peña'));
  });

  it('is the rule by which conflicts tell one city from another', () => {
    expect(cityKey({ city: 'Łódź', country: 'PL' })).toBe(cityKey({ city: 'LODZ ', country: 'PL' }));
    expect(cityKey({ city: 'Bogotá', country: 'CO' })).toBe(cityKey({ city: 'BOGOTA', country: 'CO' }));
    expect(cityKey({ city: 'Bogotá', country: 'CO' })).not.toBe(cityKey({ city: 'Bogotá', country: 'US' }));
  });
});

describe('text filters match as search does', () => {
  it('/participants?q=pena finds Peña Nieto, as search does', async () => {
    const { api } = await buildTestApp();
    expect(await participantNames(api, 'q=pena')).toEqual(['Enrique Peña Nieto']);
    expect(await participantNames(api, 'q=PE%C3%91A')).toEqual(['Enrique Peña Nieto']);
    expect(await searchTitles(api, 'pena')).toContain('participant:Enrique Peña Nieto');
  });

  it('/stops?city=Bogota and city=Bogotá give the same stops', async () => {
    const { api } = await buildTestApp();
    const cities = async (city: string) =>
      ((await api.get('/stops').query({ city }).expect(200)).body.data as { id: number; city: string }[]).map(
        (s) => `${s.id}:${s.city}`,
      );
    const accented = await cities('Bogotá');
    expect(accented).toEqual(['6:Bogotá']);
    expect(await cities('Bogota')).toEqual(accented);
    expect(await cities('BOGOTA')).toEqual(accented);
    // The whole name, not a word of it.
    expect(await cities('buenos')).toEqual([]);
    expect(await cities('buenos aires')).toEqual(['4:Buenos Aires']);
  });

  it('stores a name sent as n + combining tilde in NFC, found by q=Peña and by q=pena', async () => {
    const { api } = await buildTestApp({ seed: false });
    const created = await createParticipant(api, 'Lucía Pen\u0303a Ramos');
    expect(created.name).toBe('Lucía Peña Ramos');
    expect(created.name).toBe(created.name.normalize('NFC'));
    const stored = (await api.get(`/participants/${created.id}`).expect(200)).body as Named;
    expect(stored.name).toBe('Lucía Peña Ramos');
    expect(await participantNames(api, `q=${encodeURIComponent('Peña')}`)).toEqual(['Lucía Peña Ramos']);
    expect(await participantNames(api, 'q=pena')).toEqual(['Lucía Peña Ramos']);
    // The query may itself be decomposed.
    expect(await participantNames(api, `q=${encodeURIComponent('Pen\u0303a')}`)).toEqual([
      'Lucía Peña Ramos',
    ]);
  });

  it.each([
    ['pawel', 'Paweł Jabłoński'],
    ['orjan', 'Ørjan Sandred'],
    ['strasse', 'Anna Straße'],
    ['isikdemir', 'Ayşe Işıkdemir'],
    ['thorsdottir', 'Katrín Þórsdóttir'],
  ])('%s finds %s in q= and in search', async (query, name) => {
    const { api } = await buildTestApp({ seed: false });
    await createParticipant(api, name);
    await createParticipant(api, 'Someone Else');
    expect(await participantNames(api, `q=${query}`)).toEqual([name]);
    expect(await searchTitles(api, query)).toEqual([`participant:${name}`]);
    // The snippet marks the word as written.
    const word = name.split(' ').find((w) => fold(w) === query) ?? '';
    const [hit] = (await api.get('/search').query({ q: query }).expect(200)).body.data;
    expect(hit.snippet).toContain(`<mark>${word}</mark>`);
  });

  it('finds a Chinese word inside a longer run: 北京 finds 在北京会见外交部长, with the word marked', async () => {
    const { api } = await buildTestApp();
    const meeting = (
      await api
        .post('/stops/4/meetings')
        .send(newMeeting({ title: '在北京会见外交部长', date: null }))
        .expect(201)
    ).body as { id: number };
    const found = (await api.get('/search').query({ q: '北京' }).expect(200)).body.data;
    expect(found).toEqual([
      {
        type: 'meeting',
        id: meeting.id,
        title: '在北京会见外交部长',
        snippet: '在<mark>北京</mark>会见外交部长',
        tripId: 1,
      },
    ]);
    // Also inside the run, and by the q= filter; characters that are not in that order do not match.
    expect(await searchTitles(api, '外交部')).toEqual(['meeting:在北京会见外交部长']);
    expect(await searchTitles(api, '京北')).toEqual([]);
    const listed = (await api.get('/meetings').query({ q: '北京' }).expect(200)).body.data as {
      id: number;
    }[];
    expect(listed.map((m) => m.id)).toEqual([meeting.id]);
  });

  it('matches topics folded: topic=narcotrafico is Narcotráfico', async () => {
    const { api } = await buildTestApp({ seed: false });
    const traveler = await createParticipant(api, 'Rex Tillerson');
    const trip = (
      await api
        .post('/trips')
        .send(newTrip(traveler.id, { topics: ['Narcotráfico', 'trade'] }))
        .expect(201)
    ).body as { id: number };
    await api
      .post('/trips')
      .send(newTrip(traveler.id, { topics: ['Narcotics'] }))
      .expect(201);
    const trips = async (topic: string) =>
      ((await api.get('/trips').query({ topic }).expect(200)).body.data as { id: number }[]).map((t) => t.id);
    expect(await trips('narcotrafico')).toEqual([trip.id]);
    expect(await trips('NARCOTRÁFICO')).toEqual([trip.id]);
    // A topic is matched whole.
    expect(await trips('narco')).toEqual([]);
  });

  it('keeps q= a substring match, taken literally', async () => {
    const { api } = await buildTestApp({ seed: false });
    await createParticipant(api, 'Luis Videgaray');
    await createParticipant(api, 'Ana 100% Segura');
    expect(await participantNames(api, 'q=degar')).toEqual(['Luis Videgaray']);
    expect(await participantNames(api, 'q=100%25')).toEqual(['Ana 100% Segura']);
    expect(await participantNames(api, 'q=_')).toEqual([]);
  });
});

describe('sort=name', () => {
  it('is alphabetical as people expect, ignoring case and accents, on every page', async () => {
    const { api } = await buildTestApp({ seed: false });
    for (const name of ['Andrew', 'Zed', 'adam', 'de la', 'Álvaro', 'Émile'])
      await createParticipant(api, name);
    const expected = ['adam', 'Álvaro', 'Andrew', 'de la', 'Émile', 'Zed'];
    expect(await participantNames(api, 'sort=name')).toEqual(expected);
    expect(await participantNames(api, 'sort=-name')).toEqual([...expected].reverse());

    // Page by page with limit=2 gives the same order.
    const walked: string[] = [];
    let url: string | null = '/participants?sort=name&limit=2';
    while (url) {
      const body = (await api.get(url).expect(200)).body as { data: Named[]; nextCursor: string | null };
      walked.push(...body.data.map((p) => p.name));
      url = body.nextCursor
        ? `/participants?sort=name&limit=2&cursor=${encodeURIComponent(body.nextCursor)}`
        : null;
    }
    expect(walked).toEqual(expected);
  });
});

describe('matching follows writes', () => {
  it('finds a renamed stop by its new city, folded, and not by the old one', async () => {
    const { api } = await buildTestApp({ seed: false });
    const traveler = await createParticipant(api, 'Rex Tillerson');
    const trip = (await api.post('/trips').send(newTrip(traveler.id)).expect(201)).body as { id: number };
    const stop = locationOf(
      await api
        .post(`/trips/${trip.id}/stops`)
        .send(newStop({ city: 'Krakow' }))
        .expect(201),
    );
    await api.patch(stop).send({ city: 'Łódź' }).expect(200);
    const cities = async (city: string) =>
      ((await api.get('/stops').query({ city }).expect(200)).body.data as { city: string }[]).map(
        (s) => s.city,
      );
    expect(await cities('krakow')).toEqual([]);
    expect(await cities('lodz')).toEqual(['Łódź']);
    expect(await cities('ŁÓDŹ')).toEqual(['Łódź']);
  });
});

describe('migration 0010', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itinerary-text-matching-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the rows that existed before it in the folded form, with its triggers in place', async () => {
    // The migrations before 0010, in a folder of their own, give a database as it was before.
    const { folder: before } = migrationsBefore('_text_matching', join(dir, 'before'));

    const path = join(dir, 'old.db');
    const old = openDatabase(path);
    migrate(engineOf(old).db, { migrationsFolder: before });
    const now = "'2020-01-01T00:00:00.000Z'";
    engineOf(old).sqlite.exec(`
      insert into participants (id, kind, name, created_at, updated_at)
        values (1, 'person', 'Paweł Jabłoński', ${now}, ${now});
      insert into trips (id, title, traveler_id, start_date, end_date, status, topics, created_at, updated_at)
        values (1, 'Old trip', 1, '2018-02-01', '2018-02-07', 'completed', '["Narcotráfico"]', ${now}, ${now});
      insert into stops (id, trip_id, position, city, country, time_zone, created_at, updated_at)
        values (1, 1, 1, 'Łódź', 'PL', 'Europe/Warsaw', ${now}, ${now});
      insert into meetings (id, stop_id, kind, title, status, created_at, updated_at)
        values (1, 1, 'bilateral', '在北京会见外交部长', 'confirmed', ${now}, ${now});
    `);
    await old.close();

    const { api, app } = await buildTestApp({ databasePath: path, seed: false });
    expect(await searchTitles(api, 'pawel')).toEqual(['participant:Paweł Jabłoński']);
    expect(await searchTitles(api, '北京')).toEqual(['meeting:在北京会见外交部长']);
    expect(await participantNames(api, 'q=jablonski')).toEqual(['Paweł Jabłoński']);
    const stops = (await api.get('/stops?city=lodz').expect(200)).body.data as { id: number }[];
    expect(stops.map((s) => s.id)).toEqual([1]);
    const trips = (await api.get('/trips?topic=narcotrafico').expect(200)).body.data as { id: number }[];
    expect(trips.map((t) => t.id)).toEqual([1]);

    const triggers = engineOf(app.database)
      .sqlite.prepare(
        "select name from sqlite_master where type = 'trigger' and name like '%\\_search\\_%' escape '\\'",
      )
      .pluck()
      .all();
    expect(triggers).toHaveLength(12);
    // The triggers index a new row in the folded form too.
    await createParticipant(api, 'Ørjan Sandred');
    expect(await searchTitles(api, 'orjan')).toEqual(['participant:Ørjan Sandred']);
  });
});
