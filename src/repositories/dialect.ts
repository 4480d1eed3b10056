import { is, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import { ADVISORY_LOCK } from '../db/advisory-locks.js';
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
   * query answering one row with the column `seq`, or none; null where the feed is ordered otherwise (PostgreSQL's
   * orders by transaction up to a horizon, changes-repository.ts).
   */
  lastChangeEver: SQL | null;
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
  /**
   * After rows were written with ids of their own (the seed's), the statement that makes the next generated id of
   * `table` follow the highest one, or null where the engine does so itself (SQLite's AUTOINCREMENT).
   */
  keysCatchUp(table: string): SQL | null;
  /** Ranked full-text search over the index (search-repository.ts). */
  search: RankedSearch;
  /**
   * The database's clock now, plus `offsetMs` milliseconds (negative: earlier), as the ISO-8601 UTC text the
   * tables store (`2026-12-01T03:04:05.678Z`): for times several instances must agree on.
   */
  isoNow(offsetMs: number): SQL;
  /**
   * The statements that lock schedules until the transaction ends (the read-then-write rule of a checked write),
   * waiting for other transactions that hold them; null where transactions already run one at a time (SQLite).
   * `meetingPeople(ids)` takes the lock over every schedule shared, then the locks of the participants (travelers
   * and attendees) and trips of these meetings, in one order for all, until the keys read once they are held are
   * the keys taken (a write that committed meanwhile may have changed them); then it answers, read after the locks,
   * a row per live meeting (neither it nor its trip cancelled, and dated) and attendee: `date`, `travelerId`,
   * `attendeeId` (null for a meeting without attendees). All of it in one statement. `everything` takes the lock
   * over every schedule exclusively.
   */
  scheduleLocks: { meetingPeople: (meetingIds: readonly number[]) => SQL; everything: SQL } | null;
  /**
   * A query answering one row whose `claimed` is true when the transaction may run the periodic maintenance
   * (pruning): taken until it ends, and not while another instance's maintenance runs; null where one process owns
   * the database (SQLite).
   */
  maintenanceClaim: SQL | null;
  /**
   * The statement that makes the transaction wait until no other instance is bringing the data up to date at start
   * (reconciling zones, seeding), and keeps the others waiting until it ends; null where one process owns the
   * database (SQLite).
   */
  startupLock: SQL | null;
};

/** A search's words and the types it is narrowed to (undefined: every type). */
export type SearchTerms = { words: readonly string[]; types: readonly SearchType[] | undefined };

/** The engine's ranked search: its index's rows that match, each with a score, lower is better. */
export type RankedSearch = {
  /**
   * The index rows matching every word (the last also as a prefix), as `hit_doc` (the row's key, for `isHit`),
   * `hit_type`, `hit_id` and `hit_score` (lower is better; the same number for the same data and query), a match in
   * what a record is called weighing `titleWeight` times one in its text.
   */
  ranked(terms: SearchTerms, titleWeight: number): SQL;
  /** The index row (read through the table's name) of the page's row `page`. */
  isHit: SQL;
  /** How many index rows match, as one row with the column `n`. */
  count(terms: SearchTerms): SQL;
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
  fullTextMatch: (words, options) => sqliteFullTextMatch(words, options),
  keysCatchUp: () => null,
  scheduleLocks: null,
  maintenanceClaim: null,
  startupLock: null,
  isoNow: (offsetMs) =>
    sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${sql.raw(`'${offsetMs / 1000} seconds'`)})`,
  // Ranking reads the type and id from the rowid rather than from the index's stored columns: reading those loaded
  // every match's row from the index's content table, which for a common word (150,000 matches) was half the cost
  // of the query.
  search: {
    ranked: ({ words, types }, titleWeight) =>
      sql`select ${fts5.rowKey} as hit_doc, ${fts5.recordType} as hit_type, ${fts5.recordId} as hit_id,
        ${fts5.score(titleWeight, 1)} as hit_score
      from search_index
      where ${sqliteFullTextMatch(words, { prefix: true })} ${types ? sql`and ${fts5.ofTypes(types)}` : sql``}`,
    isHit: sql`search_index.rowid = page.hit_doc`,
    count: ({ words, types }) =>
      sql`select count(*) as n from search_index
      where ${sqliteFullTextMatch(words, { prefix: true })} ${types ? sql`and ${fts5.ofTypes(types)}` : sql``}`,
  },
};

/**
 * The text search query (tsquery) for the words, in the syntax of to_tsquery: every word required (`&`), a run of
 * Chinese, Japanese or Korean as the phrase of its characters (`<->`), the last word also as a prefix when `prefix`
 * (`:*`), each lexeme limited to the title's weight (A) or the body's (B) when `weight` is given. Words are
 * searchable forms of letters and digits (searchWords); each is quoted as a lexeme all the same.
 */
export function tsQueryText(words: readonly string[], prefix = true, weight?: 'A' | 'B'): string {
  const quote = (lexeme: string) => `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  return words
    .map((word, i) => {
      const lexemes = searchText(word).split(' ').filter(Boolean);
      const marked = lexemes.map((lexeme, j) => {
        const asPrefix = prefix && i === words.length - 1 && j === lexemes.length - 1;
        const labels = `${asPrefix ? '*' : ''}${weight ?? ''}`;
        return labels ? `${quote(lexeme)}:${labels}` : quote(lexeme);
      });
      return marked.length > 1 ? `(${marked.join(' <-> ')})` : (marked[0] ?? '');
    })
    .join(' & ');
}

/** A search type as the PostgreSQL index's `type` column holds it (its name), as an SQL literal. */
const typeLiteral = (type: SearchType): SQL => sql.raw(`'${type}'`);

/**
 * PostgreSQL's spellings: JSON through json_array_elements_text, lists as arrays (`= any(…)`), strpos, date
 * subtraction, the identity sequence of `changes`, the SQL function `search_text` of migration 0002 (on unaccent),
 * and that migration's table `search_index`, one row per record keyed by (type, ref_id), with a tsvector `document`
 * whose title words weigh A and body words B.
 */
export const postgresDialect: Dialect = {
  engine: 'postgres',
  // The JSON array text becomes an array literal: `[1,2]` is `{1,2}`, `["AF","MX"]` is `{"AF","MX"}` (ids and
  // country codes hold no character the two syntaxes spell differently).
  inIdList: (column, name, type = 'integer') =>
    sql`${column} = any(cast(translate(${sql.placeholder(name)}, '[]', '{}') as ${sql.raw(type)}[]))`,
  jsonArrayHas: (column, test) =>
    sql`exists (select 1 from json_array_elements_text(${column}) as element(value) where ${test(sql`element.value`)})`,
  foldedText: (text) => sql`search_text(${text})`,
  textContains: (haystack, needle) => sql`strpos(${haystack}, ${needle}) > 0`,
  daysBetween: (from, to) => sql`(cast(${to} as date) - cast(${from} as date))`,
  lastChangeEver: null,
  joinInOrder: sql`cross join`,
  searchRowOf: (id, type) => sql`type = ${typeLiteral(type)} and ref_id = ${id}`,
  searchIdsWhere: (type, where) =>
    sql`select ref_id from search_index where type = ${typeLiteral(type)} and ${where}`,
  fullTextMatch: (words, { prefix = false, column } = {}) => {
    const weight = column === 'title_words' ? 'A' : column === 'body_words' ? 'B' : undefined;
    return sql`document @@ to_tsquery('simple', ${tsQueryText(words, prefix, weight)})`;
  },
  // ts_rank with the title's words (A) weighing titleWeight times the body's (B), divided by 1 + the log of the
  // document's length (normalization 1), as bm25 favours short fields; negated, so that lower is better.
  search: {
    ranked: ({ words, types }, titleWeight) =>
      sql`select null as hit_doc, type as hit_type, ref_id as hit_id,
        -cast(ts_rank(${`{0, 0, ${1 / titleWeight}, 1}`}, document, query, 1) as double precision) as hit_score
      from search_index, to_tsquery('simple', ${tsQueryText(words, true)}) as query
      where document @@ query ${types ? sql`and type in (${sql.join(types.map(typeLiteral), sql`, `)})` : sql``}`,
    isHit: sql`search_index.type = page.hit_type and search_index.ref_id = page.hit_id`,
    count: ({ words, types }) =>
      sql`select count(*) as n from search_index
      where document @@ to_tsquery('simple', ${tsQueryText(words, true)})
        ${types ? sql`and type in (${sql.join(types.map(typeLiteral), sql`, `)})` : sql``}`,
  },
  isoNow: (offsetMs) =>
    sql`to_char((statement_timestamp() + ${sql.raw(`interval '${offsetMs} milliseconds'`)}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  // Transaction-level advisory locks (released at COMMIT or ROLLBACK), keyed (kind, id): the lock over every
  // schedule first, then participants and trips in ascending order, so that two writes never wait for each other
  // in opposite orders. The keys are read without regard to status, so a cancelled trip's schedule is locked too.
  scheduleLocks: {
    // PostgreSQL migration 0007's function: the locks, their keys read again until they hold still, and the people of the
    // meetings, in one round trip (it had been three: the locks, their keys again, the people).
    meetingPeople: (meetingIds) =>
      sql`select meeting_date as "date", traveler as "travelerId", attendee as "attendeeId"
        from itinerary_lock_meeting_schedules(cast(translate(${idList(meetingIds)}, '[]', '{}') as integer[]),
          ${sql.raw(String(ADVISORY_LOCK.schedules))}, ${sql.raw(String(ADVISORY_LOCK.tripSchedule))},
          ${sql.raw(String(ADVISORY_LOCK.participantSchedule))})`,
    everything: sql`select pg_advisory_xact_lock(${sql.raw(String(ADVISORY_LOCK.schedules))}, 0)`,
  },
  // Tried, not waited for: an instance whose claim fails leaves the work to the one that holds it.
  maintenanceClaim: sql`select pg_try_advisory_xact_lock(${sql.raw(String(ADVISORY_LOCK.maintenance))}) as claimed`,
  // Waited for: the second instance to start finds the seed written and the zones reconciled.
  startupLock: sql`select pg_advisory_xact_lock(${sql.raw(String(ADVISORY_LOCK.startup))})`,
  keysCatchUp: (table) =>
    sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) from ${sql.identifier(table)}`,
};

/** FTS5's MATCH (see Dialect.fullTextMatch). */
function sqliteFullTextMatch(
  words: readonly string[],
  { prefix = false, column }: { prefix?: boolean; column?: 'title_words' | 'body_words' } = {},
): SQL {
  const query = matchExpression(words, prefix);
  return sql`search_index match ${column === undefined ? query : `${column} : (${query})`}`;
}

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
    scope = { t, d: is(db as unknown, PgDatabase) ? postgresDialect : sqliteDialect };
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
