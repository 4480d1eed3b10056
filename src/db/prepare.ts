import { tillersonSeed } from '../../seeds/tillerson-2018.js';
import { createRepositories, type Repositories } from '../repositories/index.js';
import { applySeed, hasTrips, type SeedReport, serializeStartup } from '../repositories/seed-repository.js';
import { reconcileTimeZones } from '../repositories/time-zones-repository.js';
import { type DatabaseHandle, openDatabase } from './client.js';
import { engineOf, postgresEngineOf } from './connection.js';
import { runMigrations, runPostgresMigrations } from './migrate.js';

/**
 * When to write the article's itinerary (seeds/tillerson-2018.ts): `if-empty` when the database has no trip yet
 * (the server and `npm run import` with SEED_ON_START), `always` to write it again in place under its fixed ids
 * (`npm run db:seed`; a second run changes nothing), `never` to leave the data alone.
 */
export type SeedWhen = 'if-empty' | 'always' | 'never';

export type PrepareConfig = {
  /** DATABASE_PATH: a file (its folder is created), or `:memory:`. Used when `url` is not given. */
  path: string;
  /** DATABASE_URL: a PostgreSQL server (postgres://…), used instead of the SQLite file when given. */
  url?: string;
  /** DATABASE_POOL_SIZE: connections to PostgreSQL. */
  poolSize?: number;
  /** DATABASE_PREPARED_STATEMENTS: named statements per PostgreSQL connection (0: none). */
  preparedStatements?: number;
  seed: SeedWhen;
  /** Called with each SQL statement run (tests count queries with it). */
  onQuery?: (sql: string) => void;
};

export type Prepared = {
  database: DatabaseHandle;
  /** Every repository, built on this database (repositories/index.ts). */
  repos: Repositories;
  seeded: SeedReport | null;
};

/**
 * The one way the server and the commands get a database ready to use: opens it (client.ts: SQLite's pragmas,
 * WAL; postgres.ts: a pool on DATABASE_URL), applies
 * the pending migrations, brings zone names and meeting instants in line with the tz database (reconcileTimeZones
 * in time-zones-repository.ts: SQL has no time-zone rules, so no migration can), and writes the seed when `seed`
 * asks; the last two each in a transaction of the handle. Resolves to the open handle, which the caller closes,
 * and the seed's counts when it was written (else null). Closes the handle and rejects with the error if any step
 * fails. The commands that must see a file as it is (`db:check`, `db:backup`) open it with `openDatabase` instead.
 */
export function prepareDatabase(
  config: PrepareConfig & { seed: 'always' },
): Promise<Prepared & { seeded: SeedReport }>;
export function prepareDatabase(config: PrepareConfig): Promise<Prepared>;
export async function prepareDatabase(config: PrepareConfig): Promise<Prepared> {
  const database =
    config.url === undefined
      ? openDatabase(config.path, { onQuery: config.onQuery })
      : // Loaded only here: node-postgres and its drizzle driver cost start-up time an embedded SQLite never needs.
        (await import('./postgres.js')).openPostgres(config.url, {
          onQuery: config.onQuery,
          poolSize: config.poolSize,
          preparedStatements: config.preparedStatements,
        });
  try {
    const postgres = postgresEngineOf(database);
    if (postgres) await runPostgresMigrations(postgres.pool);
    else runMigrations(engineOf(database).db);
    await database.transaction(async (tx) => {
      await serializeStartup(tx);
      return reconcileTimeZones(tx);
    });
    const seeded =
      config.seed === 'never'
        ? null
        : await database.as('command:seed').transaction(async (tx) => {
            await serializeStartup(tx);
            return config.seed === 'always' || !(await hasTrips(tx)) ? applySeed(tillersonSeed, tx) : null;
          });
    return { database, repos: createRepositories(), seeded };
  } catch (error) {
    // What the error means (a server that cannot be reached, say) is read before the handle closes.
    const meaning = database.translateError(error);
    // The engine's own words stay with it, for the operator (errors.ts: rootMessage).
    if (meaning !== error && meaning instanceof Error && meaning.cause === undefined) meaning.cause = error;
    await database.close();
    throw meaning;
  }
}
