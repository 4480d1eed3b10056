// BM25 as SQLite's FTS5 computes it (its bm25() function), split so that most of it can be stored: for one term, a
// record's contribution is idf(term) × impact(weighted term frequency, record length), and the impact depends on
// the record alone. The search index's postings (db/search-index.ts) store each record's impact for each term, so
// that the best records of a term are the first rows of an index, read in order, rather than every match scored.
//
// FTS5's bm25 with the weights (title 10, body 1): for each query phrase, idf × f × (k1 + 1) / (f + k1 × (1 − b +
// b × D / avgdl)), where f is 10 × the phrase's hits in the title + its hits in the body, D the record's tokens in
// both columns, avgdl the average D, and idf = ln((N − n + 0.5) / (n + 0.5)) (1e-6 when that is not positive) for N
// records of which n match. The one difference: avgdl is the index's (`search_index_settings`), fixed when the
// index is built, so that the stored impacts stay right as records come and go; FTS5 computes it at each query.

/** BM25's term-frequency saturation (FTS5's value). */
export const BM25_K1 = 1.2;
/** BM25's length normalization (FTS5's value). */
export const BM25_B = 0.75;
/** How much a hit in what a record is called (title, city, name) weighs against one in its text. */
export const TITLE_WEIGHT = 10;
/** The average record length the index uses when it is built empty (the records of this API average 10 to 11). */
export const DEFAULT_AVERAGE_LENGTH = 10;
/** The shortest prefix of a word that the postings hold as a term of its own; shorter words are held whole. */
export const SHORTEST_PREFIX = 3;

/**
 * A record's impact for a term: `frequency` is the weighted number of hits (TITLE_WEIGHT per hit in the title, 1
 * per hit in the body), `length` the record's tokens, `averageLength` the index's average. 0 for no hit; never
 * more than k1 + 1. The triggers compute the same number in SQL (search-index.ts impactSql).
 */
export function impact(frequency: number, length: number, averageLength: number): number {
  if (frequency <= 0) return 0;
  // The literals of BM25_K1 + 1, BM25_K1, 1 - BM25_B and BM25_B, in the order the SQL computes them, so that both
  // give the same double.
  return (frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * length) / averageLength));
}

/** BM25's idf of a term found in `matching` of `records` records, as FTS5 computes it. */
export function idf(records: number, matching: number): number {
  const value = Math.log((records - matching + 0.5) / (matching + 0.5));
  return value > 0 ? value : 1e-6;
}

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/**
 * The postings of a record, from its searchable title and body (domain/text.ts searchText, as the index holds
 * them): one row per term, `[term, frequency, exactFrequency, length]`. The terms are every prefix of each word
 * from SHORTEST_PREFIX letters to the whole word, and shorter words whole; `frequency` counts the hits of the term
 * as a prefix (the words that start with it, as FTS5 counts `"term"*`), `exactFrequency` those of the term as a
 * whole word, both weighted (TITLE_WEIGHT in the title); `length` is the record's number of words. Letters are
 * counted as code points, as PostgreSQL's substr does.
 */
export function searchPostings(
  titleWords: string | null,
  bodyWords: string | null,
): [string, number, number, number][] {
  const counts = new Map<string, [number, number]>();
  let length = 0;
  const add = (text: string | null, weight: number) => {
    for (const word of text?.match(WORD) ?? []) {
      length += 1;
      const letters = Array.from(word);
      let prefix = '';
      for (let i = 0; i < letters.length; i += 1) {
        prefix += letters[i];
        if (i + 1 < Math.min(SHORTEST_PREFIX, letters.length)) continue;
        let entry = counts.get(prefix);
        if (entry === undefined) {
          entry = [0, 0];
          counts.set(prefix, entry);
        }
        entry[0] += weight;
        if (i === letters.length - 1) entry[1] += weight;
      }
    }
  };
  add(titleWords, TITLE_WEIGHT);
  add(bodyWords, 1);
  return [...counts].map(([term, [frequency, exact]]) => [term, frequency, exact, length]);
}
