import { resolve } from 'node:path';
import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { checkIntegrityOfFile } from '../db/maintenance.js';

// npm run db:backup -- <file>: a consistent online backup of DATABASE_PATH, safe while the server runs, then an
// integrity check of the copy.

const target = process.argv[2];
if (!target) {
  console.error('usage: npm run db:backup -- <file>');
  process.exit(2);
}
const config = loadConfigOrExit();
const database = openDatabase(config.DATABASE_PATH);
try {
  const { pages } = await database.backup(resolve(target));
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
  console.log(`backed up ${config.DATABASE_PATH} to ${target} (${pages} pages); integrity check: ok`);
} catch (error) {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
} finally {
  database.close();
}
