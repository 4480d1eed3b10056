import { type Config, databaseLocation, databaseName } from '../config.js';
import { type PrepareConfig, type Prepared, prepareDatabase } from '../db/prepare.js';
import { rootMessage } from '../errors.js';
import type { SeedReport } from '../repositories/seed-repository.js';

/**
 * prepareDatabase for a command (db/prepare.ts: open, migrate, reconcile, seed as `seed` says) on the database the
 * configuration names; on failure, one line naming the database and what went wrong, and exit code 1, rather than a
 * stack trace.
 */
export function prepareOrExit(config: Config, seed: 'always'): Promise<Prepared & { seeded: SeedReport }>;
export function prepareOrExit(config: Config, seed: PrepareConfig['seed']): Promise<Prepared>;
export async function prepareOrExit(config: Config, seed: PrepareConfig['seed']): Promise<Prepared> {
  try {
    return await prepareDatabase({ ...databaseLocation(config), seed });
  } catch (error) {
    console.error(`${databaseName(config)}: ${rootMessage(error)}`);
    process.exit(1);
  }
}
