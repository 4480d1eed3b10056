import fp from 'fastify-plugin';
import type { DatabaseHandle } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { tzdbRelease } from '../domain/tzdb.js';
import { createActivityRepository } from '../repositories/activity-repository.js';
import { createAuditRepository } from '../repositories/audit-repository.js';
import { createChangesRepository } from '../repositories/changes-repository.js';
import { createConflictsRepository } from '../repositories/conflicts-repository.js';
import { createCountriesRepository } from '../repositories/countries-repository.js';
import {
  createIdempotencyRepository,
  RETENTION_MS as IDEMPOTENCY_RETENTION_MS,
} from '../repositories/idempotency-repository.js';
import { createKeysRepository } from '../repositories/keys-repository.js';
import { createMeetingsRepository } from '../repositories/meetings-repository.js';
import { createParticipantsRepository } from '../repositories/participants-repository.js';
import { createSearchRepository } from '../repositories/search-repository.js';
import { createStopsRepository } from '../repositories/stops-repository.js';
import { createTripsRepository } from '../repositories/trips-repository.js';

export type Repositories = {
  trips: ReturnType<typeof createTripsRepository>;
  stops: ReturnType<typeof createStopsRepository>;
  meetings: ReturnType<typeof createMeetingsRepository>;
  participants: ReturnType<typeof createParticipantsRepository>;
  search: ReturnType<typeof createSearchRepository>;
  changes: ReturnType<typeof createChangesRepository>;
  activity: ReturnType<typeof createActivityRepository>;
  countries: ReturnType<typeof createCountriesRepository>;
  keys: ReturnType<typeof createKeysRepository>;
  audit: ReturnType<typeof createAuditRepository>;
  idempotency: ReturnType<typeof createIdempotencyRepository>;
  conflicts: ReturnType<typeof createConflictsRepository>;
};

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
    repos: Repositories;
  }
}

export type DatabasePluginOptions = {
  path: string;
  seed: boolean;
  /** Days of change-feed history to keep; pruned at start and every hour. */
  changesRetentionDays: number;
  /** Called with each SQL statement run (tests count queries with it). */
  onQuery?: (sql: string) => void;
};

/** Opens the database, applies pending migrations, seeds an empty database, and closes it with the app. */
export default fp<DatabasePluginOptions>(
  async (app, opts) => {
    const { database, seeded } = await prepareDatabase({
      path: opts.path,
      seed: opts.seed ? 'if-empty' : 'never',
      onQuery: opts.onQuery,
    });
    const tz = tzdbRelease();
    if (!tz.backzone) {
      app.log.warn(
        { tzdb: tz },
        'the system tz database lacks backzone: offsets before 1970 are wrong in some zones (Europe/Oslo, …)',
      );
    }
    if (seeded) app.log.info({ seed: seeded }, 'seeded the article itinerary into an empty database');
    app.decorate('database', database);
    app.decorate('repos', {
      trips: createTripsRepository(database.db),
      stops: createStopsRepository(database.db),
      meetings: createMeetingsRepository(database.db),
      participants: createParticipantsRepository(database.db),
      search: createSearchRepository(database.db),
      changes: createChangesRepository(database.db),
      activity: createActivityRepository(database.db),
      countries: createCountriesRepository(database.db),
      keys: createKeysRepository(database.db),
      audit: createAuditRepository(database.db),
      idempotency: createIdempotencyRepository(database.db),
      conflicts: createConflictsRepository(database.db),
    });
    database.optimize();
    const prune = async () => {
      const cutoff = new Date(Date.now() - opts.changesRetentionDays * 86_400_000).toISOString();
      const dropped = await app.repos.changes.pruneBefore(cutoff);
      await app.repos.idempotency.pruneBefore(new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString());
      if (dropped > 0) app.log.info({ dropped, cutoff }, 'pruned the change feed');
    };
    await prune();
    const pruning = setInterval(() => {
      prune().catch((error: unknown) => app.log.error({ err: error }, 'pruning the change feed failed'));
      database.optimize();
    }, 3_600_000);
    pruning.unref();
    app.addHook('onClose', async () => {
      clearInterval(pruning);
      database.close();
    });
  },
  { name: 'database' },
);
