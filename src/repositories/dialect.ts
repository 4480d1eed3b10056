import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { SearchType } from '../schemas/search.js';

// The SQL of the repositories that only SQLite understands, each piece behind a small named helper, so that a
// second engine gives each its own twin and leaves the repositories' queries alone. Each helper says what it means
// and, in one line, what PostgreSQL's twin is. Everything else the repositories write is SQL both engines read
// (drizzle's builders, CASE, COALESCE, row values, `count(*)`, `min`/`max`, `exists`, `in (subquery)`).

/**
 * `column in (the ids)`, the ids bound as one JSON array text under the placeholder `name` (so that a prepared
 * statement's text does not depend on how many there are; SQLite still seeks the column's index for each).
 * PostgreSQL: `column = any($n::int[])`, the ids bound as an array.
 */
export const inIdList = (column: SQLWrapper, name: string): SQL =>
  sql`${column} in (select value from json_each(${sql.placeholder(name)}))`;

/** The value `inIdList` binds: the ids as JSON text. PostgreSQL: the array itself. */
export const idList = (ids: readonly number[]): string => JSON.stringify(ids);

/**
 * A JSON array column has an element meeting `test` (given the element as SQL).
 * PostgreSQL: `exists (select 1 from json_array_elements_text(column) as e(value) where …)`.
 */
export const jsonArrayHas = (column: SQLWrapper, test: (element: SQL) => SQL): SQL =>
  sql`exists (select 1 from json_each(${column}) where ${test(sql`value`)})`;

/**
 * The searchable form of a text (src/domain/text.ts), computed by the SQL function `search_text` that every
 * connection registers (db/client.ts). PostgreSQL: a SQL function of the same name built on `unaccent`.
 */
export const foldedText = (text: SQLWrapper): SQL => sql`search_text(${text})`;

/** `haystack` contains `needle` (both texts, compared as they are). PostgreSQL: `strpos(haystack, needle) > 0`. */
export const textContains = (haystack: SQLWrapper, needle: SQLWrapper | string): SQL =>
  sql`instr(${haystack}, ${needle}) > 0`;

/**
 * Days from `from` to `to` (dates as `YYYY-MM-DD` text), as a number. PostgreSQL: `to::date - from::date`.
 */
export const daysBetween = (from: SQLWrapper, to: SQLWrapper): SQL =>
  sql`julianday(${to}) - julianday(${from})`;

/**
 * The highest value an autoincrement key of `table` ever took, kept even when its rows are deleted (the change
 * feed's high-water mark), or no row. PostgreSQL: the `last_value` of the column's sequence.
 */
export const lastKeyEver = (table: string): SQL => sql`select seq from sqlite_sequence where name = ${table}`;

/**
 * The join that keeps the order written (the left side as the outer loop): SQLite never reorders a CROSS JOIN,
 * the documented way to pin its plan. PostgreSQL: a plain `join` (its planner orders joins by cost).
 */
export const joinInOrder: SQL = sql`cross join`;

/**
 * A column alias in raw SQL, quoted, so that a camelCase name comes back as written (PostgreSQL folds unquoted
 * names to lower case; SQLite takes the quotes as well).
 */
export const alias = (name: string): SQL => sql.raw(`"${name.replaceAll('"', '""')}"`);

/** A count read from raw SQL, as a number (PostgreSQL's driver answers `count(*)`, a bigint, as a string). */
export const asCount = (value: unknown): number => Number(value ?? 0);

// Full-text search. SQLite: one FTS5 table, `search_index` (migrations 0004 and 0010), whose rowid packs the
// record's type into its two low bits (id * 4 + code). PostgreSQL: a table of search documents keyed by (type, id),
// with a weighted `tsvector` column and a GIN index.

/** The code of each type in the low two bits of a search index rowid. */
export const SEARCH_TYPE_CODES = { trip: 0, stop: 1, meeting: 2, participant: 3 } as const satisfies Record<
  SearchType,
  number
>;

/** The index row being read, as one key (its rowid). PostgreSQL: the document's (type, id). */
export const searchRowKey: SQL = sql`rowid`;

/** The record id of the index row being read. PostgreSQL: the row's `id` column. */
export const searchRowRecordId: SQL = sql`rowid / 4`;

/** The index row (read through the table's name) whose key is `key`. PostgreSQL: `(type, id) = …`. */
export const searchRowIs = (key: SQLWrapper): SQL => sql`search_index.rowid = ${key}`;

/** The search index row of the record `id` (an id column or value) of a type. PostgreSQL: `(type, id) = (…)`. */
export const searchRowOf = (id: SQLWrapper, type: SearchType): SQL =>
  sql`rowid = ${id} * 4 + ${sql.raw(String(SEARCH_TYPE_CODES[type]))}`;

/** The ids of the records of a type whose index row meets `where`. */
export const searchIdsWhere = (type: SearchType, where: SQL): SQL =>
  sql`select rowid / 4 from search_index where rowid % 4 = ${sql.raw(String(SEARCH_TYPE_CODES[type]))} and ${where}`;

/**
 * An index row matches the full-text query `query` (FTS5 query syntax), in `column` or, without one, in every
 * indexed column. PostgreSQL: `document @@ to_tsquery('itinerary', …)`, the column as a weight.
 */
export const fullTextMatch = (query: string | SQLWrapper, column?: 'title_words' | 'body_words'): SQL =>
  column === undefined
    ? sql`search_index match ${query}`
    : sql`search_index match ${typeof query === 'string' ? `${column} : (${query})` : query}`;

/**
 * The relevance of the index row being read, lower is better (FTS5's bm25 with a weight per indexed column).
 * PostgreSQL: `-ts_rank(document, query)`, the weights in the tsvector.
 */
export const fullTextScore = (titleWeight: number, bodyWeight: number): SQL =>
  sql`bm25(search_index, ${titleWeight}, ${bodyWeight})`;

/** The record type of the index row being read, from its rowid. PostgreSQL: the row's `type` column. */
export const searchRowType: SQL = sql.raw(
  `case rowid % 4 ${Object.entries(SEARCH_TYPE_CODES)
    .map(([type, code]) => `when ${code} then '${type}'`)
    .join(' ')} end`,
);

/** The index rows of these types only. PostgreSQL: `type in (…)`. */
export const searchRowOfTypes = (types: readonly SearchType[]): SQL =>
  sql`rowid % 4 in (${sql.join(
    types.map((t) => sql.raw(String(SEARCH_TYPE_CODES[t]))),
    sql`, `,
  )})`;
