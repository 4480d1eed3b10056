import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineOf } from '../src/db/connection.js';
import { fileInput, importHistorian } from '../src/importers/historian/import-service.js';
import type { Stop } from '../src/schemas/stops.js';
import { buildTestApp, type TestApp } from './helpers.js';

// A SQLite database imported before migration 0011 (import provenance) is upgraded by that migration's backfill.
// PostgreSQL's schema began with import_writes, so it has no such past: this file runs in the SQLite project only.

const fixture = (name: string) => new URL(`./fixtures/historian/${name}`, import.meta.url).pathname;

const run = (t: TestApp, ...names: string[]) =>
  importHistorian(
    t.app.database.as('command:import'),
    names.map((n) => fileInput(fixture(n))),
  );

const allTrips = async (t: TestApp) =>
  (await t.api.get('/trips?include=stops&limit=200').expect(200)).body.data as { stops: Stop[] }[];

describe('a SQLite database imported before migration 0011', () => {
  it('counts rows imported before import_writes existed as the importer’s (migration 0011 backfill)', async () => {
    const t = await buildTestApp();
    await run(t, 'travels.xml');
    const { sqlite } = engineOf(t.app.database);
    // As a database imported before the migration: no writes noted. Then the migration's backfill runs.
    sqlite.exec('delete from import_writes');
    const migration = readFileSync(
      new URL('../migrations/sqlite/0011_import_provenance.sql', import.meta.url).pathname,
      'utf8',
    );
    const backfill = migration.split('--> statement-breakpoint').filter((sql) => /INSERT INTO/.test(sql));
    expect(backfill).toHaveLength(3);
    for (const sql of backfill) sqlite.exec(sql);
    const noted = sqlite
      .prepare('select resource, count(*) as n from import_writes group by resource order by resource')
      .all();
    expect(noted).toEqual([
      { resource: 'participant', n: 1 },
      { resource: 'stop', n: 6 },
      { resource: 'trip', n: 4 },
    ]);
    expect((await run(t, 'travels.xml')).outcome).toBe('unchanged');
    const stop = (await allTrips(t)).flatMap((trip) => trip.stops).find((s) => s.city === 'Paris') as Stop;
    await t.api.patch(`/stops/${stop.id}`).send({ notes: 'Corrected by hand.' }).expect(200);
    const report = await run(t, 'travels.xml');
    expect(report.edits.map((e) => [e.resource, e.id, e.fields, e.action])).toEqual([
      ['stop', stop.id, ['notes'], 'kept'],
    ]);
  });
});
