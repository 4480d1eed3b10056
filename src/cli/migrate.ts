import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { migrationsFolder, runMigrations } from '../db/migrate.js';
import { reconcileTimeZones } from '../repositories/meetings-repository.js';

// npm run db:migrate: applies pending migrations to the database at DATABASE_PATH (the server also does at start).

const config = loadConfigOrExit();
const database = openDatabase(config.DATABASE_PATH);
try {
  runMigrations(database.db);
  reconcileTimeZones(database.db);
  console.log(`migrated ${config.DATABASE_PATH} with ${migrationsFolder()}`);
} finally {
  database.close();
}
