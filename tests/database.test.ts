import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineOf } from '../src/db/connection.js';
import { buildTestApp } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the database', () => {
  it('creates its folder, runs in WAL mode with foreign keys on and a busy timeout', async () => {
    const { app } = await buildTestApp({ databasePath: join(dir, 'nested', 'folder', 'itinerary.db') });
    const { sqlite } = engineOf(app.database);
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('keeps its data across restarts and is seeded only once', async () => {
    const path = join(dir, 'restart.db');
    const first = await buildTestApp({ databasePath: path });
    await first.api.post('/participants').send({ name: 'Kept' }).expect(201);
    await first.app.close();
    const second = await buildTestApp({ databasePath: path });
    const names = (await second.api.get('/participants')).body.data.map((p: { name: string }) => p.name);
    expect(names).toContain('Kept');
    expect((await second.api.get('/trips')).body.data).toHaveLength(1);
  });

  it('enforces its rules itself, whatever code writes to it', async () => {
    const { app } = await buildTestApp();
    const { sqlite } = engineOf(app.database);
    const now = "'2020-01-01T00:00:00.000Z'";
    const attempts = [
      // unknown enumeration value
      `insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at)
       values ('x', 1, '2020-01-01', '2020-01-02', 'done', ${now}, ${now})`,
      // end before start
      `insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at)
       values ('x', 1, '2020-01-02', '2020-01-01', 'planned', ${now}, ${now})`,
      // traveler that does not exist
      `insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at)
       values ('x', 999, '2020-01-01', '2020-01-02', 'planned', ${now}, ${now})`,
      // a second stop at a taken position
      `insert into stops (trip_id, position, city, country, time_zone, created_at, updated_at)
       values (1, 1, 'x', 'US', 'UTC', ${now}, ${now})`,
      // a participant twice in one meeting
      `insert into meeting_participants (meeting_id, participant_id, role, created_at) values (8, 7, 'host', ${now})`,
      // an end time without a start time
      `update meetings set end_time = '10:00' where id = 8`,
      // a lone latitude
      `update stops set latitude = 10, longitude = null where id = 2`,
      // deleting a participant who still attends
      `delete from participants where id = 7`,
    ];
    for (const statement of attempts) {
      expect(() => sqlite.exec(statement), statement).toThrow(/constraint/i);
    }
  });

  it('has every trigger the change feed and the search index rely on', async () => {
    // drizzle-kit rebuilds a table for some schema changes, which drops its triggers: a migration that does so
    // must create them again, and this test says when one did not.
    const { app } = await buildTestApp();
    const triggers = (
      engineOf(app.database)
        .sqlite.prepare(`select name from sqlite_master where type = 'trigger'`)
        .all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    for (const table of ['trips', 'stops', 'meetings', 'participants']) {
      for (const action of ['created', 'updated', 'deleted'])
        expect(triggers).toContain(`${table}_change_${action}`);
    }
    for (const table of ['trips', 'stops', 'meetings', 'participants', 'meeting_participants']) {
      for (const action of ['create', 'update', 'delete'])
        expect(triggers).toContain(`${table}_audit_${action}`);
    }
    expect(triggers).toEqual(expect.arrayContaining(['audit_log_no_update', 'audit_log_no_delete']));
    expect(triggers.filter((t) => t.includes('_search_'))).toHaveLength(12);
  });

  it('has an index for every foreign key and every filtered column', async () => {
    const { app } = await buildTestApp();
    const indexed = (table: string) =>
      (sqlite.prepare(`select name from pragma_index_list(?)`).all(table) as { name: string }[]).flatMap(
        (i) =>
          (sqlite.prepare(`select name from pragma_index_info(?)`).all(i.name) as { name: string }[])
            .slice(0, 1)
            .map((c) => c.name),
      );
    const { sqlite } = engineOf(app.database);
    expect(indexed('trips')).toEqual(expect.arrayContaining(['traveler_id', 'start_date', 'status']));
    expect(indexed('stops')).toEqual(expect.arrayContaining(['trip_id', 'country', 'city', 'arrival_date']));
    expect(indexed('meetings')).toEqual(expect.arrayContaining(['stop_id', 'date', 'kind', 'status']));
    expect(indexed('meeting_participants')).toEqual(expect.arrayContaining(['meeting_id', 'participant_id']));
    expect(indexed('participants')).toEqual(expect.arrayContaining(['name', 'country', 'kind']));
  });
});
