import { databaseName, loadConfigOrExit } from '../config.js';
import { prepareOrExit } from './prepare-or-exit.js';

// npm run db:seed: migrates the database at DATABASE_URL or DATABASE_PATH and writes the article's itinerary under its fixed ids.
// Running it again changes nothing.

const config = loadConfigOrExit();
const { database, seeded: report } = await prepareOrExit(config, 'always');
try {
  console.log(
    `seeded ${databaseName(config)}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`,
  );
} finally {
  await database.close();
}
