import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { migrationsFolder, runMigrations } from '../src/db/migrate.js';
import { flushSearchIndex, REBUILD_SEARCH_INDEX_SQL, rebuildSearchIndex } from '../src/db/search-index.js';
import { createSearchRepository } from '../src/repositories/search-repository.js';
import { SearchQuerySchema } from '../src/schemas/search.js';
import { buildTestApp, migrationsBefore, type TestApp } from './helpers.js';

type Result = { type: string; title: string };
const search = async (api: TestApp['api'], query: Record<string, string>) =>
  (await api.get('/search').query(query).expect(200)).body as { data: Result[] };
const titles = (body: { data: Result[] }) => body.data.map((r) => `${r.type}:${r.title}`);

// SQLite's search index itself: an FTS5 table filled by migrations 0004 and 0010, whose triggers (migration 0014)
// note each written record for the flushes that index it (db/search-index.ts). PostgreSQL's
// (a table with a tsvector, migration 0002) has its triggers checked in database.test.ts; the search behind the API
// is tested on both engines in search.test.ts.

describe('building the search index', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itinerary-search-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migration 0004 indexes the rows that existed before it', async () => {
    // The migrations before 0004, in a folder of their own, give a database as it was before search.
    const { folder: before, tag } = migrationsBefore('_search_index', join(dir, 'before-search'));
    expect(readdirSync(before)).not.toContain(`${tag}.sql`);

    const database = openDatabase(':memory:');
    try {
      migrate(engineOf(database).db, { migrationsFolder: before });
      const now = "'2020-01-01T00:00:00.000Z'";
      engineOf(database).sqlite.exec(`
        insert into participants (id, kind, name, title, created_at, updated_at)
          values (1, 'person', 'Enrique Peña Nieto', 'President', ${now}, ${now});
        insert into trips (id, title, traveler_id, start_date, end_date, status, topics, created_at, updated_at)
          values (1, 'Old trip', 1, '2018-02-01', '2018-02-07', 'completed', '["Narcotráfico"]', ${now}, ${now});
        insert into stops (id, trip_id, position, city, country, time_zone, created_at, updated_at)
          values (1, 1, 1, 'Bogotá', 'CO', 'America/Bogota', ${now}, ${now});
        insert into meetings (id, stop_id, kind, title, status, created_at, updated_at)
          values (1, 1, 'bilateral', 'Talks with Peña Nieto', 'confirmed', ${now}, ${now});
      `);

      runMigrations(engineOf(database).db);
      const repo = createSearchRepository();
      const find = async (q: string) =>
        (await database.read((tx) => repo.search(SearchQuerySchema.parse({ q }), tx))).data.map(
          (r) => `${r.type}:${r.id}:${r.tripId}`,
        );
      expect(await find('bogota')).toEqual(['stop:1:1']);
      // Four records are too few for a meaningful ranking: only what is found counts here.
      expect((await find('pena nieto')).sort()).toEqual(['meeting:1:1', 'participant:1:null']);
      expect(await find('narcotrafico')).toEqual(['trip:1:null']);
    } finally {
      await database.close();
    }
  });

  it('has its triggers on every indexed table (a table-rebuild migration would drop them)', async () => {
    const { app } = await buildTestApp();
    const triggers = engineOf(app.database)
      .sqlite.prepare(
        "select tbl_name || ':' || name as t from sqlite_master where type = 'trigger' and name like '%search%'",
      )
      .pluck()
      .all();
    const expected = ['trips', 'stops', 'meetings', 'participants'].flatMap((table) =>
      ['created', 'updated', 'deleted'].map((event) => `${table}:${table}_search_${event}`),
    );
    expect([...triggers].sort()).toEqual(expected.sort());
  });

  it('rebuildSearchIndex builds what the flushes built, with the statement the migration ends with', async () => {
    // Migration 0010 made the index anew (folded words beside the text as written) and holds the rebuild.
    const migration = readdirSync(migrationsFolder()).find((f) => f.endsWith('_text_matching.sql')) ?? '';
    const text = readFileSync(join(migrationsFolder(), migration), 'utf8');
    for (const statement of REBUILD_SEARCH_INDEX_SQL) expect(text).toContain(statement);

    const { api, app } = await buildTestApp();
    // Updates too, so that the update triggers have their say in what is compared.
    await api
      .patch('/trips/1')
      .send({ topics: ['Glorbnik', 'trade'] })
      .expect(200);
    await api.patch('/stops/6').send({ notes: null }).expect(200);
    await api
      .patch('/meetings/8')
      .send({ description: null, topics: ['Snarfle'] })
      .expect(200);
    await api.patch('/participants/7').send({ organization: 'Casa Rosada' }).expect(200);
    const { sqlite } = engineOf(app.database);
    const indexed = () => sqlite.prepare('select rowid, * from search_index order by rowid').all();
    await app.database.read((tx) => flushSearchIndex(tx));
    const byTriggers = indexed();
    expect(byTriggers.length).toBeGreaterThan(30);

    sqlite.exec('delete from search_index');
    expect((await search(api, { q: 'bogota' })).data).toEqual([]);
    await app.database.transaction((tx) => rebuildSearchIndex(tx));
    expect(indexed()).toEqual(byTriggers);
    expect(titles(await search(api, { q: 'bogota' }))).toEqual(['stop:Bogotá']);
  });
});

describe('the search index off the write path', () => {
  const pending = (app: TestApp['app']) =>
    engineOf(app.database).sqlite.prepare('select doc from search_pending order by doc').pluck().all();

  it('notes each written record and indexes it before anything reads the index', async () => {
    const { api, app } = await buildTestApp();
    await app.database.read((tx) => flushSearchIndex(tx));
    expect(pending(app)).toEqual([]);

    const meeting = (
      await api
        .post('/stops/6/meetings')
        .send({ kind: 'bilateral', title: 'Talks on Quibblewort', status: 'confirmed' })
        .expect(201)
    ).body as { id: number };
    await api.patch('/stops/6').send({ city: 'Zyxton' }).expect(200);
    // Noted, not indexed, by the write's own transaction: checked in the same turn as the write, before the
    // handle's timer can flush.
    const { sqlite } = engineOf(app.database);
    sqlite.prepare("update trips set summary = 'Flumbrix agenda' where id = 1").run();
    sqlite.prepare("update participants set organization = 'Plonkwerk' where id = 7").run();
    expect(pending(app)).toEqual(expect.arrayContaining([1 * 4 + 0, 7 * 4 + 3]));
    expect(
      sqlite.prepare("select count(*) from search_index where search_index match 'flumbrix'").pluck().get(),
    ).toBe(0);

    // Each reader of the index sees the writes made before it: search and every text filter.
    expect(titles(await search(api, { q: 'quibblewort' }))).toEqual(['meeting:Talks on Quibblewort']);
    expect(pending(app)).toEqual([]);
    await api
      .patch('/meetings/' + meeting.id)
      .send({ title: 'Talks on Snorkwood' })
      .expect(200);
    expect((await api.get('/meetings').query({ q: 'snorkwood' }).expect(200)).body.data).toHaveLength(1);
    expect((await search(api, { q: 'quibblewort' })).data).toEqual([]);
    await api.patch('/stops/6').send({ city: 'Wexborough' }).expect(200);
    expect((await api.get('/stops').query({ city: 'wexborough' }).expect(200)).body.data).toHaveLength(1);
    expect((await api.get('/stops').query({ city: 'zyxton' }).expect(200)).body.data).toHaveLength(0);
    await api.patch('/trips/1').send({ summary: 'Glimmerquay agenda' }).expect(200);
    expect((await api.get('/trips').query({ q: 'glimmerquay' }).expect(200)).body.data).toHaveLength(1);
    await api.patch('/participants/7').send({ organization: 'Vorplex Institute' }).expect(200);
    expect((await api.get('/participants').query({ q: 'vorplex' }).expect(200)).body.data).toHaveLength(1);

    // A deleted record leaves the index at the next flush.
    await api.delete('/meetings/' + meeting.id).expect(204);
    expect((await search(api, { q: 'snorkwood' })).data).toEqual([]);
    expect(pending(app)).toEqual([]);
  });

  it('indexes in the background too, and a flush does not move the generation caches compare', async () => {
    const { app } = await buildTestApp();
    await app.database.read((tx) => flushSearchIndex(tx));
    const before = await app.database.generation();
    // Written and checked in one turn, so that the handle's timer has not flushed yet.
    engineOf(app.database)
      .sqlite.prepare("update trips set summary = 'Brindlewick agenda' where id = 1")
      .run();
    expect(pending(app)).toContain(1 * 4 + 0);
    const written = await app.database.generation();
    expect(written).not.toBe(before);
    // The handle's timer flushes without a reader.
    await vi.waitFor(() => expect(pending(app)).toEqual([]), { timeout: 10_000, interval: 20 });
    expect(await app.database.generation()).toBe(written);
    const indexed = engineOf(app.database)
      .sqlite.prepare("select count(*) from search_index where search_index match 'brindlewick'")
      .pluck()
      .get();
    expect(indexed).toBe(1);
  });
});
