import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { addTally, emptyOmitted, emptyTally, REPORT_LIST_LIMIT } from '../src/importers/historian/context.js';
import { groupLegs } from '../src/importers/historian/grouping.js';
import {
  BATCH_RECORDS,
  fileInput,
  type ImportReport,
  importHistorian,
} from '../src/importers/historian/import-service.js';
import { readFileRecords, type TravelRecord } from '../src/importers/historian/parser.js';
import { buildTestApp, countRows, sqlRows } from './helpers.js';
import { generatedTravels } from './travels-files.js';

// Imports at scale: a generated travels file (scripts/generate-travels.ts) larger than any list a statement may
// take (SQLite binds at most 32,766 parameters; it failed whole with "too many SQL variables" when the store passed
// a file's record ids in one list) imports with the counts its records make, a second time changes nothing, and an
// import that stops halfway leaves whole trips that running it again completes. Counts, never times.

const dir = mkdtempSync(join(tmpdir(), 'import-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A generated travels file of `records` records (tests/travels-files.ts). */
const generated = (records: number, seed: number): string => generatedTravels(dir, records, seed);

/** What the file's records make, worked out in memory by the reference grouping (grouping.ts, groupLegs). */
async function expected(path: string) {
  const byTraveler = new Map<string, TravelRecord[]>();
  await readFileRecords(path, (record) => {
    const r = record as TravelRecord;
    const key = `${r.role}|${r.who}`;
    byTraveler.set(key, [...(byTraveler.get(key) ?? []), r]);
  });
  let trips = 0;
  let records = 0;
  let secretaries = 0;
  for (const legs of byTraveler.values()) {
    trips += groupLegs(legs).length;
    records += legs.length;
    if (legs[0]?.role === 'secretary') secretaries += legs.length;
  }
  return { records, trips, travelers: byTraveler.size, secretaries };
}

/** Imports the file as `npm run import` does: through the handle's view as `command:import`. */
const run = (database: Pick<DatabaseHandle, 'transaction'>, path: string) =>
  importHistorian(database, [fileInput(path)]);

const errors = (report: ImportReport) => report.flagged.filter((f) => f.severity === 'error');

describe('importing a file larger than a statement may list', () => {
  it('imports 45,000 records with the trips they make, and a second time changes nothing', {
    timeout: 900_000,
  }, async () => {
    const path = generated(45_000, 7);
    const want = await expected(path);
    expect(want.records).toBe(45_000);
    // One collection alone (the Secretaries') holds more records than SQLite binds parameters in one statement.
    expect(want.secretaries).toBeGreaterThan(32_766);
    const { app } = await buildTestApp({ seed: false });

    const first = await run(app.database.as('command:import'), path);
    expect(errors(first)).toEqual([]);
    expect(first.files).toEqual([{ file: path, kind: 'travels', records: 45_000, status: 'imported' }]);
    expect(first.stops).toMatchObject({ created: 45_000, updated: 0, unchanged: 0 });
    expect(first.trips).toMatchObject({ created: want.trips, updated: 0, deleted: 0, matched: 0 });
    expect(first.participants).toMatchObject({ created: want.travelers, matched: 0 });
    expect(await countRows(app, 'stops')).toBe(45_000);
    expect(await countRows(app, 'trips')).toBe(want.trips);
    // Every stop is mapped to its record once, and cites it.
    const [mapped] = await sqlRows<{ n: number; records: number }>(
      app,
      `select count(*) as n, count(distinct record_id) as records from import_records where stop_id is not null`,
    );
    expect({ n: Number(mapped?.n), records: Number(mapped?.records) }).toEqual({
      n: 45_000,
      records: 45_000,
    });

    const again = await run(app.database.as('command:import'), path);
    expect(errors(again)).toEqual([]);
    expect(again.outcome).toBe('unchanged');
    expect(again.files[0]?.status).toBe('unchanged');
    expect(again.stops).toMatchObject({ created: 0, updated: 0, unchanged: 45_000, missing: 0 });
    expect(again.trips).toMatchObject({ created: 0, updated: 0, unchanged: want.trips, deleted: 0 });
    expect(await countRows(app, 'stops')).toBe(45_000);
  });

  it('keeps whole trips when it stops halfway, and finishes when run again', {
    timeout: 900_000,
  }, async () => {
    const records = BATCH_RECORDS * 3;
    const path = generated(records, 11);
    const want = await expected(path);
    const { app } = await buildTestApp({ seed: false });

    // The database fails the second batch of records (as a full disk or a lost server would): the import's
    // transactions are the span limits', the first batch's, the statistics' (after the first batch), the second's.
    let transactions = 0;
    const failing: Pick<DatabaseHandle, 'transaction'> = {
      transaction: (fn) => {
        transactions += 1;
        return transactions === 4
          ? Promise.reject(new Error('disk I/O error'))
          : app.database.as('command:import').transaction(fn);
      },
    };
    const stopped = await run(failing, path);
    expect(stopped.files[0]?.status).toBe('failed');
    expect(errors(stopped)[0]?.reason).toMatch(
      /^could not be imported: disk I\/O error \(the \d+ records written before stay, in whole trips; importing the file again finishes it\)$/,
    );
    const written = await countRows(app, 'stops');
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(records);
    expect(stopped.stops.created).toBe(written);
    // Whole trips only: each trip has every stop its summary counts.
    const trips = await sqlRows<{ summary: string; stops: number }>(
      app,
      'select t.summary, count(s.id) as stops from trips t left join stops s on s.trip_id = t.id group by t.id, t.summary',
    );
    for (const trip of trips) {
      const counted = /Historian's (\d+) records/.exec(trip.summary)?.[1] ?? '1';
      expect(Number(trip.stops), trip.summary).toBe(Number(counted));
    }

    const finished = await run(app.database.as('command:import'), path);
    expect(errors(finished)).toEqual([]);
    expect(finished.stops).toMatchObject({ created: records - written, unchanged: written, updated: 0 });
    expect(await countRows(app, 'stops')).toBe(records);
    expect(await countRows(app, 'trips')).toBe(want.trips);
  });
});

describe("the report's lists", () => {
  it('keep every error and the first warnings, and count the rest', () => {
    const report = { ...emptyTally(), omitted: emptyOmitted() };
    const batch = emptyTally();
    const flag = (severity: 'error' | 'warning', i: number) => ({
      file: 'f.xml',
      recordId: String(i),
      line: i,
      severity,
      reason: 'why',
    });
    for (let i = 0; i < REPORT_LIST_LIMIT + 500; i += 1) batch.flagged.push(flag('warning', i));
    batch.missing.push(
      ...Array.from({ length: REPORT_LIST_LIMIT + 1 }, (_, i) => ({
        file: 'f.xml',
        recordId: String(i),
        stopId: i,
        tripId: null,
        action: 'kept' as const,
      })),
    );
    addTally(report, batch);
    addTally(report, { ...emptyTally(), flagged: [flag('error', 0)] });
    expect(report.flagged).toHaveLength(REPORT_LIST_LIMIT + 1);
    expect(report.flagged.at(-1)?.severity).toBe('error');
    expect(report.missing).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.omitted).toEqual({ matched: 0, edits: 0, renamed: 0, missing: 1, flagged: 500 });
  });
});
