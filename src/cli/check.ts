import { databaseName, loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { openPostgres } from '../db/postgres.js';

// npm run db:check: the engine's check of the stored data, exit code 1 on any problem. SQLite (DATABASE_PATH):
// PRAGMA integrity_check and foreign_key_check, and text that is not UTF-8. PostgreSQL (DATABASE_URL), which
// enforces keys and encoding itself: no invalid index, no constraint left unvalidated, a UTF8 database.

const config = loadConfigOrExit();
const database =
  config.DATABASE_URL === undefined ? openDatabase(config.DATABASE_PATH) : openPostgres(config.DATABASE_URL);
try {
  const report = await database.checkIntegrity();
  if (report.ok) {
    console.log(`${databaseName(config)}: integrity check ok, foreign keys ok, text ok`);
  } else {
    for (const line of [...report.integrity, ...report.foreignKeys, ...report.text]) console.error(line);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(
    `${databaseName(config)}: the check could not run: ${error instanceof Error ? error.message : error}`,
  );
  process.exitCode = 1;
} finally {
  await database.close();
}
