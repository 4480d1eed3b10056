import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { BATCH_RECORDS, fileInput, importHistorian } from '../src/importers/historian/import-service.js';
import { createImportStore } from '../src/repositories/historian-import-store.js';
import { generatedTravels } from './travels-files.js';

// On SQLite an import writes the change feed and the audit log of the trips and stops it creates itself, once per
// insert, while the per-row triggers skip those rows (SQLite migration 0014, historian-import-store.ts's bulkInsert). Those
// rows must be the very ones the triggers write: an import's database is compared with one where the same rows were
// inserted one by one, in the same order, through the triggers (as any other write makes them). PostgreSQL writes
// them through its triggers.

const dir = mkdtempSync(join(tmpdir(), 'import-feed-'));
const open: DatabaseHandle[] = [];
afterAll(async () => {
  for (const database of open) await database.close();
  rmSync(dir, { recursive: true, force: true });
});

async function freshDatabase() {
  const { database } = await prepareDatabase({ path: ':memory:', seed: 'never' });
  open.push(database);
  return { database, sqlite: engineOf(database).sqlite };
}

/** A generated travels file of `records` records (tests/travels-files.ts). */
const generated = (records: number, seed: number): string => generatedTravels(dir, records, seed);

type Sqlite = Awaited<ReturnType<typeof freshDatabase>>['sqlite'];

/** The change feed as a reader sees it, in order, less its sequence numbers and times (which differ run to run). */
const feedOf = (sqlite: Sqlite) =>
  sqlite
    .prepare(
      `select resource, resource_id, action, version, trip_id, former_trip_id, traveler_id, participant_id
       from changes order by seq`,
    )
    .all();

/** The audit log, in order, less its ids and times. */
const auditOf = (sqlite: Sqlite) =>
  sqlite
    .prepare(
      'select key_name, operation, resource, resource_id, version, before, after from audit_log order by id',
    )
    .all();

const TABLES = { participant: 'participants', trip: 'trips', stop: 'stops' } as const;

describe("an import's change feed and audit log", () => {
  it('hold the rows the per-row triggers write for the same inserts, in the same order', {
    timeout: 300_000,
  }, async () => {
    // Two batches and a half: the feed is written per insert, across several transactions.
    const path = generated(Math.round(BATCH_RECORDS * 2.5), 5);
    const imported = await freshDatabase();
    const report = await importHistorian(imported.database.as('command:import'), [fileInput(path)]);
    expect(report.files[0]?.status).toBe('imported');
    expect(report.stops.created).toBe(Math.round(BATCH_RECORDS * 2.5));
    // The flag that quiets the triggers never outlives an insert.
    expect(imported.sqlite.prepare('select count(*) as n from import_bulk_insert').get()).toEqual({ n: 0 });

    // The same rows, inserted one at a time in the order of the import's feed, by the same writer, through the
    // triggers alone.
    const feed = feedOf(imported.sqlite) as {
      resource: keyof typeof TABLES;
      resource_id: number;
      action: string;
    }[];
    expect(new Set(feed.map((c) => c.action))).toEqual(new Set(['created']));
    const replayed = await freshDatabase();
    const copy = replayed.sqlite.transaction(() => {
      for (const { resource, resource_id } of feed) {
        const table = TABLES[resource];
        const row = imported.sqlite.prepare(`select * from ${table} where id = ?`).get(resource_id) as Record<
          string,
          unknown
        >;
        const columns = Object.keys(row);
        replayed.sqlite
          .prepare(
            `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`,
          )
          .run(row);
      }
    });
    await replayed.database.as('command:import').autocommit(async () => copy());

    const want = feedOf(replayed.sqlite);
    expect(want.filter((c) => (c as { resource: string }).resource === 'stop')).toHaveLength(
      report.stops.created,
    );
    expect(feedOf(imported.sqlite)).toEqual(want);
    const audit = auditOf(imported.sqlite);
    expect(audit).toHaveLength(want.length);
    expect(audit).toEqual(auditOf(replayed.sqlite));
  });

  it('leave the triggers on for the rest of the transaction when an insert fails', async () => {
    const { database, sqlite } = await freshDatabase();
    const now = '2020-01-01T00:00:00.000Z';
    sqlite
      .prepare(
        `insert into participants (id, kind, name, created_at, updated_at) values (1, 'person', 'P', ?, ?)`,
      )
      .run(now, now);
    await database.transaction(async (tx) => {
      const store = createImportStore(tx);
      const trip = {
        title: 'T',
        summary: null,
        travelerId: 1,
        startDate: '2020-01-01',
        endDate: '2020-01-02',
      };
      // A stop of a trip that does not exist: the foreign key fails the insert.
      const stop = {
        tripId: 999,
        position: 1,
        city: 'Lima',
        country: 'PE',
        countryName: 'Peru',
        latitude: null,
        longitude: null,
        timeZone: 'America/Lima',
        arrivalDate: '2020-01-01',
        departureDate: '2020-01-02',
        notes: null,
        sources: [],
      };
      await expect(store.insertStops([stop])).rejects.toThrow(/FOREIGN KEY/);
      const [created] = await store.insertTrips([{ ...trip, status: 'completed' }]);
      // A write of any other kind in the same transaction goes through the triggers.
      sqlite
        .prepare(
          `insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at)
           values ('by hand', 1, '2020-02-01', '2020-02-02', 'completed', ?, ?)`,
        )
        .run(now, now);
      expect(created).toBeDefined();
    });
    expect(
      sqlite.prepare(`select resource, action from changes where resource = 'trip' order by seq`).all(),
    ).toEqual([
      { resource: 'trip', action: 'created' },
      { resource: 'trip', action: 'created' },
    ]);
    expect(sqlite.prepare(`select count(*) as n from audit_log where resource = 'trip'`).get()).toEqual({
      n: 2,
    });
    expect(sqlite.prepare('select count(*) as n from import_bulk_insert').get()).toEqual({ n: 0 });
  });
});
