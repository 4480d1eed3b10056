import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { StatementNames } from '../src/db/postgres.js';
import { queryRows } from '../src/db/queries.js';
import { buildTestApp, testDatabaseUrl } from './helpers.js';

// Server-side prepared statements on PostgreSQL (src/db/postgres.ts, StatementNames): a query text that runs again
// is parsed and planned once per connection, and the number of such statements is bounded.

describe('named statements', () => {
  it('names a text from its second run on, the same name every time, and no more texts than its capacity', () => {
    const names = new StatementNames(3, 2);
    expect(names.nameOf('select 1')).toBeUndefined();
    const first = names.nameOf('select 1');
    expect(first).toMatch(/^itinerary_\d+$/);
    expect(names.nameOf('select 1')).toBe(first);
    for (const text of ['select 2', 'select 3', 'select 4']) {
      names.nameOf(text);
      names.nameOf(text);
    }
    expect(names.size).toBe(3);
    // Past capacity a new text stays unnamed however often it runs; the named ones keep their names.
    expect(names.nameOf('select 4')).toBeUndefined();
    expect(names.nameOf('select 1')).toBe(first);
    expect(new Set(['select 1', 'select 2', 'select 3'].map((t) => names.nameOf(t))).size).toBe(3);
  });

  it("the API's repeated queries are prepared on the server, and answer as before", async () => {
    const t = await buildTestApp({
      config: { DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_SIZE: 1 },
    });
    const first = await t.api
      .get('/trips/1?include=stops,meetings,participants')
      .set('cache-control', 'no-cache');
    const second = await t.api
      .get('/trips/1?include=stops,meetings,participants')
      .set('cache-control', 'no-cache');
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    // One connection in the pool: the statements its session holds are the ones the requests named.
    const prepared = await t.app.database.read((tx) =>
      queryRows<{ name: string; statement: string }>(
        tx,
        sql`select name, statement from pg_prepared_statements where name like 'itinerary\\_%'`,
      ),
    );
    expect(prepared.length).toBeGreaterThan(0);
    expect(prepared.some((p) => /from "trips"/.test(p.statement))).toBe(true);
    expect(prepared.some((p) => /from "meetings"/.test(p.statement))).toBe(true);
  });
});
