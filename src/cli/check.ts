import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';

// npm run db:check: PRAGMA integrity_check and foreign_key_check on DATABASE_PATH, and text that is not UTF-8;
// exit code 1 on any problem.

const config = loadConfigOrExit();
const database = openDatabase(config.DATABASE_PATH);
try {
  const report = database.checkIntegrity();
  if (report.ok) {
    console.log(`${config.DATABASE_PATH}: integrity check ok, foreign keys ok, text ok`);
  } else {
    for (const line of [...report.integrity, ...report.foreignKeys, ...report.text]) console.error(line);
    process.exitCode = 1;
  }
} finally {
  database.close();
}
