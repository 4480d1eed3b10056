import { resolve } from 'node:path';
import { databaseName, loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { checkIntegrityOfFile } from '../db/maintenance.js';
import { openPostgres } from '../db/postgres.js';

// npm run db:backup -- <file>: a consistent online backup, safe while the server runs. SQLite (DATABASE_PATH): the
// online backup API, then an integrity check of the copy. PostgreSQL (DATABASE_URL): pg_dump's custom format
// (restore with `pg_restore --clean --if-exists --no-owner -d <url> <file>`), which needs pg_dump on the PATH, of a
// major version at least the server's.

const target = process.argv[2];
if (!target) {
  console.error('usage: npm run db:backup -- <file>');
  process.exit(2);
}
const config = loadConfigOrExit();
const postgres = config.DATABASE_URL !== undefined;
const database = postgres ? openPostgres(config.DATABASE_URL ?? '') : openDatabase(config.DATABASE_PATH);
try {
  const { pages } = await database.backup(resolve(target));
  if (postgres) {
    console.log(`backed up ${databaseName(config)} to ${target} with pg_dump (custom format)`);
  } else {
    const report = checkIntegrityOfFile(resolve(target));
    if (!report.ok) {
      console.error(
        `backup written to ${target}, but its integrity check failed: ${[
          ...report.integrity.filter((line) => line !== 'ok'),
          ...report.foreignKeys,
          ...report.text,
        ].join('; ')}`,
      );
      process.exit(1);
    }
    console.log(`backed up ${databaseName(config)} to ${target} (${pages} pages); integrity check: ok`);
  }
} catch (error) {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
} finally {
  await database.close();
}
