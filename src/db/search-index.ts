import type { Statement } from 'better-sqlite3';
import type { SearchType } from '../schemas/search.js';
import { type Db, engineConnectionOf } from './connection.js';
import type { Database } from './driver.js';

// SQLite's search index (an FTS5 table, migrations 0004 and 0010) is filled by SQL of its own: the statements the
// index's triggers run for one record, and the ones that fill an empty index, which migration 0010 ends with. They
// are kept here, with the engine, as the text the migration holds (tests compare the two); the repositories read
// the index through src/repositories/dialect.ts. PostgreSQL's twin: a table of search documents whose tsvector
// its triggers compute.
//
// Since migration 0014 SQLite's triggers no longer index a record in the write's transaction: they note its index
// rowid in `search_pending`, and flushSearchIndex indexes the noted records in one batch. Everything that reads the
// index calls it first (search, the text filters: read-your-writes), and the database handle calls it every
// FLUSH_INTERVAL_MS in between, so that the batch a reader pays for stays small. (Transactions are typed by their
// shape here, `{ db }`, because handle.ts imports this file.)

/** The columns of the index that each statement fills, in order. */
const COLUMNS = '(`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)';

/**
 * The statement that indexes the records of one table: `source` selects each record's `doc` (its rowid in the
 * index: the id times four plus the type's code), `title`, `body`, `type` and `ref_id`. `where` narrows it to one
 * record, for the triggers.
 */
const indexStatement = (source: string, where = '') =>
  `INSERT INTO \`search_index\` ${COLUMNS}\n` +
  'SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (\n' +
  `  ${source}${where}\n);`;

const SOURCES = {
  trip:
    "SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,\n" +
    "      (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,\n" +
    '      `id` AS `ref_id`\n' +
    '    FROM `trips`',
  stop:
    "SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`\n" +
    '    FROM `stops`',
  meeting:
    "SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,\n" +
    "      (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,\n" +
    '      `id` AS `ref_id`\n' +
    '    FROM `meetings`',
  participant:
    "SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,\n" +
    "      'participant' AS `type`, `id` AS `ref_id`\n" +
    '    FROM `participants`',
} as const satisfies Record<SearchType, string>;

/**
 * The statements that fill an empty index, one per resource. Migration 0010 ends with the same statements, to
 * index the rows that exist before it, and its triggers run them for one row at a time; tests check both.
 */
export const REBUILD_SEARCH_INDEX_SQL = Object.values(SOURCES).map((source) => indexStatement(source));

/** The statement a trigger of migration 0010 ran for the record NEW of a type (that migration holds them so). */
export const indexOneSql = (type: SearchType): string =>
  indexStatement(SOURCES[type], ' WHERE `id` = NEW.`id`');

/** How often, in ms, the database handle indexes the records noted since its last flush (when there are some). */
export const FLUSH_INTERVAL_MS = 200;

/**
 * The statements of a flush, in order: drop the noted records from the index, index those whose row exists (a
 * deleted record is only dropped), forget the notes. `doc` packs the type in its two low bits, as the index's rowid.
 */
export const FLUSH_SEARCH_INDEX_SQL = [
  'DELETE FROM `search_index` WHERE `rowid` IN (SELECT `doc` FROM `search_pending`);',
  ...(Object.keys(SOURCES) as SearchType[]).map((type, code) =>
    indexStatement(
      SOURCES[type],
      ` WHERE \`id\` IN (SELECT \`doc\` / 4 FROM \`search_pending\` WHERE \`doc\` % 4 = ${code})`,
    ),
  ),
  'DELETE FROM `search_pending`;',
];

/**
 * A connection's flush, prepared once. `flush()` runs it and `changes` counts the rows all its flushes wrote, which
 * SQLite's total_changes() counts as writes: the handle's generation leaves them out (handle.ts), as a flush
 * changes nothing a reader could have seen (each reader of the index flushes first).
 */
export type SearchIndexFlusher = { flush(): void; changes: number };

const flushers = new WeakMap<Database, SearchIndexFlusher>();

/**
 * The flush of the search index on an SQLite connection, its statements prepared on first use. A flush runs in a
 * transaction of its own (a savepoint inside an open one, which then commits or rolls back with it) and costs one
 * lookup when nothing was noted. Throws the engine's error when it fails, its work rolled back and the notes kept.
 */
export function searchIndexFlusher(sqlite: Database): SearchIndexFlusher {
  const known = flushers.get(sqlite);
  if (known !== undefined) return known;
  // Prepared at the first flush: a handle may open a database that its migrations have not reached yet.
  let prepared: { anyNoted: Statement; totalChanges: Statement; flushAll: () => void } | undefined;
  const prepare = () => {
    const statements = FLUSH_SEARCH_INDEX_SQL.map((text) => sqlite.prepare(text));
    return {
      anyNoted: sqlite.prepare('SELECT 1 FROM `search_pending` LIMIT 1').pluck(),
      totalChanges: sqlite.prepare('SELECT total_changes()').pluck(),
      flushAll: sqlite.transaction(() => {
        for (const statement of statements) statement.run();
      }),
    };
  };
  const flusher: SearchIndexFlusher = {
    changes: 0,
    flush: () => {
      prepared ??= prepare();
      const { anyNoted, totalChanges, flushAll } = prepared;
      if (anyNoted.get() === undefined) return;
      const before = totalChanges.get() as number;
      try {
        flushAll();
      } finally {
        flusher.changes += (totalChanges.get() as number) - before;
      }
    },
  };
  flushers.set(sqlite, flusher);
  return flusher;
}

/**
 * Indexes the records written since the last flush, so that what reads the search index next sees every write made
 * before it (src/repositories: search and the text filters call it first). SQLite only; PostgreSQL's triggers index
 * in the write's transaction, so there it does nothing. Throws the engine's error if the flush fails (its
 * transaction is rolled back and the notes are kept).
 */
export async function flushSearchIndex(tx: { db: Db }): Promise<void> {
  const connection = engineConnectionOf(tx);
  if (connection.engine === 'sqlite') searchIndexFlusher(connection.sqlite).flush();
}

/**
 * Empties the index and indexes every record again, in the transaction it is given (SQLite's; throws for another
 * engine's): a repair tool, as the triggers and flushes keep the index.
 */
export async function rebuildSearchIndex(tx: { db: Db }): Promise<void> {
  const connection = engineConnectionOf(tx);
  if (connection.engine !== 'sqlite') throw new Error("rebuildSearchIndex rebuilds SQLite's index only");
  connection.sqlite.exec('DELETE FROM `search_index`; DELETE FROM `search_pending`;');
  for (const statement of REBUILD_SEARCH_INDEX_SQL) connection.sqlite.exec(statement);
}
