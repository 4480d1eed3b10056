import { databaseName, loadConfigOrExit } from '../config.js';
import { migrationsFolder } from '../db/migrate.js';
import { prepareOrExit } from './prepare-or-exit.js';

// npm run db:migrate: applies pending migrations to the database at DATABASE_URL or DATABASE_PATH (the server also does at start).

const config = loadConfigOrExit();
const { database } = await prepareOrExit(config, 'never');
try {
  console.log(
    `migrated ${databaseName(config)} with ${migrationsFolder(config.DATABASE_URL ? 'postgres' : 'sqlite')}`,
  );
} finally {
  await database.close();
}
