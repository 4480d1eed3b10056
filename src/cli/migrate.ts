import { loadConfigOrExit } from '../config.js';
import { migrationsFolder } from '../db/migrate.js';
import { prepareDatabase } from '../db/prepare.js';

// npm run db:migrate: applies pending migrations to the database at DATABASE_PATH (the server also does at start).

const config = loadConfigOrExit();
const { database } = await prepareDatabase({ path: config.DATABASE_PATH, seed: 'never' });
try {
  console.log(`migrated ${config.DATABASE_PATH} with ${migrationsFolder()}`);
} finally {
  database.close();
}
