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

/** How deep the rounds of the threshold algorithm read the rarest word's list, per type. */
const DEPTHS = [256, 4096];

/** Up to how many records the rarest word may be in for its whole list to be read (about 1 ms per 2,000 on SQLite). */
const WHOLE_LIST = 8000;

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
  // The rarest word's list is read best first, in rounds, each record read looked up in the other words' lists;
  // when few records hold that word, it is read whole at once.
  const rarest = statistics.matching.indexOf(Math.min(...statistics.matching));
  const whole = (statistics.matching[rarest] ?? 0) <= WHOLE_LIST;
  let best: RankedHit[] = [];
  for (const depth of whole ? [Number.POSITIVE_INFINITY] : [...DEPTHS, Number.POSITIVE_INFINITY]) {
    const round = await readRarest(tx, terms, kinds, rarest, depth, statistics);
    best = pageOf(round.hits);
    const last = best.at(-1);
    const beaten = (bound: Bound) =>
      last !== undefined &&
      (-last.score > bound.score ||
        (-last.score === bound.score &&
          (bound.kind > last.kind || (bound.kind === last.kind && bound.ref >= last.ref))));
    if (round.bounds.length === 0 || (best.length === want && round.bounds.every(beaten))) return best;
    // Common words whose best records the rounds could not prove best (long runs of equal impacts): the best of
    // the records read, when they fill the page, rather than every match scored.
    if (depth === DEPTHS.at(-1) && best.length === want) return best;
  }
  return best;
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
 * A round of the threshold algorithm over the rarest word's list: its first `depth` rows of each type (all of
 * them when infinite), each looked up in the other words' lists (the table's key), the records that hold every
 * word scored. Per type whose list was not read to its end, the bound: the best score a record not read could
 * have (the last impact read of the rarest word, the best impact of each other word), and the ref after which a
 * record with that very score comes (lists are read in (impact desc, ref) order).
 */
async function readRarest(
  tx: Transaction,
  terms: readonly Term[],
  kinds: number[],
  rarest: number,
  depth: number,
  statistics: Statistics,
): Promise<{ hits: RankedHit[]; bounds: Bound[] }> {
  const limited = Number.isFinite(depth);
  const { inOrder } = dialectOf(tx.db).search;
  const params: unknown[] = [];
  const joins: string[] = [];
  const keys: string[] = [];
  const columns = terms.map((_, i) => {
    if (i === rarest) return `s.frequency as f${i}, s.exact_frequency as x${i}`;
    joins.push(`${inOrder} search_index_postings as p${i}`);
    keys.push(`p${i}.term = ? and p${i}.kind = s.kind and p${i}.ref = s.ref`);
    return `p${i}.frequency as f${i}, p${i}.exact_frequency as x${i}`;
  });
  const read = kinds.map((kind) => {
    params.push(terms[rarest]?.term, kind, ...(limited ? [depth] : []));
    return `select * from (select kind, ref, length, frequency, exact_frequency from search_index_postings
      where term = ? and kind = ?${limited ? ' order by impact desc, ref limit ?' : ''}) as read${kind}`;
  });
  for (const [i, term] of terms.entries()) if (i !== rarest) params.push(term.term);
  // After the records (part 0): per type, the last row read of the rarest word (word -1) and the best row of
  // each other word (part 1: the word in ref, the impact in f0, the ref in x0).
  const ends: string[] = [];
  const fill = terms
    .slice(1)
    .map((_, j) => `, 0 as f${j + 1}, 0 as x${j + 1}`)
    .join('');
  if (limited) {
    for (const kind of kinds) {
      for (const [i, term] of terms.entries()) {
        const word = i === rarest ? -1 : i;
        ends.push(`select * from (select 1 as part, kind, ${word} as ref, 0 as length, impact as f0, ref as x0${fill}
          from search_index_postings where term = ? and kind = ? order by impact desc, ref
          limit 1 offset ?) as end${i}_${kind}`);
        params.push(term.term, kind, i === rarest ? depth - 1 : 0);
      }
    }
  }
  // In order: the rows read stay the outer loop (SQLite keeps the order written), each looked up by key.
  const rows = await run<Record<string, number>>(
    tx,
    `select 0 as part, s.kind, s.ref, s.length, ${columns.join(', ')}
    from (${read.join(' union all ')}) as s ${joins.join(' ')}${keys.length > 0 ? ` where ${keys.join(' and ')}` : ''}
    ${ends.map((end) => `union all ${end}`).join(' ')}`,
    params,
  );
  const weights = statistics.matching.map((matching) => idf(statistics.records, matching));
  const found: Record<string, number>[] = [];
  // Per type: the last row read of the rarest word (or none: read to its end) and the best impact of the others.
  const lastRead = new Map<number, { impact: number; ref: number }>();
  const bestOf = new Map<number, number[]>(kinds.map((kind) => [kind, terms.map(() => 0)]));
  for (const row of rows) {
    if (Number(row.part) === 0) {
      found.push(row);
      continue;
    }
    const kind = Number(row.kind);
    const word = Number(row.ref);
    if (word === -1) lastRead.set(kind, { impact: Number(row.f0), ref: Number(row.x0) });
    else {
      const impacts = bestOf.get(kind);
      if (impacts) impacts[word] = Number(row.f0);
    }
  }
  const bounds: Bound[] = [];
  for (const [kind, last] of lastRead) {
    const impacts = bestOf.get(kind) ?? [];
    impacts[rarest] = last.impact;
    const score = impacts.reduce((sum, value, i) => sum + (weights[i] ?? 0) * value, 0);
    bounds.push({ kind, score, ref: last.ref });
  }
  return { hits: scored(found, terms, statistics), bounds };
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
 * meeting, the page as the outer loop (dialect.ts postingsText).
 */
export async function recordsOf(tx: Transaction, ranked: RankedHit[]): Promise<RankedRecord[]> {
  if (ranked.length === 0) return [];
  const { search } = dialectOf(tx.db);
  const rows = await run<{ ord: number; title: string; body: string | null; tripId: number | null }>(
    tx,
    `with page as (${search.postingsPage})
    select page.ord as ord, ${search.postingsText.title} as title, ${search.postingsText.body} as body,
      case page.kind when ${SEARCH_KINDS.stop} then stops.trip_id
        when ${SEARCH_KINDS.meeting} then meeting_stops.trip_id end as "tripId"
    from page
    ${search.postingsText.from}
    left join stops on page.kind = ${SEARCH_KINDS.stop} and stops.id = page.ref
    left join meetings on page.kind = ${SEARCH_KINDS.meeting} and meetings.id = page.ref
    left join stops as meeting_stops on meeting_stops.id = meetings.stop_id`,
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
