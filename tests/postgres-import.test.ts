import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileInput, importHistorian } from '../src/importers/historian/import-service.js';
import { buildTestApp } from './helpers.js';

// The import of every Secretary's travels file (HISTORIAN_DATA, which `.ci/run` sets) gives the same report on
// PostgreSQL as on SQLite, and the same API answers after it: the same trips, stops, countries and search hits.

const folder = process.env.HISTORIAN_DATA;

/** An answer without the times each database wrote its rows at, which are all that may differ. */
const withoutWriteTimes = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutWriteTimes)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([key]) => key !== 'createdAt' && key !== 'updatedAt')
            .map(([key, inner]) => [key, withoutWriteTimes(inner)]),
        )
      : value;
const required = process.env.CI === 'true';

describe('the Historian import on PostgreSQL and on SQLite', () => {
  it('gives the same report and the same answers', { timeout: 300_000 }, async () => {
    if (!folder) {
      if (required)
        throw new Error('CI=true needs HISTORIAN_DATA: the import would go untested on PostgreSQL');
      return;
    }
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => fileInput(`${folder}/${f}`));
    const postgres = await buildTestApp();
    const sqlite = await buildTestApp({ databasePath: ':memory:' });
    const reports = await Promise.all(
      [postgres, sqlite].map(async (t) => {
        const { durationMs: _durationMs, ...report } = await importHistorian(t.app.database, files);
        return report;
      }),
    );
    const [onPostgres, onSqlite] = reports;
    expect(onPostgres?.records).toBeGreaterThan(3000);
    expect(onPostgres).toEqual(onSqlite);

    for (const path of [
      '/countries?limit=200',
      '/trips?traveler=1&include=stops&limit=200',
      '/countries/CN/stops?limit=200',
      '/participants?q=kissinger',
      '/participants?sort=name&limit=200',
      '/stops?city=paris&limit=200',
      '/trips?country=JP&sort=-startDate&limit=50',
    ]) {
      const [a, b] = await Promise.all([postgres, sqlite].map((t) => t.api.get(path).expect(200)));
      expect(withoutWriteTimes(a?.body), path).toEqual(withoutWriteTimes(b?.body));
    }
    // Search finds the same records; each engine ranks them its own way (ts_rank, bm25).
    for (const q of ['shuttle', 'kissinger', 'pena', 'moscow summit', 'beij']) {
      const [a, b] = await Promise.all(
        [postgres, sqlite].map(async (t) =>
          (
            (await t.api.get(`/search?q=${encodeURIComponent(q)}&limit=100`).expect(200)).body.data as {
              type: string;
              id: number;
            }[]
          )
            .map((hit) => `${hit.type} ${hit.id}`)
            .sort(),
        ),
      );
      expect(a, q).toEqual(b);
    }
  });
});
