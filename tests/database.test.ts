import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { buildTestApp, sqlExec, sqlRows, TEST_ENGINE, testDatabaseUrl } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the database', () => {
  it('keeps its data across restarts and is seeded only once', async () => {
    // The same database for both apps: one file on SQLite, one database on PostgreSQL.
    const where =
      TEST_ENGINE === 'postgres'
        ? { config: { DATABASE_URL: await testDatabaseUrl() } }
        : { databasePath: join(dir, 'restart.db') };
    const first = await buildTestApp(where);
    await first.api.post('/participants').send({ name: 'Kept' }).expect(201);
    await first.app.close();
    const second = await buildTestApp(where);
    const names = (await second.api.get('/participants')).body.data.map((p: { name: string }) => p.name);
    expect(names).toContain('Kept');
    expect((await second.api.get('/trips')).body.data).toHaveLength(1);
  });

  it('enforces its rules itself, whatever code writes to it', async () => {
    const { app } = await buildTestApp();
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
      const error = await sqlExec(app, sql.raw(statement)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      // The engine refused it, and said which kind of rule it broke (a check, a key, a reference).
      expect(error, statement).toBeDefined();
      expect(app.database.translateError(error), statement).toBeInstanceOf(AppError);
    }
  });

  it('has every trigger the change feed and the search index rely on', async () => {
    // drizzle-kit rebuilds a table for some schema changes, which drops its triggers: a migration that does so
    // must create them again, and this test says when one did not.
    const { app } = await buildTestApp();
    const names = async (query: string) => (await sqlRows<{ name: string }>(app, query)).map((t) => t.name);
    if (TEST_ENGINE === 'postgres') {
      // One PL/pgSQL trigger per table and purpose, each for inserts, updates and deletes.
      const triggers = await names('select tgname as name from pg_trigger where not tgisinternal');
      const data = ['trips', 'stops', 'meetings', 'participants'];
      expect(triggers).toEqual(
        expect.arrayContaining([
          ...data.flatMap((table) => [`${table}_change`, `${table}_audit`, `${table}_search`]),
          'meeting_participants_audit',
          'audit_log_append_only',
          'changes_generation',
        ]),
      );
      return;
    }
    const triggers = await names(`select name from sqlite_master where type = 'trigger'`);
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
    /** The first column of each index of the table (an index on an expression has none). */
    const indexed = async (table: string) =>
      (
        await sqlRows<{ name: string | null }>(
          app,
          TEST_ENGINE === 'postgres'
            ? `select a.attname as name from pg_index i
                 join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
               where i.indrelid = '${table}'::regclass`
            : `select (select name from pragma_index_info(l.name) where seqno = 0) as name
               from pragma_index_list('${table}') as l`,
        )
      ).flatMap((row) => (row.name ? [row.name] : []));
    expect(await indexed('trips')).toEqual(expect.arrayContaining(['traveler_id', 'start_date', 'status']));
    expect(await indexed('stops')).toEqual(
      expect.arrayContaining(['trip_id', 'country', 'city', 'arrival_date']),
    );
    expect(await indexed('meetings')).toEqual(expect.arrayContaining(['stop_id', 'date', 'kind', 'status']));
    expect(await indexed('meeting_participants')).toEqual(
      expect.arrayContaining(['meeting_id', 'participant_id']),
    );
    expect(await indexed('participants')).toEqual(expect.arrayContaining(['name', 'country', 'kind']));
  });
});
