import pg from 'pg';
import { Database } from '../../src/db/driver.js';
import { prepareDatabase } from '../../src/db/prepare.js';
import { REFRESH_SEARCH_STATISTICS_SQL } from '../../src/db/search-index.js';

// The benchmark's dataset on PostgreSQL (npm run bench -- --engine postgres): a database of its own on the server
// of BENCH_DATABASE_URL (else TEST_DATABASE_URL), migrated by the API's own migrations, then filled with the very
// rows of the SQLite dataset the run generated, so that both engines answer the same questions about the same data.
// Every row goes through PostgreSQL's constraints and triggers (the change feed, the audit log, the search index).

/** The tables the dataset fills, parents first. */
const TABLES = ['participants', 'trips', 'stops', 'meetings', 'meeting_participants'] as const;
/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const BATCH = 500;

export type BenchPostgres = { url: string; seconds: number; drop: () => Promise<void> };

/**
 * Copies the dataset of the SQLite file at `sqlitePath` into a new database on the server of `adminUrl` (a role
 * that may create databases); answers its URL, how long the copy took, and a function that drops it.
 */
export async function copyIntoPostgres(sqlitePath: string, adminUrl: string): Promise<BenchPostgres> {
  const started = performance.now();
  const name = `itinerary_bench_${process.pid}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const drop = () => admin(`drop database if exists ${name} with (force)`);

  const { database } = await prepareDatabase({ path: '', url, seed: 'never' });
  await database.close();

  const sqlite = new Database(sqlitePath, { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    // The same average length for the search postings' impacts as the file's, so that both engines rank alike.
    const hasSettings = sqlite
      .prepare("select 1 from sqlite_master where name = 'search_index_settings'")
      .pluck()
      .get();
    const settings = hasSettings
      ? sqlite.prepare('select average_length from search_index_settings').pluck().get()
      : undefined;
    if (typeof settings === 'number') {
      await client.query('update search_index_settings set average_length = $1', [settings]);
    }
    for (const table of TABLES) {
      const columns = (
        sqlite.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]
      ).map((c) => c.name);
      const list = columns.map((c) => `"${c}"`).join(', ');
      const rows = sqlite
        .prepare(`select ${list} from "${table}" order by rowid`)
        .raw()
        .iterate() as Iterable<unknown[]>;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const values = batch
          .map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
          .join(', ');
        await client.query(`insert into "${table}" (${list}) values ${values}`, batch.flat());
        batch = [];
      };
      for (const row of rows) {
        batch.push(row);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    }
    // Generated ids go on after the copied ones.
    for (const table of ['participants', 'trips', 'stops', 'meetings']) {
      await client.query(
        `select setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) from "${table}"`,
      );
    }
    // The term statistics search ranking reads (idf), counted once the rows are in.
    for (const statement of REFRESH_SEARCH_STATISTICS_SQL) await client.query(statement);
    await client.query('commit');
    await client.query('analyze');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    await drop();
    throw error;
  } finally {
    await client.end();
    sqlite.close();
  }
  return { url, seconds: (performance.now() - started) / 1000, drop };
}
