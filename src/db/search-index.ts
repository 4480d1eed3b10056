import { sql } from 'drizzle-orm';
import type { SearchType } from '../schemas/search.js';
import type { Transaction } from './handle.js';
import { runStatement } from './queries.js';

// SQLite's search index (an FTS5 table, migrations 0004 and 0010) is filled by SQL of its own: the statements the
// index's triggers run for one record, and the ones that fill an empty index, which migration 0010 ends with. They
// are kept here, with the engine, as the text the migration holds (tests compare the two); the repositories read
// the index through src/repositories/dialect.ts. PostgreSQL's twin: a table of search documents whose tsvector
// its triggers compute.

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

/** The statement a trigger runs for the record NEW of a type (migration 0010 holds them as written here). */
export const indexOneSql = (type: SearchType): string =>
  indexStatement(SOURCES[type], ' WHERE `id` = NEW.`id`');

/**
 * Empties the index and indexes every record again, in the transaction it is given: a repair tool, as triggers
 * keep the index.
 */
export async function rebuildSearchIndex(tx: Transaction): Promise<void> {
  await runStatement(tx, sql`delete from search_index`);
  for (const statement of REBUILD_SEARCH_INDEX_SQL) await runStatement(tx, sql.raw(statement));
}
