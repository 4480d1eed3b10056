import fp from 'fastify-plugin';
import type { DatabaseHandle } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { tzdbRelease } from '../domain/tzdb.js';
import { claimMaintenance } from '../repositories/changes-repository.js';
import { RETENTION_MS as IDEMPOTENCY_RETENTION_MS } from '../repositories/idempotency-repository.js';
import type { Repositories } from '../repositories/index.js';

export type { Repositories };

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
    repos: Repositories;
  }
}

export type DatabasePluginOptions = {
  /** DATABASE_PATH: the SQLite file, used when `url` is not given. */
  path: string;
  /** DATABASE_URL: a PostgreSQL server (postgres://…). */
  url?: string;
  /** DATABASE_POOL_SIZE: connections to PostgreSQL. */
  poolSize?: number;
  /** DATABASE_PREPARED_STATEMENTS: named statements per PostgreSQL connection (0: none). */
  preparedStatements?: number;
  seed: boolean;
  /** Days of change-feed history to keep; pruned at start and every hour. */
  changesRetentionDays: number;
  /** Called with each SQL statement run (tests count queries with it). */
  onQuery?: (sql: string) => void;
};

/** Opens the database, applies pending migrations, seeds an empty database, and closes it with the app. */
export default fp<DatabasePluginOptions>(
  async (app, opts) => {
    const { database, repos, seeded } = await prepareDatabase({
      path: opts.path,
      url: opts.url,
      poolSize: opts.poolSize,
      preparedStatements: opts.preparedStatements,
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
    app.decorate('repos', repos);
    await database.optimize();
    const prune = async () => {
      const cutoff = new Date(Date.now() - opts.changesRetentionDays * 86_400_000).toISOString();
      const settled = new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString();
      const dropped = await database.transaction(async (tx) => {
        // One instance prunes at a time; the others leave it to that one.
        if (!(await claimMaintenance(tx))) return 0;
        await app.repos.idempotency.pruneBefore(settled, tx);
        return app.repos.changes.pruneBefore(cutoff, tx);
      });
      if (dropped > 0) app.log.info({ dropped, cutoff }, 'pruned the change feed');
    };
    await prune();
    const pruning = setInterval(() => {
      prune()
        .then(() => database.optimize())
        .catch((error: unknown) => app.log.error({ err: error }, 'pruning the change feed failed'));
    }, 3_600_000);
    pruning.unref();
    app.addHook('onClose', async () => {
      clearInterval(pruning);
      await database.close();
    });
  },
  { name: 'database' },
);
