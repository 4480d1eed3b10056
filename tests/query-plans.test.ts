import { describe, expect, it } from 'vitest';
import { generateDataset, scaledDataset } from '../scripts/dataset.js';
import {
  explain,
  fill,
  formatPlan,
  isQuery,
  isUnfiltered,
  LIST_REQUESTS,
  pickSample,
  planViolations,
  recordStatements,
} from '../scripts/query-plans.js';
import { engineOf } from '../src/db/connection.js';
import { reconcileTimeZones } from '../src/repositories/time-zones-repository.js';
import { buildTestApp } from './helpers.js';

// At 100,000 meetings, no list request may read the whole of meetings or stops. Each request of LIST_REQUESTS
// runs twice, for its first page and for the page after that page's cursor; every SELECT it ran is explained
// with the values it bound, and judged by the rule of planViolations (scripts/query-plans.ts):
//
//   a step that reads meetings or stops must be a SEARCH (bounded by an index or the rowid), not nested in a
//   full scan of another table; a SCAN of them (of the table, or of a whole index) fails, and so does an
//   AUTOMATIC index, except that a request with no filter and no cursor may walk an index in the requested
//   order when the statement has a LIMIT and no temporary B-tree at that level (it stops after LIMIT rows).
//
// The database gets ANALYZE first, as a database in service should (see PRAGMA optimize): the plans are those
// of a planner that knows the data.

/** Requests that must scan, and why. Only violations on the named table are let through. */
const KNOWN_SCANS: { request: string; table: string; reason: string }[] = [
  {
    request: '/trips?country={commonCountry}',
    table: 'trips',
    reason:
      'the countries have many stops, so trips are walked in date order, each tested by its stops (an index ' +
      'search), and the walk ends after a page: a few trips, where reading every stop in those countries and ' +
      'sorting their trips cost a page 10 ms at 200,000 meetings (see CountryPlan in trips-repository.ts)',
  },
  {
    request: '/trips?country={rareCountry},{commonCountry}',
    table: 'trips',
    reason: 'as /trips?country={commonCountry}',
  },
  {
    request: '/trips?country={commonCountry}&status=completed&from={from}',
    table: 'trips',
    reason: 'as /trips?country={commonCountry}',
  },
  {
    request: '/meetings?q={text}',
    table: 'meetings',
    reason:
      'q matches text anywhere in titles and descriptions (LIKE), which no B-tree index serves; /search does',
  },
  {
    request: '/countries',
    table: 'stops',
    reason:
      'a country is every stop in it, grouped: one pass over the country index is what the aggregate costs',
  },
  {
    request: '/countries?limit=5',
    table: 'stops',
    reason: 'as /countries',
  },
];

describe('query plans at 100,000 meetings', () => {
  it('read meetings and stops through indexes for every list request', { timeout: 120_000 }, async () => {
    const { app } = await buildTestApp({ seed: false });
    const { sqlite } = engineOf(app.database);
    // The search index is built once at the end: the same rows, sooner.
    generateDataset(app.database, { ...scaledDataset(0.5), searchIndex: 'rebuild' });
    sqlite.exec('analyze');
    const sample = pickSample(sqlite);
    const tables = new Set(
      (
        sqlite
          .prepare(`select name from sqlite_master where type = 'table' and sql not like 'create virtual%'`)
          .all() as { name: string }[]
      ).map((t) => t.name),
    );

    const run = async (url: string) => {
      const recorder = recordStatements(sqlite);
      try {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode, `${url}: ${response.body.slice(0, 500)}`).toBe(200);
        return { body: response.json() as { nextCursor?: string | null }, statements: recorder.statements };
      } finally {
        recorder.stop();
      }
    };

    let explained = 0;
    for (const template of LIST_REQUESTS) {
      const known = KNOWN_SCANS.find((k) => k.request === template);
      const url = fill(template, sample);
      const first = await run(url);
      const pages = [{ url, statements: first.statements }];
      if (first.body.nextCursor) {
        const next = `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(first.body.nextCursor)}`;
        pages.push({ url: next, statements: (await run(next)).statements });
      }
      const report: string[] = [];
      for (const page of pages) {
        for (const statement of page.statements.filter((s) => isQuery(s.sql))) {
          const steps = explain(sqlite, statement);
          explained += 1;
          const violations = planViolations(steps, statement.sql, {
            unfiltered: isUnfiltered(page.url),
            tables,
          }).filter((v) => !known || !v.includes(`of ${known.table}`));
          if (violations.length > 0) {
            report.push(
              [
                `GET ${page.url}`,
                `  ${statement.sql.replace(/\s+/g, ' ').trim()}`,
                `  bound: ${JSON.stringify(statement.params)}`,
                formatPlan(steps).replace(/^/gm, '    '),
                ...violations.map((v) => `  ✗ ${v}`),
              ].join('\n'),
            );
          }
        }
      }
      expect
        .soft(report, `GET ${template} reads meetings or stops without an index:\n${report.join('\n\n')}`)
        .toEqual([]);
    }
    // Each request ran at least one query.
    expect(explained).toBeGreaterThan(LIST_REQUESTS.length);
  });
});

describe('query plans at start-up', () => {
  it('read the stops and meetings they look for through indexes, not by reading the tables', async () => {
    // reconcileTimeZones runs at every start (db/prepare.ts). It reads the zones in use, to rename those that
    // became links, and, when the tz release is the one last reconciled with, only the timed meetings that have no
    // instants. At 50,000 stops and 200,000 meetings, reading the tables for them took 60-200 ms of every start.
    const { app } = await buildTestApp({ seed: false });
    const { sqlite } = engineOf(app.database);
    generateDataset(app.database, { ...scaledDataset(0.05), searchIndex: 'rebuild' });
    sqlite.exec('analyze');
    const recorder = recordStatements(sqlite);
    try {
      expect(await app.database.transaction((tx) => reconcileTimeZones(tx))).toEqual({
        stops: 0,
        meetings: 0,
      });
    } finally {
      recorder.stop();
    }
    const plans = recorder.statements
      .filter((s) => isQuery(s.sql) && /\bfrom "(meetings|stops)"/.test(s.sql))
      .flatMap((statement) =>
        formatPlan(explain(sqlite, statement))
          .split('\n')
          .map((step) => step.trim())
          .filter((step) => /\b(meetings|stops)\b/.test(step)),
      );
    // Two walk a whole index, which planViolations would call a scan: the zones' index, whose distinct values
    // SQLite reads by skipping ahead, and a partial index that holds only the meetings sought (then each one's stop).
    expect(plans).toEqual([
      'SCAN stops USING COVERING INDEX stops_time_zone_idx',
      'SCAN meetings USING INDEX meetings_instants_missing_idx',
      'SEARCH stops USING INTEGER PRIMARY KEY (rowid=?)',
    ]);
  });
});
