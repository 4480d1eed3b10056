import type { Db } from './connection.js';
import type * as schema from './schema.js';

// The tables a query is built from are those of the engine it runs on: schema.ts (sqlite-core) for SQLite,
// schema-pg.ts (pg-core) for PostgreSQL, under the same exported names. Repositories therefore never import tables
// from either module: they ask the drizzle instance they were given (`tablesOf(tx.db)`), whose schema is the
// engine's own (client.ts and postgres.ts pass it to drizzle). Both are typed as schema.ts's: the builders the
// repositories call have the same shapes on both engines, and tests/schema-drift.test.ts keeps the columns equal.

/** Every table, by the name both schema modules export it under. */
export type Tables = Pick<
  typeof schema,
  | 'participants'
  | 'trips'
  | 'stops'
  | 'meetings'
  | 'meetingParticipants'
  | 'changes'
  | 'apiKeys'
  | 'idempotencyRecords'
  | 'auditLog'
  | 'importRecords'
  | 'importWrites'
  | 'timeZoneData'
>;

/** The tables of the engine `db` runs on (the schema module it was opened with). */
export function tablesOf(db: Db): Tables {
  return db._.fullSchema;
}
