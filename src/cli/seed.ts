import { loadConfigOrExit } from '../config.js';
import { prepareDatabase } from '../db/prepare.js';

// npm run db:seed: migrates the database at DATABASE_PATH and writes the article's itinerary under its fixed ids.
// Running it again changes nothing.

const config = loadConfigOrExit();
const { database, seeded: report } = await prepareDatabase({ path: config.DATABASE_PATH, seed: 'always' });
try {
  console.log(
    `seeded ${config.DATABASE_PATH}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`,
  );
} finally {
  database.close();
}
