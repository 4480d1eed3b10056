import { is, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import type { Db } from '../db/connection.js';
import { type Tables, tablesOf } from '../db/tables.js';
import { searchText } from '../domain/text.js';
import type { SearchType } from '../schemas/search.js';

// The SQL of the repositories that one engine spells its own way, each piece behind a named member of `Dialect`,
// so that the repositories' queries stay the same on SQLite and PostgreSQL. Everything else they write is SQL both
// engines read (drizzle's builders, CASE, COALESCE, row values, `count(*)`, `min`/`max`, `exists`,
// `in (subquery)`, double-quoted names). A repository asks for the dialect of the drizzle instance it runs on
// (`dialectOf(db)`, or `scopeOf(db)` for the tables too).

export type Dialect = {
  engine: 'sqlite' | 'postgres';
  /**
   * `column in (the values)`, the values bound as one JSON array text (`idList`) under the placeholder `name`, so
   * that a prepared statement's text does not depend on how many there are (the column's index is still used).
   */
  inIdList(column: SQLWrapper, name: string, type?: 'integer' | 'text'): SQL;
  /** A JSON array column has an element (given to `test` as SQL text) meeting `test`. */
  jsonArrayHas(column: SQLWrapper, test: (element: SQL) => SQL): SQL;
  /** The searchable form of a text (src/domain/text.ts): the SQL function `search_text` on both engines. */
  foldedText(text: SQLWrapper): SQL;
  /** `haystack` contains `needle` (both texts, compared as they are). */
  textContains(haystack: SQLWrapper, needle: SQLWrapper | string): SQL;
  /** Days from `from` to `to` (dates as `YYYY-MM-DD` text), as a number. */
  daysBetween(from: SQLWrapper, to: SQLWrapper): SQL;
  /**
   * The highest value the change feed's key ever took, kept when its rows are deleted (its high-water mark), as a
   * query answering one row with the column `seq`, or none.
   */
  lastChangeEver: SQL;
  /** The join that keeps the order written (the left side as the outer loop). */
  joinInOrder: SQL;
  /** The search index row of the record `id` (an id column or value) of a type. */
  searchRowOf(id: SQLWrapper, type: SearchType): SQL;
  /** The ids of the records of a type whose search index row meets `where`. */
  searchIdsWhere(type: SearchType, where: SQL): SQL;
  /**
   * A search index row matches these words (searchable forms, from search-repository.ts's searchWords), the last
   * one as a prefix when `prefix`, in one column of the searchable text or, without one, in either.
   */
  fullTextMatch(
    words: readonly string[],
    options?: { prefix?: boolean; column?: 'title_words' | 'body_words' },
  ): SQL;
};

/**
 * The FTS5 query for the words: every word must match, and the last one also as the start of a word when
 * `prefix` (type-ahead). Each word is a quoted FTS5 string (a quote would be doubled, though a word never holds
 * one); a run of Chinese, Japanese or Korean becomes the phrase of its characters, as the index holds them.
 */
export function matchExpression(words: readonly string[], prefix = true): string {
  return words
    .map(
      (word, i) =>
        `"${searchText(word).replaceAll('"', '""')}"${prefix && i === words.length - 1 ? '*' : ''}`,
    )
    .join(' AND ');
}

/** The code of each type in the low two bits of an FTS5 search index rowid (SQLite). */
export const SEARCH_TYPE_CODES = { trip: 0, stop: 1, meeting: 2, participant: 3 } as const satisfies Record<
  SearchType,
  number
>;

/**
 * SQLite's spellings: JSON through json_each, the SQL function `search_text` that each connection registers
 * (db/client.ts), instr, julianday, sqlite_sequence, CROSS JOIN (the documented way to pin a join's order), and the
 * FTS5 table `search_index` (migrations 0004 and 0010) whose rowid packs the record's type into its two low bits
 * (id * 4 + code).
 */
export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  inIdList: (column, name) => sql`${column} in (select value from json_each(${sql.placeholder(name)}))`,
  jsonArrayHas: (column, test) => sql`exists (select 1 from json_each(${column}) where ${test(sql`value`)})`,
  foldedText: (text) => sql`search_text(${text})`,
  textContains: (haystack, needle) => sql`instr(${haystack}, ${needle}) > 0`,
  daysBetween: (from, to) => sql`julianday(${to}) - julianday(${from})`,
  lastChangeEver: sql`select seq from sqlite_sequence where name = 'changes'`,
  joinInOrder: sql`cross join`,
  searchRowOf: (id, type) => sql`rowid = ${id} * 4 + ${sql.raw(String(SEARCH_TYPE_CODES[type]))}`,
  searchIdsWhere: (type, where) =>
    sql`select rowid / 4 from search_index where rowid % 4 = ${sql.raw(String(SEARCH_TYPE_CODES[type]))} and ${where}`,
  fullTextMatch: (words, { prefix = false, column } = {}) => {
    const query = matchExpression(words, prefix);
    return sql`search_index match ${column === undefined ? query : `${column} : (${query})`}`;
  },
};

/** The value `inIdList` binds: the values as JSON text. */
export const idList = (ids: readonly (number | string)[]): string => JSON.stringify(ids);

/**
 * A column alias in raw SQL, quoted, so that a camelCase name comes back as written (PostgreSQL folds unquoted
 * names to lower case; SQLite takes the quotes as well).
 */
export const alias = (name: string): SQL => sql.raw(`"${name.replaceAll('"', '""')}"`);

/** A count read from raw SQL, as a number (PostgreSQL's driver answers `count(*)`, a bigint, as a string). */
export const asCount = (value: unknown): number => Number(value ?? 0);

/** What a repository builds its SQL from: the engine's tables and dialect. */
export type Scope = { t: Tables; d: Dialect };

const scopes = new WeakMap<object, Scope>();

/** The dialect of the engine `db` runs on. */
export function dialectOf(db: Db): Dialect {
  return scopeOf(db).d;
}

/** The tables and dialect of the engine `db` runs on (one object per engine: its schema module). */
export function scopeOf(db: Db): Scope {
  const t = tablesOf(db);
  let scope = scopes.get(t);
  if (scope === undefined) {
    if (is(db as unknown, PgDatabase)) throw new Error('the PostgreSQL dialect is not built yet');
    scope = { t, d: sqliteDialect };
    scopes.set(t, scope);
  }
  return scope;
}

/**
 * `build` once per engine (its tables and dialect), the answer kept: for what a module would otherwise compute at
 * load from one engine's tables (sort orders, column lists).
 */
export function perEngine<T>(build: (scope: Scope) => T): (db: Db) => T {
  const built = new WeakMap<Scope, T>();
  return (db) => {
    const scope = scopeOf(db);
    let value = built.get(scope);
    if (value === undefined) {
      value = build(scope);
      built.set(scope, value);
    }
    return value;
  };
}

/**
 * The pieces of SQLite's ranked search (search-repository.ts) over the FTS5 table `search_index`: the row's key
 * (its rowid), the record it indexes (rowid / 4, and the type from the two low bits), and FTS5's bm25.
 */
export const fts5 = {
  /** The index row being read, as one key (its rowid). */
  rowKey: sql`rowid`,
  /** The record id of the index row being read. */
  recordId: sql`rowid / 4`,
  /** The index row (read through the table's name) whose key is `key`. */
  rowIs: (key: SQLWrapper): SQL => sql`search_index.rowid = ${key}`,
  /** The record type of the index row being read, from its rowid. */
  recordType: sql.raw(
    `case rowid % 4 ${Object.entries(SEARCH_TYPE_CODES)
      .map(([type, code]) => `when ${code} then '${type}'`)
      .join(' ')} end`,
  ),
  /** The index rows of these types only. */
  ofTypes: (types: readonly SearchType[]): SQL =>
    sql`rowid % 4 in (${sql.join(
      types.map((t) => sql.raw(String(SEARCH_TYPE_CODES[t]))),
      sql`, `,
    )})`,
  /** The relevance of the index row being read, lower is better (bm25 with a weight per indexed column). */
  score: (titleWeight: number, bodyWeight: number): SQL =>
    sql`bm25(search_index, ${titleWeight}, ${bodyWeight})`,
};
