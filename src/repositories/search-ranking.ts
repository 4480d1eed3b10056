import type { Transaction } from '../db/client.js';
import { type RawStatement, rawStatement } from '../db/queries.js';
import { SEARCH_KINDS } from '../db/search-index.js';
import { idf, impact, SHORTEST_PREFIX } from '../domain/ranking.js';
import { searchText } from '../domain/text.js';
import type { SearchType } from '../schemas/search.js';
import { dialectOf } from './dialect.js';

// Top-k BM25 over the search index's postings (migrations 0014 / 0007, db/search-index.ts), without scoring every
// match. Each term's postings are read best first, one list per (term, type): the index (term, kind, impact desc,
// ref) serves each list as a range.
//
// One word (always a prefix, for type-ahead): the page is the first rows of its lists, merged; the score is the
// impact itself (idf is the same for every record of one term), so the order is BM25's exactly.
//
// Several words: Fagin's threshold algorithm, in rounds. A round reads the first `depth` rows of every list,
// looks up each record read in every other word's list (the table's key: term, kind, ref), and scores those that
// hold every word. A record not read in any list holds each word with at most the impact of the last row read in
// that word's list, so it scores at most the sum of those (the threshold; per type, and none at all for a type
// where one word's list was read to its end). When the page's last record beats the threshold, no record left
// can enter the page, and the page is BM25's exactly; otherwise the next round reads eight times deeper. A word
// before the last must match whole: its list is the list of the word as a prefix (whose impacts bound the whole
// word's, as its hits are fewer), and a record counts the word's hits as a whole word only.

/** The most words the threshold algorithm takes (each is a list to read); longer queries match few records. */
const MOST_WORDS = 6;

/** How deep the rounds of the threshold algorithm read each list, then to the end. */
const DEPTHS = [64, 512, 4096];

/** The types in the order of SEARCH_KINDS codes. */
const KIND_TYPES = (Object.entries(SEARCH_KINDS) as [SearchType, number][])
  .sort((a, b) => a[1] - b[1])
  .map(([type]) => type);

const statements = new Map<string, RawStatement<unknown>>();

/** The rows of a plain-SQL text (`?` parameters), its statement prepared once per text (db/queries.ts). */
function run<Row>(tx: Transaction, text: string, params: unknown[]): Promise<Row[]> {
  let statement = statements.get(text);
  if (statement === undefined) {
    statement = rawStatement(text);
    statements.set(text, statement);
  }
  return statement.all(tx, ...params) as Promise<Row[]>;
}

/** What a record not read in a round can score at best (positive BM25), of a type, and the ref it comes after. */
type Bound = { kind: number; score: number; ref: number };

/** A record found: its type's code, its id, and its score (lower is better: minus its BM25). */
export type RankedHit = { kind: number; ref: number; score: number };

/** A word of the query as the postings hold it: its term, and whether it must match whole. */
type Term = { term: string; exact: boolean };

/**
 * The terms of a query's words (searchable forms), or null when the postings cannot answer it: a word that is a
 * run of Chinese, Japanese or Korean characters (a phrase of several tokens), or a last word shorter than
 * SHORTEST_PREFIX letters (the postings hold no shorter prefixes).
 */
export function postingTerms(words: readonly string[]): Term[] | null {
  const terms: Term[] = [];
  for (const [i, word] of words.entries()) {
    const tokens = searchText(word).split(' ').filter(Boolean);
    const [term] = tokens;
    if (tokens.length !== 1 || term === undefined || words.length > MOST_WORDS) return null;
    const last = i === words.length - 1;
    if (last && Array.from(term).length < SHORTEST_PREFIX) return null;
    terms.push({ term, exact: !last });
  }
  return terms;
}

/** The index's average record length, its number of records, and how many records each term is found in. */
type Statistics = { averageLength: number; records: number; matching: number[] };

/** A page key (score, kind, ref) comes after another. */
const after = (a: RankedHit, b: RankedHit): boolean =>
  a.score !== b.score ? a.score > b.score : a.kind !== b.kind ? a.kind > b.kind : a.ref > b.ref;

const byRank = (a: RankedHit, b: RankedHit): number => (after(a, b) ? 1 : after(b, a) ? -1 : 0);

/** The kinds to look in: the query's types, or all. */
const kindsOf = (types: readonly SearchType[] | undefined): number[] =>
  [...new Set((types ?? KIND_TYPES).map((t) => SEARCH_KINDS[t]))].sort();

/**
 * The best `want` records for the terms (postingTerms), after the page key `from` when given (the previous page's
 * last record), best first, of the given types only.
 */
export async function rankPostings(
  tx: Transaction,
  terms: readonly Term[],
  types: readonly SearchType[] | undefined,
  from: RankedHit | undefined,
  want: number,
): Promise<RankedHit[]> {
  const kinds = kindsOf(types);
  const [only] = terms;
  if (terms.length > MOST_WORDS) throw new Error('too many words for the postings; see postingTerms');
  if (terms.length === 1 && only !== undefined) return oneTerm(tx, only.term, kinds, from, want);
  const statistics = await statisticsOf(tx, terms);
  const pageOf = (hits: RankedHit[]) =>
    hits
      .filter((hit) => from === undefined || after(hit, from))
      .sort(byRank)
      .slice(0, want);
  // A round reads about depth rows per word and type; reading the rarest word's whole list, and looking each
  // record up in the other words' lists, may cost less.
  const rarest = statistics.matching.indexOf(Math.min(...statistics.matching));
  const fewest = statistics.matching[rarest] ?? 0;
  for (const depth of DEPTHS) {
    if (depth < want) continue;
    if (depth * terms.length * 2 > fewest) break;
    const round = await thresholdRound(tx, terms, kinds, depth, statistics);
    const page = pageOf(round.hits);
    const last = page.at(-1);
    if (round.bounds.length === 0) return page;
    const beaten = (bound: Bound) =>
      last !== undefined &&
      (-last.score > bound.score ||
        (-last.score === bound.score &&
          (bound.kind > last.kind || (bound.kind === last.kind && bound.ref >= last.ref))));
    if (page.length === want && round.bounds.every(beaten)) return page;
  }
  return pageOf(await allMatches(tx, terms, kinds, rarest, statistics));
}

/** One word: the first rows of each type's list after the key, merged, the score being minus the impact. */
async function oneTerm(
  tx: Transaction,
  term: string,
  kinds: number[],
  from: RankedHit | undefined,
  want: number,
): Promise<RankedHit[]> {
  const params: unknown[] = [];
  const lists = kinds.map((kind) => {
    let rest = '';
    params.push(term, kind);
    if (from !== undefined) {
      const best = -from.score;
      if (kind < from.kind) {
        rest = ' and impact < ?';
        params.push(best);
      } else if (kind === from.kind) {
        rest = ' and (impact < ? or (impact = ? and ref > ?))';
        params.push(best, best, from.ref);
      } else {
        rest = ' and impact <= ?';
        params.push(best);
      }
    }
    params.push(want);
    return `select * from (select kind, ref, impact from search_index_postings
      where term = ? and kind = ?${rest} order by impact desc, ref limit ?) as list${kind}`;
  });
  params.push(want);
  const rows = await run<{ kind: number; ref: number; impact: number }>(
    tx,
    `${lists.join(' union all ')} order by impact desc, kind, ref limit ?`,
    params,
  );
  return rows.map((row) => ({ kind: Number(row.kind), ref: Number(row.ref), score: -row.impact }));
}

/** The statistics for the terms, from the index's snapshot (a term missing from it is counted now). */
async function statisticsOf(tx: Transaction, terms: readonly Term[]): Promise<Statistics> {
  const names = [...new Set(['', ...terms.map((t) => t.term)])];
  const rows = await run<{ term: string; records: number; exact: number; average: number }>(
    tx,
    `select term, records, exact_records as exact,
        (select average_length from search_index_settings) as average
      from search_index_statistics where term in (${names.map(() => '?').join(', ')})`,
    names,
  );
  const known = new Map(rows.map((row) => [row.term, row]));
  const matching: number[] = [];
  for (const { term, exact } of terms) {
    const row = known.get(term);
    if (row !== undefined) {
      matching.push(Number(exact ? row.exact : row.records));
      continue;
    }
    // A term that came after the snapshot: few records, as it was in none when the snapshot was taken.
    const [counted] = await run<{ n: number }>(
      tx,
      `select count(*) as n from search_index_postings where term = ?${exact ? ' and exact_frequency > 0' : ''}`,
      [term],
    );
    matching.push(Number(counted?.n ?? 0));
  }
  const totals = known.get('');
  let average = rows[0]?.average;
  if (average === undefined) {
    const [settings] = await run<{ average: number }>(
      tx,
      'select average_length as average from search_index_settings',
      [],
    );
    average = settings?.average;
  }
  return {
    averageLength: Number(average ?? 10),
    records: Math.max(Number(totals?.records ?? 0), ...matching),
    matching,
  };
}

/**
 * One round of the threshold algorithm at a depth: the records read, scored if they hold every word, and the
 * threshold (the best score a record not read could have, as a positive BM25), or null when every record that
 * holds every word was read.
 */
async function thresholdRound(
  tx: Transaction,
  terms: readonly Term[],
  kinds: number[],
  depth: number,
  statistics: Statistics,
): Promise<{ hits: RankedHit[]; bounds: Bound[] }> {
  const limited = Number.isFinite(depth);
  const params: unknown[] = [];
  const lists: string[] = [];
  for (const [i, { term }] of terms.entries()) {
    for (const kind of kinds) {
      lists.push(`select * from (select ${i} as word, kind, ref, impact from search_index_postings
        where term = ? and kind = ? order by impact desc, ref${limited ? ' limit ?' : ''}) as list${i}_${kind}`);
      params.push(term, kind, ...(limited ? [depth] : []));
    }
  }
  const joins = terms.map(
    (_, i) =>
      `join search_index_postings as p${i} on p${i}.term = ? and p${i}.kind = c.kind and p${i}.ref = c.ref`,
  );
  params.push(...terms.map((t) => t.term));
  const columns = terms.map((_, i) => `p${i}.frequency as f${i}, p${i}.exact_frequency as x${i}`);
  const lastColumns = terms.map((_, i) => `impact as f${i}, ref as x${i}`);
  if (limited) params.push(depth);
  // The records read (part 0, scored) and the last row of each list read to the depth (part 1: its word in ref,
  // its impact in f0, its ref in x0); a list with fewer rows was read to its end.
  const rows = await run<Record<string, number>>(
    tx,
    `with lists as (select word, kind, ref, impact,
        row_number() over (partition by word, kind order by impact desc, ref) as n
        from (${lists.join(' union all ')}) as l),
      candidates as (select distinct kind, ref from lists)
    select 0 as part, c.kind, c.ref, p0.length as length, ${columns.join(', ')}
    from candidates as c ${joins.join(' ')}
    union all
    select 1 as part, kind, word as ref, n as length, ${lastColumns.join(', ')}
    from lists where n = ${limited ? '?' : '-1'}`,
    params,
  );
  const weights = statistics.matching.map((matching) => idf(statistics.records, matching));
  // Per kind: the last row read of each word's list, or null for a list read to its end (or empty).
  const last = new Map<number, ({ impact: number; ref: number } | null)[]>(
    kinds.map((kind) => [kind, terms.map(() => null)]),
  );
  const read: Record<string, number>[] = [];
  for (const row of rows) {
    if (Number(row.part) === 0) {
      read.push(row);
      continue;
    }
    const lasts = last.get(Number(row.kind));
    if (lasts) lasts[Number(row.ref)] = { impact: Number(row.f0), ref: Number(row.x0) };
  }
  const hits = scored(read, terms, statistics);
  // Per kind, the best score a record not read could have, and the ref after which such a record with that very
  // score would come (it comes after the last row read in every list, which are in (impact desc, ref) order).
  const bounds: Bound[] = [];
  for (const [kind, lasts] of last) {
    if (lasts.some((l) => l === null)) continue;
    const score = lasts.reduce<number>((sum, l, i) => sum + (weights[i] ?? 0) * (l?.impact ?? 0), 0);
    bounds.push({ kind, score, ref: Math.max(...lasts.map((l) => l?.ref ?? 0)) });
  }
  return { hits, bounds };
}

/**
 * Every record that holds every word, scored: the rarest word's list read whole, each record looked up in the other
 * words' lists.
 */
async function allMatches(
  tx: Transaction,
  terms: readonly Term[],
  kinds: number[],
  rarest: number,
  statistics: Statistics,
): Promise<RankedHit[]> {
  const params: unknown[] = [];
  const joins: string[] = [];
  const columns = terms.map((term, i) => {
    if (i === rarest) return `s.frequency as f${i}, s.exact_frequency as x${i}`;
    joins.push(
      `join search_index_postings as p${i} on p${i}.term = ? and p${i}.kind = s.kind and p${i}.ref = s.ref`,
    );
    params.push(term.term);
    return `p${i}.frequency as f${i}, p${i}.exact_frequency as x${i}`;
  });
  params.push(terms[rarest]?.term, ...kinds);
  const rows = await run<Record<string, number>>(
    tx,
    `select s.kind, s.ref, s.length, ${columns.join(', ')}
    from search_index_postings as s ${joins.join(' ')}
    where s.term = ? and s.kind in (${kinds.map(() => '?').join(', ')})`,
    params,
  );
  return scored(rows, terms, statistics);
}

/** The records of rows (kind, ref, length, and f<i>, x<i> for each word) that hold every word, scored. */
function scored(rows: Record<string, number>[], terms: readonly Term[], statistics: Statistics): RankedHit[] {
  const weights = statistics.matching.map((matching) => idf(statistics.records, matching));
  const hits: RankedHit[] = [];
  for (const row of rows) {
    let total = 0;
    let all = true;
    for (const [i, { exact }] of terms.entries()) {
      const frequency = Number(exact ? row[`x${i}`] : row[`f${i}`]);
      if (!(frequency > 0)) {
        all = false;
        break;
      }
      total += (weights[i] ?? 0) * impact(frequency, Number(row.length), statistics.averageLength);
    }
    if (all) hits.push({ kind: Number(row.kind), ref: Number(row.ref), score: -total });
  }
  return hits;
}

/** The type of a postings kind code. */
export const typeOfKind = (kind: number): SearchType => KIND_TYPES[kind] ?? 'meeting';

/** A ranked record with what a result shows: its text as written, and the trip of a stop or meeting. */
export type RankedRecord = {
  type: SearchType;
  id: number;
  score: number;
  title: string;
  body: string | null;
  tripId: number | null;
};

/**
 * The records ranked, in their order, with their text (from the index row, by its key) and the trip of a stop or
 * meeting. CROSS JOIN keeps the page as the outer loop.
 */
export async function recordsOf(tx: Transaction, ranked: RankedHit[]): Promise<RankedRecord[]> {
  if (ranked.length === 0) return [];
  const { search } = dialectOf(tx.db);
  const rows = await run<{ ord: number; title: string; body: string | null; tripId: number | null }>(
    tx,
    `with page as (${search.postingsPage})
    select page.ord as ord, search_index.title as title, search_index.body as body,
      case page.kind when ${SEARCH_KINDS.stop} then stops.trip_id
        when ${SEARCH_KINDS.meeting} then meeting_stops.trip_id end as "tripId"
    from page
    cross join search_index
    left join stops on page.kind = ${SEARCH_KINDS.stop} and stops.id = page.ref
    left join meetings on page.kind = ${SEARCH_KINDS.meeting} and meetings.id = page.ref
    left join stops as meeting_stops on meeting_stops.id = meetings.stop_id
    where ${search.isPosting}`,
    [JSON.stringify(ranked.map((hit) => [hit.kind, hit.ref]))],
  );
  const byOrder = new Map(rows.map((row) => [Number(row.ord), row]));
  return ranked.flatMap((hit, i) => {
    const row = byOrder.get(i);
    if (row === undefined) return [];
    const tripId = row.tripId === null ? null : Number(row.tripId);
    return [
      { type: typeOfKind(hit.kind), id: hit.ref, score: hit.score, title: row.title, body: row.body, tripId },
    ];
  });
}
