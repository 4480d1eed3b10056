import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { InvalidInputError } from '../errors.js';
import type { SearchQuery, SearchResult, SearchType } from '../schemas/search.js';
import { type Page, paginate, sortsFor } from './pagination.js';

// Full-text search over the FTS5 index `search_index`, which migration 0004 creates and fills, and which its
// triggers keep in step with every write. FTS5 is SQLite-only: this repository and that migration are the only
// code that knows it, so a PostgreSQL deployment would replace the two (a tsvector column, plainto_tsquery,
// ts_headline) and leave the route alone.
//
// User text never reaches FTS5 as query syntax. It is split into words the way the index's tokenizer splits
// text, and each word goes in as a quoted FTS5 string, so `AND`, `NEAR(`, `*`, `^`, `col:val` and quotes are
// plain words or nothing at all.

/**
 * What snippet() puts around each match. Control characters rather than `<mark>`, because the snippet is made
 * HTML only after its text is escaped (snippetHtml), and SQL cannot escape HTML.
 */
const MARK_START = '\u0002';
const MARK_END = '\u0003';

/** bm25 weights of the indexed columns: a match in what a record is called counts ten times one in its text. */
const TITLE_WEIGHT = 10;
const BODY_WEIGHT = 1;

/** Words of a snippet around the matches (FTS5 allows 64 at most). */
const SNIPPET_WORDS = 16;

/**
 * The statements that fill an empty index, one per resource. Migration 0004 ends with the same statements, to
 * index the rows that exist before it, and its triggers run them for one row at a time; tests check both.
 */
export const REBUILD_SEARCH_INDEX_SQL = [
  'INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)\n' +
    "SELECT `id` * 4 + 0, `title`, concat_ws(' · ', `summary`,\n" +
    "    (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))), 'trip', `id`\n" +
    '  FROM `trips`;',
  'INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)\n' +
    "SELECT `id` * 4 + 1, `city`, `notes`, 'stop', `id`\n" +
    '  FROM `stops`;',
  'INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)\n' +
    "SELECT `id` * 4 + 2, `title`, concat_ws(' · ', `description`,\n" +
    "    (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))), 'meeting', `id`\n" +
    '  FROM `meetings`;',
  'INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)\n' +
    "SELECT `id` * 4 + 3, `name`, concat_ws(' · ', `title`, `organization`), 'participant', `id`\n" +
    '  FROM `participants`;',
];

/** Empties the index and indexes every record again, in one transaction: a repair tool, as triggers keep it. */
export function rebuildSearchIndex(db: Db): void {
  db.transaction((tx) => {
    tx.run(sql`delete from search_index`);
    for (const statement of REBUILD_SEARCH_INDEX_SQL) tx.run(sql.raw(statement));
  });
}

/**
 * The words of user text, split as the index's `unicode61` tokenizer splits text: runs of letters, digits and
 * private-use characters (its token characters); anything else separates words. NFC first, so a letter typed as
 * a base letter and a combining accent is the one letter that stored text holds.
 */
export function searchWords(text: string): string[] {
  return text.normalize('NFC').match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];
}

/**
 * The FTS5 query for the words: every word must match, and the last one also as the start of a word, for
 * type-ahead. Each word is a quoted FTS5 string (a quote would be doubled, though a word never holds one).
 */
export function matchExpression(words: string[]): string {
  return words
    .map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`)
    .join(' AND ');
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

type Hit = {
  type: SearchType;
  id: number;
  score: number;
  title: string;
  snippet: string;
  tripId: number | null;
};

// Best first. bm25() is negative and lower is better; for the same data and query it is the same number on
// every request, so it can be a keyset like any column. Type and id make the order total. A write between two
// pages changes the index's statistics and so the scores: a walk across it may miss or repeat a result, as a
// walk in `updatedAt` order may across an update.
const SEARCH_SORTS = sortsFor<Hit, 'rank'>({
  rank: { columns: [sql`hit_score`, sql`hit_type`, sql`hit_id`], key: (h) => [h.score, h.type, h.id] },
});

/**
 * The type a rowid packs in its two low bits (see migration 0004 and REBUILD_SEARCH_INDEX_SQL). Ranking reads the
 * type and id from the rowid rather than from the index's stored columns: reading those loaded every match's row
 * from the index's content table, which for a common word (150,000 matches) was half the cost of the query.
 */
const TYPE_CODES = { trip: 0, stop: 1, meeting: 2, participant: 3 } as const satisfies Record<
  SearchType,
  number
>;
const TYPE_OF_ROWID = sql.raw(
  `case rowid % 4 ${Object.entries(TYPE_CODES)
    .map(([type, code]) => `when ${code} then '${type}'`)
    .join(' ')} end`,
);

export type SearchRepository = ReturnType<typeof createSearchRepository>;

export function createSearchRepository(db: Db) {
  return {
    /** A page of the records that match the query text, best first. */
    search(query: SearchQuery): Page<SearchResult> {
      const { q, type: types, limit, cursor, count: withCount } = query;
      const words = searchWords(q);
      if (words.length === 0) {
        throw new InvalidInputError([{ field: 'q', message: 'must contain a letter or a digit' }]);
      }
      const match = matchExpression(words);
      const ofTypes = types
        ? sql`and rowid % 4 in (${sql.join(
            types.map((t) => sql.raw(String(TYPE_CODES[t]))),
            sql`, `,
          )})`
        : sql``;
      // The cursor belongs to the query as the index reads it: the same words and types give the same results.
      const filters = { match, types: types ? [...new Set(types)].sort() : null };

      // Ranking reads only the index. The page's rows then meet the index again, by rowid and with the same
      // MATCH, for snippet() (which needs the full-text query), and their stops for the trip to link to; so
      // snippets and joins cost a page, not every match. CROSS JOIN keeps the page as the outer loop (SQLite
      // does not reorder it): otherwise the planner may scan every match and look each up in the page.
      const fetch = (after: SQL | undefined, order: SQL[], max: number): Hit[] =>
        db.all<Hit>(sql`
          with ranked as (
            select rowid as hit_doc, ${TYPE_OF_ROWID} as hit_type, rowid / 4 as hit_id,
              bm25(search_index, ${TITLE_WEIGHT}, ${BODY_WEIGHT}) as hit_score
            from search_index
            where search_index match ${match} ${ofTypes}
          ),
          page as (
            select * from ranked ${after ? sql`where ${after}` : sql``}
            order by ${sql.join(order, sql`, `)}
            limit ${max}
          )
          select page.hit_type as type, page.hit_id as id, page.hit_score as score, search_index.title as title,
            snippet(search_index, -1, ${MARK_START}, ${MARK_END}, '…', ${SNIPPET_WORDS}) as snippet,
            case page.hit_type when 'stop' then stops.trip_id when 'meeting' then meeting_stops.trip_id end
              as tripId
          from page
          cross join search_index
          left join stops on page.hit_type = 'stop' and stops.id = page.hit_id
          left join meetings on page.hit_type = 'meeting' and meetings.id = page.hit_id
          left join stops as meeting_stops on meeting_stops.id = meetings.stop_id
          where search_index.rowid = page.hit_doc and search_index match ${match}
          order by ${sql.join(order, sql`, `)}
        `);

      const countAll = (): number =>
        db.get<{ n: number }>(
          sql`select count(*) as n from search_index where search_index match ${match} ${ofTypes}`,
        )?.n ?? 0;

      const page = paginate({ limit, cursor, count: withCount }, SEARCH_SORTS.rank, filters, fetch, countAll);
      return {
        ...page,
        data: page.data.map((hit) => ({
          type: hit.type,
          id: hit.id,
          title: hit.title,
          snippet: snippetHtml(hit.snippet),
          tripId: hit.tripId,
        })),
      };
    },
  };
}
