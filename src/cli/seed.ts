import { tillersonSeed } from '../../seeds/tillerson-2018.js';
import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { asActor } from '../domain/actor.js';
import { applySeed } from '../services/seed-service.js';

// npm run db:seed: migrates the database at DATABASE_PATH and writes the article's itinerary under its fixed ids.
// Running it again changes nothing.

const config = loadConfigOrExit();
const database = openDatabase(config.DATABASE_PATH);
try {
  runMigrations(database.db);
  const report = asActor('command:seed', () => applySeed(database.db, tillersonSeed));
  console.log(
    `seeded ${config.DATABASE_PATH}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`,
  );
} finally {
  database.close();
}
