import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDatasetOn, scaledDataset } from '../scripts/dataset.js';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { queryRows, runStatement } from '../src/db/queries.js';
import { searchPostings } from '../src/domain/ranking.js';
import { matchExpression } from '../src/repositories/dialect.js';
import { searchWords } from '../src/repositories/search-repository.js';
import { buildTestApp, locationOf, newParticipant, type TestApp } from './helpers.js';

// Ranking over the postings (src/repositories/search-ranking.ts) against exhaustive BM25: SQLite's FTS5 scoring
// every match of the same dataset, with the same weights. On PostgreSQL the API answers from its own postings;
// the reference is still FTS5, over the same rows written into an SQLite database beside it.

/** Records per dataset: at this scale the common words ("with", "meeting") match thousands of records. */
const SCALE = 0.02;
const TYPES = ['trip', 'stop', 'meeting', 'participant'];

type Result = { type: string; id: number };

/** Terms as people type them, as the benchmark draws them: words, prefixes of 3 to 5 letters, pairs. */
function termsOf(texts: string[]): { words: string[]; prefixes: string[]; pairs: string[] } {
  const words = new Set<string>();
  const prefixes = new Set<string>();
  const pairs = new Set<string>();
  for (const text of texts) {
    const found = text.match(/\p{L}{4,}/gu) ?? [];
    for (const [i, word] of found.entries()) {
      words.add(word.toLowerCase());
      for (let n = 3; n <= 5; n += 1) prefixes.add(word.slice(0, n).toLowerCase());
      const next = found[i + 1];
      if (next !== undefined) pairs.add(`${word} ${next}`);
    }
  }
  // Every n-th, so that common and rare terms both come in.
  const every = (set: Set<string>, n: number) => [...set].sort().filter((_, i) => i % n === 0);
  return { words: every(words, 3), prefixes: every(prefixes, 6), pairs: every(pairs, 8) };
}

describe('ranking over the postings, against exhaustive BM25', () => {
  let reference: DatabaseHandle;
  let tested: TestApp;
  let terms: ReturnType<typeof termsOf>;

  beforeAll(async () => {
    // The reference: FTS5 over the dataset, with the average length it computes at each query.
    reference = openDatabase(':memory:');
    await generateDatasetOn(reference, scaledDataset(SCALE));
    const { sqlite } = engineOf(reference);
    const average = sqlite
      .prepare("select records from search_index_statistics where term = ''")
      .pluck()
      .get();
    expect(average).toBeGreaterThan(1000);
    const texts = sqlite
      .prepare('select title from search_index where rowid % 4 in (1, 2, 3) order by rowid')
      .pluck()
      .all() as string[];
    terms = termsOf(texts);

    // The API under test, on the engine of this run, with the same rows and the index's average length set to the
    // reference's (fixed when an index is built; the dataset is written into an empty one).
    tested = await buildTestApp({ seed: false });
    const averageLength = sqlite
      .prepare(
        "select (select sum(length) from (select max(length) as length from search_index_postings group by kind, ref)) * 1.0 / (select records from search_index_statistics where term = '')",
      )
      .pluck()
      .get() as number;
    await tested.app.database.transaction((tx) =>
      runStatement(tx, sql`update search_index_settings set average_length = ${averageLength}`),
    );
    await generateDatasetOn(tested.app.database, scaledDataset(SCALE));
  }, 300_000);

  afterAll(async () => {
    await reference?.close();
  });

  /** The exhaustive top 10: every match scored by FTS5's bm25, ties broken by type and id as the API does. */
  const exhaustive = (q: string): string[] => {
    const rows = engineOf(reference)
      .sqlite.prepare(
        'select rowid, bm25(search_index, 10, 1) as score from search_index where search_index match ?',
      )
      .all(matchExpression(searchWords(q))) as { rowid: number; score: number }[];
    return rows
      .map((row) => ({ type: TYPES[row.rowid % 4] ?? '', id: Math.floor(row.rowid / 4), score: row.score }))
      .sort((a, b) => a.score - b.score || (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id - b.id))
      .slice(0, 10)
      .map((r) => `${r.type}:${r.id}`);
  };

  const answered = async (q: string): Promise<string[]> => {
    const body = (await tested.api.get('/search').query({ q, limit: '10' }).expect(200)).body as {
      data: Result[];
    };
    return body.data.map((r) => `${r.type}:${r.id}`);
  };

  // One test: the app under test is closed after each (helpers.ts).
  it('finds exhaustive BM25 top 10: the same in the same order for single words, 9 of 10 at least for prefixes and pairs', async () => {
    expect(terms.words.length).toBeGreaterThan(20);
    const matching = engineOf(reference).sqlite.prepare(
      'select count(*) from search_index where search_index match ?',
    );
    // Common words are among them: the point is not to score every match.
    expect(
      Math.max(...terms.words.map((w) => matching.pluck().get(matchExpression([w])) as number)),
    ).toBeGreaterThan(2000);
    for (const word of terms.words) expect(await answered(word), word).toEqual(exhaustive(word));

    // Prefixes and pairs: at least 9 of exhaustive BM25's top 10.
    expect(terms.prefixes.length).toBeGreaterThan(20);
    expect(terms.pairs.length).toBeGreaterThan(20);
    let exact = 0;
    const all = [...terms.prefixes, ...terms.pairs];
    for (const q of all) {
      const expected = exhaustive(q);
      const got = await answered(q);
      const shared = got.filter((r) => expected.includes(r)).length;
      expect(shared, q).toBeGreaterThanOrEqual(Math.min(9, expected.length));
      expect(got.length, q).toBe(expected.length);
      if (got.join() === expected.join()) exact += 1;
    }
    // Exact in practice: the threshold algorithm stops only when no record left can enter the page.
    expect(exact).toBe(all.length);
  });
});

describe('the postings', () => {
  /** Each record's postings as the index holds them, and as domain/ranking.ts makes them from its words. */
  async function postingsOf(app: TestApp['app']) {
    return app.database.read(async (tx) => {
      const held = await queryRows<{
        term: string;
        kind: number;
        ref: number;
        f: number;
        x: number;
        n: number;
      }>(
        tx,
        sql`select term, kind, ref, frequency as f, exact_frequency as x, length as n from search_index_postings`,
      );
      const words = await queryRows<{ type: string; ref: number; t: string | null; b: string | null }>(
        tx,
        sql`select type, ref_id as ref, title_words as t, body_words as b from search_index`,
      );
      const kinds: Record<string, number> = { meeting: 0, participant: 1, stop: 2, trip: 3 };
      const key = (r: { term: string; kind: number; ref: number }) => `${r.term}|${r.kind}|${Number(r.ref)}`;
      const made = words.flatMap((w) =>
        searchPostings(w.t, w.b).map(([term, f, x, n]) => ({
          term,
          kind: kinds[w.type] ?? -1,
          ref: w.ref,
          f,
          x,
          n,
        })),
      );
      const text = (rows: { term: string; kind: number; ref: number; f: number; x: number; n: number }[]) =>
        rows.map((r) => `${key(r)}|${Number(r.f)}|${Number(r.x)}|${Number(r.n)}`).sort();
      return { held: text(held), made: text(made) };
    });
  }

  it('are kept in step with every write, in the same transaction', async () => {
    const { api, app } = await buildTestApp();
    const before = await postingsOf(app);
    expect(before.held.length).toBeGreaterThan(100);
    expect(before.held).toEqual(before.made);

    const path = locationOf(
      await api
        .post('/participants')
        .send(newParticipant({ name: 'Zebulon Quixby' }))
        .expect(201),
    );
    // Found by a search right after the write was answered, by a prefix and as a word.
    const found = await api.get('/search').query({ q: 'quixb' }).expect(200);
    expect(found.body.data.map((r: Result) => `/participants/${r.id}`)).toEqual([path]);
    await api.patch(path).send({ name: 'Zebulon Quorra' }).expect(200);
    expect((await api.get('/search').query({ q: 'quixby' }).expect(200)).body.data).toEqual([]);
    expect((await api.get('/search').query({ q: 'zebulon quorra' }).expect(200)).body.data).toHaveLength(1);
    await api
      .patch('/meetings/8')
      .send({ description: null, topics: ['Snarfle'] })
      .expect(200);
    await api.delete('/trips/1').expect(204);
    await api.delete(path).expect(204);

    const after = await postingsOf(app);
    expect(after.held).toEqual(after.made);
    expect(after.held).not.toEqual(before.held);
  });
});
