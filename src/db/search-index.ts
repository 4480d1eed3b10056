import { sql } from 'drizzle-orm';
import { DEFAULT_AVERAGE_LENGTH } from '../domain/ranking.js';
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
  for (const statement of [...REBUILD_SEARCH_INDEX_SQL, ...REBUILD_SEARCH_POSTINGS_SQL]) {
    await runStatement(tx, sql.raw(statement));
  }
}

/**
 * Counts again how many records each term of the index is found in (the statistics idf reads), in the transaction
 * it is given. A full pass over the postings: seconds for 200,000 records.
 */
export async function refreshSearchStatistics(tx: Transaction): Promise<void> {
  for (const statement of REFRESH_SEARCH_STATISTICS_SQL) await runStatement(tx, sql.raw(statement));
}

// The postings beside the FTS5 table (migration 0014): one row per (term, record), with the record's BM25 impact
// for the term (domain/ranking.ts), kept by the same triggers in the same statements' transaction. A term is
// every prefix of a word from three letters on, and a shorter word whole. The table's key (term, kind, ref) serves
// lookups of one record's terms; the index (term, kind, impact desc, ref) gives a term's best records first. `kind`
// orders the types as their names sort, so that (kind, ref) is the (type, id) that breaks ties in the ranking.

/** The code of each type in the postings' `kind` column: the types in the order of their names. */
export const SEARCH_KINDS = { meeting: 0, participant: 1, stop: 2, trip: 3 } as const satisfies Record<
  SearchType,
  number
>;

/** The code of each type in the low two bits of an FTS5 rowid (migration 0004), for the triggers. */
const ROWID_CODES = { trip: 0, stop: 1, meeting: 2, participant: 3 } as const satisfies Record<
  SearchType,
  number
>;

/**
 * The impact (domain/ranking.ts `impact`) of a weighted frequency and a length given as SQL, with the index's
 * average length: the same arithmetic on both engines, in double precision.
 */
export const impactSql = (frequency: string, length: string, averageLength: string): string =>
  `(${frequency} * 2.2) / (${frequency} + 1.2 * (0.25 + 0.75 * ${length} / ${averageLength}))`;

const AVERAGE_LENGTH = '(SELECT `average_length` FROM `search_index_settings`)';

/** Inserts the postings of the index rows that `where` selects (`search_index` read under that name). */
const insertPostings = (kind: string, ref: string, where: string) =>
  'INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)\n' +
  `  SELECT \`value\` ->> 0, ${kind}, ${ref}, \`value\` ->> 1, \`value\` ->> 2, \`value\` ->> 3,\n` +
  `    ${impactSql('(`value` ->> 1)', '(`value` ->> 3)', AVERAGE_LENGTH)}\n` +
  '  FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))\n' +
  `  ${where}`;

/** The statement a trigger runs, after the FTS5 row of NEW is written, to add its postings. */
export const insertPostingsSql = (type: SearchType): string =>
  insertPostings(
    String(SEARCH_KINDS[type]),
    'NEW.`id`',
    `WHERE \`search_index\`.\`rowid\` = NEW.\`id\` * 4 + ${ROWID_CODES[type]};`,
  );

/** The statement a trigger runs, before the FTS5 row of OLD goes, to remove the postings it made. */
export const deletePostingsSql = (type: SearchType): string =>
  `DELETE FROM \`search_index_postings\` WHERE \`kind\` = ${SEARCH_KINDS[type]} AND \`ref\` = OLD.\`id\` AND \`term\` IN (\n` +
  '  SELECT `value` ->> 0\n' +
  '  FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))\n' +
  `  WHERE \`search_index\`.\`rowid\` = OLD.\`id\` * 4 + ${ROWID_CODES[type]}\n);`;

/**
 * The statements that refresh the term statistics of the index (`search_index_statistics`: how many records each
 * term is found in, as a prefix and as a whole word, and under the empty term the number of records), which
 * ranking reads for idf. A snapshot: refreshed when the index is built and by refreshSearchStatistics.
 */
export const REFRESH_SEARCH_STATISTICS_SQL = [
  'DELETE FROM "search_index_statistics";',
  'INSERT INTO "search_index_statistics" ("term", "records", "exact_records")\n' +
    '  SELECT "term", count(*), count(*) FILTER (WHERE "exact_frequency" > 0) FROM "search_index_postings" GROUP BY "term";',
  'INSERT INTO "search_index_statistics" ("term", "records", "exact_records")\n' +
    '  SELECT \'\', count(*), count(*) FROM "search_index";',
];

/**
 * The statements that fill empty postings from the FTS5 table (after REBUILD_SEARCH_INDEX_SQL): the average length
 * of the records indexed (or the default, for none), the postings in the order of their key, the statistics.
 */
export const REBUILD_SEARCH_POSTINGS_SQL = [
  'DELETE FROM `search_index_postings`;',
  'UPDATE `search_index_settings` SET `average_length` = coalesce((\n' +
    '  SELECT avg(coalesce((SELECT `value` ->> 3 FROM json_each(search_postings(`title_words`, `body_words`)) LIMIT 1), 0))\n' +
    `  FROM \`search_index\`), ${DEFAULT_AVERAGE_LENGTH});`,
  `${insertPostings(
    'CASE `search_index`.`rowid` % 4 WHEN 0 THEN 3 WHEN 1 THEN 2 WHEN 2 THEN 0 ELSE 1 END',
    '`search_index`.`rowid` / 4',
    'ORDER BY 1, 2, 3;',
  )}`,
  ...REFRESH_SEARCH_STATISTICS_SQL,
];
