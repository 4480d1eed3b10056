import { type SQL, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { queryRow, queryRows } from '../db/queries.js';
import { flushSearchIndex } from '../db/search-index.js';
import { fold, searchTokens, wordsWithOffsets } from '../domain/text.js';
import { InvalidInputError } from '../errors.js';
import type { SearchQuery, SearchResult, SearchType } from '../schemas/search.js';
import { alias, asCount, dialectOf, matchExpression } from './dialect.js';
import { type Page, paginate, sortsFor } from './pagination.js';

// Full-text search over the FTS5 index `search_index`, which migration 0010 creates and fills (replacing that of
// 0004), and which its triggers keep in step with every write. FTS5 is SQLite-only: this repository and that
// migration are the only code that knows it, so a PostgreSQL deployment would replace the two (a tsvector column,
// plainto_tsquery, ts_headline) and leave the route alone.
//
// The index holds each record's text twice: as written (`title`, `body`, not indexed, for results and snippets)
// and in its searchable form (`title_words`, `body_words`: domain/text.ts searchText, through the SQL function
// `search_text`), which folds case, accents and letters such as ł, ß and þ, and splits Chinese, Japanese and
// Korean into single characters, so that a word is found inside a run of them. Queries go through the same
// function, so the index and the query always agree.
//
// User text never reaches FTS5 as query syntax. It is split into words the way the index's tokenizer splits
// text, and each word goes in as a quoted FTS5 string, so `AND`, `NEAR(`, `*`, `^`, `col:val` and quotes are
// plain words or nothing at all.

/**
 * What a snippet puts around each match before it becomes HTML. Control characters rather than `<mark>`, because
 * the snippet is made HTML only after its text is escaped (snippetHtml).
 */
const MARK_START = '\u0002';
const MARK_END = '\u0003';

/** bm25 weights of the indexed columns: a match in what a record is called counts ten times one in its text. */
const TITLE_WEIGHT = 10;

/** Words of a snippet around the matches. */
const SNIPPET_WORDS = 16;

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/**
 * The words of user text, split as the index's `unicode61` tokenizer splits text (runs of letters, digits and
 * private-use characters; anything else separates words) and folded as the index's text is (domain/text.ts). A
 * run of Chinese, Japanese or Korean is one word here, which the query makes a phrase of its characters.
 */
export function searchWords(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * A raw snippet as an HTML fragment: the text escaped, the marked matches in `<mark>…</mark>`. The tags come
 * out balanced whatever the text holds (a stored record could contain the marker characters themselves).
 */
export function snippetHtml(raw: string): string {
  let html = '';
  let open = false;
  for (const char of raw) {
    if (char === MARK_START) {
      if (!open) html += '<mark>';
      open = true;
    } else if (char === MARK_END) {
      if (open) html += '</mark>';
      open = false;
    } else {
      html += HTML_ESCAPES[char] ?? char;
    }
  }
  return open ? `${html}</mark>` : html;
}

/**
 * A snippet of a record's text, with markers around the words that match (for snippetHtml): from the title or
 * the body, whichever holds more of the query's words (the body on a tie), cut to the SNIPPET_WORDS words around
 * the most of them, with `…` where text was cut. Words match as the query matched them: folded, whole, and the
 * last one also as a start; a run of Chinese, Japanese or Korean as its characters in a row.
 */
export function snippetOf(title: string, body: string | null, words: string[]): string {
  const terms = words.map((word, i) => ({ tokens: searchTokens(word), prefix: i === words.length - 1 }));
  const candidates = [title, body ?? ''].map((text) => {
    const tokens = wordsWithOffsets(text);
    const marked = new Array<boolean>(tokens.length).fill(false);
    // The terms whose match starts at each word.
    const starts: number[][] = tokens.map(() => []);
    terms.forEach((term, t) => {
      const n = term.tokens.length;
      for (let i = 0; n > 0 && i + n <= tokens.length; i += 1) {
        const matches = term.tokens.every((form, k) => {
          const token = tokens[i + k]?.form ?? '';
          return term.prefix && k === n - 1 ? token.startsWith(form) : token === form;
        });
        if (!matches) continue;
        for (let k = 0; k < n; k += 1) marked[i + k] = true;
        starts[i]?.push(t);
      }
    });
    const found = new Set(starts.flat()).size;
    return { text, tokens, marked, starts, found };
  });
  // The body on a tie: the result carries the title already.
  const [inTitle, inBody] = candidates as [(typeof candidates)[0], (typeof candidates)[0]];
  const best = inBody.found > 0 && inBody.found >= inTitle.found ? inBody : inTitle;
  const { text, tokens, marked, starts } = best;
  if (tokens.length === 0) return text;

  // The window of SNIPPET_WORDS words that holds the most of the query's words, the earliest of equals: slid
  // one word at a time, counting the matches of each term inside it.
  const inWindow = new Array<number>(terms.length).fill(0);
  let distinct = 0;
  const enter = (i: number, step: 1 | -1) => {
    for (const t of starts[i] ?? []) {
      const before = inWindow[t] ?? 0;
      inWindow[t] = before + step;
      if (before === 0 && step === 1) distinct += 1;
      if (before === 1 && step === -1) distinct -= 1;
    }
  };
  for (let i = 0; i < Math.min(SNIPPET_WORDS, tokens.length); i += 1) enter(i, 1);
  let from = 0;
  let most = distinct;
  for (let start = 1; start + SNIPPET_WORDS <= tokens.length; start += 1) {
    enter(start - 1, -1);
    enter(start + SNIPPET_WORDS - 1, 1);
    if (distinct > most) [from, most] = [start, distinct];
  }
  const to = Math.min(tokens.length, from + SNIPPET_WORDS) - 1;
  const cutStart = from > 0;
  const cutEnd = to < tokens.length - 1;
  let raw = cutStart ? '…' : '';
  let at = cutStart ? (tokens[from]?.start ?? 0) : 0;
  for (let i = from; i <= to; i += 1) {
    const token = tokens[i];
    if (!token || token.start < at) continue; // a character that folds to two words is marked once
    raw += text.slice(at, token.start);
    // Marked words that touch (characters of a Chinese word) share one mark.
    const opens = marked[i] && !(marked[i - 1] && i > from && tokens[i - 1]?.end === token.start);
    const closes = marked[i] && !(marked[i + 1] && i < to && tokens[i + 1]?.start === token.end);
    raw += `${opens ? MARK_START : ''}${text.slice(token.start, token.end)}${closes ? MARK_END : ''}`;
    at = token.end;
  }
  raw += cutEnd ? '…' : text.slice(at);
  return raw;
}

type Hit = {
  type: SearchType;
  id: number;
  score: number;
  title: string;
  body: string | null;
  tripId: number | null;
};

// Best first. bm25() is negative and lower is better; for the same data and query it is the same number on
// every request, so it can be a keyset like any column. Type and id make the order total. A write between two
// pages changes the index's statistics and so the scores: a walk across it may miss or repeat a result, as a
// walk in `updatedAt` order may across an update.
const SEARCH_SORTS = sortsFor<Hit, 'rank'>({
  rank: { columns: [sql`hit_score`, sql`hit_type`, sql`hit_id`], key: (h) => [h.score, h.type, h.id] },
});

// Ranking reads the type and id from the rowid (dialect.ts: searchRowType) rather than from the index's stored
// columns: reading those loaded every match's row from the index's content table, which for a common word
// (150,000 matches) was half the cost of the query.

export type SearchRepository = ReturnType<typeof createSearchRepository>;

export function createSearchRepository() {
  return {
    /** A page of the records that match the query text, best first. */
    async search(query: SearchQuery, tx: Transaction): Promise<Page<SearchResult>> {
      const { q, type: types, limit, cursor, count: withCount } = query;
      const words = searchWords(q);
      if (words.length === 0) {
        throw new InvalidInputError([{ field: 'q', message: 'must contain a letter or a digit' }]);
      }
      // The index first takes in the writes made since its last flush (db/search-index.ts).
      await flushSearchIndex(tx);
      const { search, joinInOrder } = dialectOf(tx.db);
      const terms = { words, types };
      // The cursor belongs to the query as the index reads it: the same words and types give the same results.
      const filters = { match: matchExpression(words), types: types ? [...new Set(types)].sort() : null };

      // Ranking reads only the index. The page's rows then meet the index again, by their key, for the text of
      // their snippets, and their stops for the trip to link to; so snippets and joins cost a page, not every
      // match. CROSS JOIN keeps the page as the outer loop (SQLite does not reorder it): otherwise the planner
      // may scan every match and look each up in the page.
      const fetch = async (after: SQL | undefined, order: SQL[], max: number): Promise<Hit[]> =>
        queryRows<Hit>(
          tx,
          sql`
          with ranked as (${search.ranked(terms, TITLE_WEIGHT)}),
          page as (
            select * from ranked ${after ? sql`where ${after}` : sql``}
            order by ${sql.join(order, sql`, `)}
            limit ${max}
          )
          select page.hit_type as type, page.hit_id as id, page.hit_score as score, search_index.title as title,
            search_index.body as body,
            case page.hit_type when 'stop' then stops.trip_id when 'meeting' then meeting_stops.trip_id end
              as ${alias('tripId')}
          from page
          ${joinInOrder} search_index
          left join stops on page.hit_type = 'stop' and stops.id = page.hit_id
          left join meetings on page.hit_type = 'meeting' and meetings.id = page.hit_id
          left join stops as meeting_stops on meeting_stops.id = meetings.stop_id
          where ${search.isHit}
          order by ${sql.join(order, sql`, `)}
        `,
        );

      const countAll = async (): Promise<number> =>
        asCount((await queryRow<{ n: number }>(tx, search.count(terms)))?.n);

      const page = await paginate(
        { limit, cursor, count: withCount },
        SEARCH_SORTS.rank,
        filters,
        fetch,
        countAll,
      );
      return {
        ...page,
        data: page.data.map((hit) => ({
          type: hit.type,
          id: hit.id,
          title: hit.title,
          snippet: snippetHtml(snippetOf(hit.title, hit.body, words)),
          tripId: hit.tripId,
        })),
      };
    },
  };
}
