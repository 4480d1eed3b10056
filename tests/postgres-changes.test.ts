import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Prepared, prepareDatabase } from '../src/db/prepare.js';
import { queryRows } from '../src/db/queries.js';
import { testDatabaseUrl } from './helpers.js';

// The change feed on PostgreSQL under concurrent writers (changes-repository.ts, postgresFeed): a change whose
// transaction took its seq early and commits late must still be served, once, to a reader that has already gone
// past later seqs. Two database handles on one server stand for two instances: one writes, the other reads.

const url = process.env.TEST_DATABASE_URL;

describe('the change feed on PostgreSQL, under concurrent writers', () => {
  let writer: Prepared;
  let reader: Prepared;

  beforeAll(async () => {
    if (!url) throw new Error('the PostgreSQL project runs with TEST_DATABASE_URL only (vitest.config.ts)');
    const database = await testDatabaseUrl('file');
    writer = await prepareDatabase({ path: '', url: database, seed: 'never' });
    reader = await prepareDatabase({ path: '', url: database, seed: 'never' });
  });

  afterAll(async () => {
    await writer?.database.close();
    await reader?.database.close();
  });

  const token = () => reader.database.read((tx) => reader.repos.changes.currentToken(tx));
  const page = (from: string, limit = 5) =>
    reader.database.read((tx) => reader.repos.changes.since(from, limit, tx));
  /** A participant created in a transaction that stays open `holdMs` after writing (its seq is taken early). */
  const create = (name: string, holdMs = 0) =>
    writer.database.transaction(async (tx) => {
      const created = await writer.repos.participants.create(
        { kind: 'person', name, title: null, country: null, organization: null },
        tx,
      );
      if (holdMs > 0) await queryRows(tx, sql`select pg_sleep(${holdMs / 1000})`);
      return created.id;
    });

  it('serves a change that committed after a later seq was visible, and serves it once', async () => {
    let from = await token();
    const seen: number[] = [];
    const read = async () => {
      const answer = await page(from, 100);
      seen.push(...answer.data.map((change) => change.id));
      from = answer.nextToken;
      return answer;
    };
    // The slow writer takes its seq first and commits last; the quick one commits in between.
    const slow = create('Slow writer', 600);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const quick = await create('Quick writer');
    // A seq-ordered feed would serve the quick change now and never the slow one: this one waits for both.
    const during = await read();
    expect(during.data.map((change) => change.id)).not.toContain(quick);
    const slowId = await slow;
    await read();
    expect(seen).toEqual([slowId, quick]);
    expect((await read()).data).toEqual([]);
  });

  it('serves every change once to a reader paging while many writers commit out of seq order', async () => {
    let from = await token();
    const seen: number[] = [];
    const written: number[] = [];
    let writing = true;
    const writers = (async () => {
      for (let round = 0; round < 6; round += 1) {
        const batch = Array.from({ length: 8 }, (_, i) =>
          create(`Writer ${round}.${i}`, ((round * 8 + i) * 37) % 120).then((id) => written.push(id)),
        );
        await Promise.all(batch);
      }
      writing = false;
    })();
    // Small pages, read as fast as they come, while the writers run; then until the feed is drained.
    for (let idle = 0; writing || idle < 3; ) {
      const answer = await page(from, 3);
      seen.push(...answer.data.map((change) => change.id));
      from = answer.nextToken;
      idle = writing || answer.data.length > 0 ? 0 : idle + 1;
      if (answer.data.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await writers;
    expect(written).toHaveLength(48);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual([...written].sort((a, b) => a - b));
  });
});
