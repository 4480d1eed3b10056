import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { SharedReads, StatementNames } from '../src/db/postgres.js';
import { queryRows } from '../src/db/queries.js';
import { buildTestApp, testDatabaseUrl } from './helpers.js';

// The PostgreSQL handle's own machinery (src/db/postgres.ts): server-side prepared statements (StatementNames: a
// query text that runs again is parsed and planned once per connection, and their number is bounded), and the
// generation read shared by the requests waiting for it (SharedReads).

/** A query whose runs the test settles by hand, in order. */
function manualQuery() {
  const runs: { settle: (value: number | Error) => void }[] = [];
  const query = () =>
    new Promise<number>((resolve, reject) => {
      runs.push({ settle: (v) => (v instanceof Error ? reject(v) : resolve(v)) });
    });
  return { runs, query };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('shared reads (the cache generation)', () => {
  it('answers every call made during a run with the next run, sent after them, one run at a time', async () => {
    const { runs, query } = manualQuery();
    const shared = new SharedReads(query);
    const first = shared.read();
    expect(runs).toHaveLength(1);
    // Calls made while the first run is under way wait for a second one, not for the first's answer.
    const during = [shared.read(), shared.read(), shared.read()];
    expect(runs).toHaveLength(1);
    runs[0]?.settle(1);
    expect(await first).toBe(1);
    await settled();
    expect(runs).toHaveLength(2);
    // A call made while the second run is under way waits for a third.
    const later = shared.read();
    runs[1]?.settle(2);
    expect(await Promise.all(during)).toEqual([2, 2, 2]);
    await settled();
    expect(runs).toHaveLength(3);
    runs[2]?.settle(3);
    expect(await later).toBe(3);
    // Idle again: the next call sends a run of its own at once.
    const alone = shared.read();
    expect(runs).toHaveLength(4);
    runs[3]?.settle(4);
    expect(await alone).toBe(4);
  });

  it("gives a run's error to the calls it answers, and the next calls a run of their own", async () => {
    const { runs, query } = manualQuery();
    const shared = new SharedReads(query);
    const first = shared.read();
    const waiting = shared.read();
    runs[0]?.settle(new Error('server gone'));
    await expect(first).rejects.toThrow('server gone');
    await settled();
    runs[1]?.settle(new Error('still gone'));
    await expect(waiting).rejects.toThrow('still gone');
    const recovered = shared.read();
    runs[2]?.settle(7);
    expect(await recovered).toBe(7);
  });
});

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

  it('DATABASE_PREPARED_STATEMENTS=0 names none, for a pooler in transaction mode', async () => {
    const t = await buildTestApp({
      config: {
        DATABASE_URL: await testDatabaseUrl(),
        DATABASE_POOL_SIZE: 1,
        DATABASE_PREPARED_STATEMENTS: 0,
      },
    });
    for (let i = 0; i < 3; i += 1) {
      await t.api
        .get('/trips/1?include=stops,meetings,participants')
        .set('cache-control', 'no-cache')
        .expect(200);
    }
    const prepared = await t.app.database.read((tx) =>
      queryRows<{ name: string }>(tx, sql`select name from pg_prepared_statements`),
    );
    expect(prepared).toEqual([]);
  });
});
