import { and, asc, count, eq, gt, inArray, isNotNull, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { withImportFeed } from '../db/import-feed.js';
import { firstRow, type RawStatement, rawStatement, runStatement } from '../db/queries.js';
import type * as schema from '../db/schema.js';
import { tablesOf } from '../db/tables.js';
import { nowIso } from '../domain/time.js';
import { canonicalZone } from '../domain/tzdb.js';
import type { Stop } from '../schemas/stops.js';
import { dialectOf } from './dialect.js';

// The importer's SQL, in one place as the repositories keep theirs. It writes rows directly rather than through
// the API's repositories: those validate country codes against ISO 3166-1, which former states (SU, YU, …) and
// the unknown ZZ fail, while the database itself only asks for two capital letters. Every write still goes
// through the tables' triggers, so the change feed, the search index and the audit log see the import.
//
// A store is built per transaction (`createImportStore(tx)`): the importer writes each file in a transaction of
// its own and keeps that file's store in the file's context, so every call of the store runs in the file's
// transaction and none can slip outside it, as a forgotten trailing `tx` argument would let it. Every method
// answers a promise and awaits its queries.

export type StopRow = typeof schema.stops.$inferSelect;
export type TripRow = typeof schema.trips.$inferSelect;
export type ParticipantRow = typeof schema.participants.$inferSelect;
export type MappingRow = typeof schema.importRecords.$inferSelect;
export type WriteRow = typeof schema.importWrites.$inferSelect;
export type Resource = WriteRow['resource'];

/** The stop fields an import sets; the rest (id, timestamps, version) are the database's. */
export type StopValues = Omit<Stop, 'id' | 'createdAt' | 'updatedAt' | 'version'>;

/** The trip fields an import sets; topics and context, which records do not give, are left to editors. */
export type TripValues = {
  title: string;
  summary: string | null;
  travelerId: number;
  startDate: string;
  endDate: string;
  status: 'completed';
};

export type ParticipantValues = {
  name: string;
  title: string | null;
  country: string | null;
  organization: string | null;
};

/** A stop waits here while positions are reshuffled, clear of the unique (trip, position) of the others. */
const PARKING = 1_000_000;

/**
 * The most values a statement takes in one list (`in (…)`): lists longer than this are read in several statements,
 * so that no statement grows with the input (SQLite takes at most 32,766 parameters, PostgreSQL 65,535).
 */
export const LIST_CHUNK = 1000;

/** `ids` in slices of LIST_CHUNK. */
function* chunks<T>(ids: readonly T[]): Generator<T[]> {
  for (let at = 0; at < ids.length; at += LIST_CHUNK) yield ids.slice(at, at + LIST_CHUNK);
}

/** The rows `read` answers for each slice of `ids`, together. */
async function inChunks<T, Row>(ids: readonly T[], read: (slice: T[]) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const slice of chunks(ids)) rows.push(...(await read(slice)));
  return rows;
}

/** The most rows one insert of several rows writes (at most 14 values each: 700 parameters). */
export const INSERT_ROWS = 50;

/**
 * An insert of several rows: `head` (up to `values`), then `rows` groups of `width` parameters, then `tail`. One
 * RawStatement per number of rows (1 to INSERT_ROWS), made on first use, so each is prepared once per connection.
 */
function rowsStatement<Row = unknown>(head: string, width: number, tail = '') {
  const made = new Map<number, RawStatement<Row>>();
  const group = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  return (rows: number): RawStatement<Row> => {
    let statement = made.get(rows);
    if (!statement) {
      statement = rawStatement<Row>(
        `${head} ${Array.from({ length: rows }, () => group).join(', ')} ${tail}`,
      );
      made.set(rows, statement);
    }
    return statement;
  };
}

/**
 * Runs `statement` over `rows` INSERT_ROWS at a time, each row's parameters from `params`; answers what the
 * statements return, in order (nothing when `returning` is false: statements without a RETURNING clause).
 */
async function insertRows<T, Row>(
  tx: Transaction,
  statement: (rows: number) => RawStatement<Row>,
  rows: readonly T[],
  params: (row: T) => unknown[],
  returning = true,
): Promise<Row[]> {
  const answers: Row[] = [];
  for (let at = 0; at < rows.length; at += INSERT_ROWS) {
    const slice = rows.slice(at, at + INSERT_ROWS);
    const run = statement(slice.length);
    const values = slice.flatMap(params);
    // A statement that returns nothing is run, not read (better-sqlite3 tells the two apart).
    if (returning) answers.push(...(await run.all(tx, ...values)));
    else await run.run(tx, ...values);
  }
  return answers;
}

/**
 * The rows an insert of several rows returned, in the order of its VALUES: ids are given in that order (SQLite's
 * rowids and PostgreSQL's sequences alike rise row by row within one statement), and `check` confirms each row is
 * the one expected; a mismatch throws rather than link a record to the wrong row.
 */
function inValuesOrder<Row extends { id: number }, T>(
  returned: Row[],
  given: readonly T[],
  check: (row: Row, value: T) => boolean,
): Row[] {
  const rows = [...returned].sort((a, b) => a.id - b.id);
  if (rows.length !== given.length || rows.some((row, i) => !check(row, given[i] as T))) {
    throw new Error('the rows an insert returned do not match the rows it was given');
  }
  return rows;
}

// The statements the import runs thousands of times, as plain SQL: prepared once per connection (src/db/queries.ts),
// they cost a fraction of a query built and prepared each time. The stores of later transactions reuse them.
const statements = {
  insertStops: rowsStatement<{ id: number; version: number; trip_id: number; position: number }>(
    `insert into stops (trip_id, position, city, country, country_name, latitude, longitude, time_zone,
       arrival_date, departure_date, notes, sources, created_at, updated_at) values`,
    14,
    'returning id, version, trip_id, position',
  ),
  insertTrips: rowsStatement<{ id: number; version: number; traveler_id: number; start_date: string }>(
    `insert into trips (title, summary, traveler_id, start_date, end_date, status, created_at, updated_at) values`,
    8,
    'returning id, version, traveler_id, start_date',
  ),
  insertMappings: rowsStatement(
    `insert into import_records (source, record_id, trip_id, stop_id, participant_id, adopted, as_of, created_at,
       file) values`,
    9,
  ),
  recordWrites: rowsStatement(
    'insert into import_writes (resource, resource_id, version, source, record_id, written_at) values',
    6,
    `on conflict (resource, resource_id) do update set version = excluded.version,
       source = coalesce(excluded.source, import_writes.source),
       record_id = coalesce(excluded.record_id, import_writes.record_id),
       written_at = excluded.written_at`,
  ),
  /** Trips of a traveler overlapping the dates that no import created (made: none of its records is owned). */
  matchableTrips: rawStatement<{ id: number }>(
    `select t.id from trips t
     where t.traveler_id = ? and t.start_date <= ? and t.end_date >= ?
       and not exists (select 1 from import_records r where r.trip_id = t.id and r.adopted = false)
     order by t.id`,
  ),
  insertMapping: rawStatement(
    `insert into import_records (source, record_id, trip_id, stop_id, participant_id, adopted, as_of, created_at, file)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  recordWrite: rawStatement(
    `insert into import_writes (resource, resource_id, version, source, record_id, written_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (resource, resource_id) do update set version = excluded.version,
       source = coalesce(excluded.source, import_writes.source),
       record_id = coalesce(excluded.record_id, import_writes.record_id),
       written_at = excluded.written_at`,
  ),
};

/**
 * The importer's reads and writes, all run in the transaction `tx` (one file's: see the note at the top). Rows
 * come back as the tables hold them; dates are `YYYY-MM-DD` texts. Writes that break a constraint reject with the
 * engine's error, which rolls the file's transaction back.
 */
export function createImportStore(tx: Transaction) {
  const { db } = tx;
  const { stops, trips, participants, importRecords, importWrites } = tablesOf(db);
  const { daysBetween, engine } = dialectOf(db);

  /** Inserts the trips, INSERT_ROWS to a statement; their ids and versions, in the order given. */
  async function insertTrips(values: readonly TripValues[]): Promise<{ id: number; version: number }[]> {
    const now = nowIso();
    const rows = await withImportFeed(tx, 'trip', () =>
      insertRows(tx, statements.insertTrips, values, (v) => [
        v.title,
        v.summary,
        v.travelerId,
        v.startDate,
        v.endDate,
        v.status,
        now,
        now,
      ]),
    );
    return inValuesOrder(
      rows.map((r) => ({ ...r, id: Number(r.id) })),
      values,
      (row, v) => Number(row.traveler_id) === v.travelerId && row.start_date === v.startDate,
    ).map(({ id, version }) => ({ id, version: Number(version) }));
  }

  return {
    async mappings(source: string, recordIds: string[]): Promise<MappingRow[]> {
      return inChunks(recordIds, (slice) =>
        db
          .select()
          .from(importRecords)
          .where(and(eq(importRecords.source, source), inArray(importRecords.recordId, slice))),
      );
    },

    async addMapping(row: Omit<MappingRow, 'id' | 'createdAt'>): Promise<void> {
      await statements.insertMapping.run(
        tx,
        row.source,
        row.recordId,
        row.tripId,
        row.stopId,
        row.participantId,
        row.adopted ? 1 : 0,
        row.asOf,
        nowIso(),
        row.file,
      );
    },

    /** Notes the file each record now comes from (a record can move, as when a traveler's file is renamed). */
    async setMappingFile(ids: number[], file: string): Promise<void> {
      for (const slice of chunks(ids)) {
        await db.update(importRecords).set({ file }).where(inArray(importRecords.id, slice));
      }
    },

    /** Gives a participant's mapping a new key (an upstream rename of the traveler's id). */
    async renameMapping(id: number, recordId: string): Promise<void> {
      await db.update(importRecords).set({ recordId }).where(eq(importRecords.id, id));
    },

    /** A mapping of the source that maps this participant under another key than `key`, if any. */
    async otherParticipantMapping(
      source: string,
      participantId: number,
      key: string,
    ): Promise<MappingRow | undefined> {
      return firstRow(
        await db
          .select()
          .from(importRecords)
          .where(
            and(
              eq(importRecords.source, source),
              eq(importRecords.participantId, participantId),
              ne(importRecords.recordId, key),
            ),
          )
          .orderBy(asc(importRecords.id))
          .limit(1),
      );
    },

    /**
     * A page of the mappings of the stops the importer owns from a file and source, in the order of their record ids
     * after `after` (the last of the previous page; null for the first), at most `limit`: what the file held when
     * last imported, to compare with what it holds now. Read along the (source, record id) index.
     */
    async ownedStopMappings(
      source: string,
      file: string,
      after: { recordId: string; id: number } | null,
      limit: number,
    ): Promise<MappingRow[]> {
      return await db
        .select()
        .from(importRecords)
        .where(
          and(
            eq(importRecords.source, source),
            after === null
              ? undefined
              : or(
                  gt(importRecords.recordId, after.recordId),
                  and(eq(importRecords.recordId, after.recordId), gt(importRecords.id, after.id)),
                ),
            eq(importRecords.file, file),
            eq(importRecords.adopted, false),
            isNotNull(importRecords.stopId),
          ),
        )
        .orderBy(asc(importRecords.recordId), asc(importRecords.id))
        .limit(limit);
    },

    /** The version each row had when the importer last wrote it, by id. */
    async writtenVersions(resource: Resource, ids: number[]): Promise<Map<number, number>> {
      const rows = await inChunks(ids, (slice) =>
        db
          .select({ id: importWrites.resourceId, version: importWrites.version })
          .from(importWrites)
          .where(and(eq(importWrites.resource, resource), inArray(importWrites.resourceId, slice))),
      );
      return new Map(rows.map((r) => [r.id, r.version]));
    },

    /** Records that the importer wrote the row at this version. */
    async recordWrite(
      resource: Resource,
      id: number,
      version: number,
      key?: { source: string; recordId: string },
    ): Promise<void> {
      await statements.recordWrite.run(
        tx,
        resource,
        id,
        version,
        key?.source ?? null,
        key?.recordId ?? null,
        nowIso(),
      );
    },

    /** Records of a source whose stop the importer once wrote: a record among them with no stop now was deleted. */
    async everWritten(source: string, recordIds: string[]): Promise<Set<string>> {
      const rows = await inChunks(recordIds, (slice) =>
        db
          .selectDistinct({ recordId: importWrites.recordId })
          .from(importWrites)
          .where(
            and(
              eq(importWrites.resource, 'stop'),
              eq(importWrites.source, source),
              inArray(importWrites.recordId, slice),
            ),
          ),
      );
      return new Set(rows.map((r) => r.recordId as string));
    },

    /**
     * How many of the stops the importer owns in a source span each number of days (arrival to departure, both
     * counted): the collection's spans as a histogram, whose size is the number of different spans, not of stops.
     */
    async spanCounts(source: string): Promise<Map<number, number>> {
      const days = sql<number>`cast(${daysBetween(stops.arrivalDate, stops.departureDate)} + 1 as integer)`;
      const rows = await db
        .select({ days, n: count() })
        .from(importRecords)
        .innerJoin(stops, eq(stops.id, importRecords.stopId))
        .where(
          and(
            eq(importRecords.source, source),
            eq(importRecords.adopted, false),
            isNotNull(stops.arrivalDate),
            isNotNull(stops.departureDate),
          ),
        )
        .groupBy(days);
      return new Map(rows.map((r) => [Number(r.days), Number(r.n)]));
    },

    async deleteStop(id: number): Promise<void> {
      await db.delete(stops).where(eq(stops.id, id));
    },

    /** Keeps an owned stop's mapping pointing at the trip the stop moved to. */
    async setMappingTrip(stopId: number, tripId: number): Promise<void> {
      await db
        .update(importRecords)
        .set({ tripId })
        .where(and(eq(importRecords.stopId, stopId), eq(importRecords.adopted, false)));
    },

    async setMappingAsOf(id: number, asOf: string): Promise<void> {
      await db.update(importRecords).set({ asOf }).where(eq(importRecords.id, id));
    },

    async participant(id: number): Promise<ParticipantRow | undefined> {
      return firstRow(await db.select().from(participants).where(eq(participants.id, id)));
    },

    /** People no import has claimed yet, of a country (or of none): the candidates to match by name. */
    async unclaimedPeople(country: string | null): Promise<ParticipantRow[]> {
      const claimed = db
        .select({ id: importRecords.participantId })
        .from(importRecords)
        .where(isNotNull(importRecords.participantId));
      return await db
        .select()
        .from(participants)
        .where(
          and(
            eq(participants.kind, 'person'),
            country === null ? sql`${participants.country} is null` : eq(participants.country, country),
            notInArray(participants.id, claimed),
          ),
        );
    },

    async insertParticipant(values: ParticipantValues): Promise<{ id: number; version: number }> {
      const now = nowIso();
      const row = firstRow(
        await db
          .insert(participants)
          .values({ kind: 'person', ...values, createdAt: now, updatedAt: now })
          .returning({ id: participants.id, version: participants.version }),
      );
      if (!row) throw new Error('the participant was not inserted');
      return row;
    },

    /** Updates a participant; its new version. */
    async updateParticipant(id: number, values: Partial<ParticipantValues>): Promise<number> {
      return (
        firstRow(
          await db
            .update(participants)
            .set({ ...values, updatedAt: nowIso(), version: sql`${participants.version} + 1` })
            .where(eq(participants.id, id))
            .returning({ version: participants.version }),
        )?.version ?? 0
      );
    },

    async trips(ids: number[]): Promise<TripRow[]> {
      return inChunks(ids, (slice) => db.select().from(trips).where(inArray(trips.id, slice)));
    },

    /**
     * Ids of the trips of the traveler that overlap the dates and that no import created: the candidates for records
     * that describe a journey already entered (the seed's).
     */
    async matchableTrips(travelerId: number, startDate: string, endDate: string): Promise<number[]> {
      return (await statements.matchableTrips.all(tx, travelerId, endDate, startDate)).map((r) =>
        Number(r.id),
      );
    },

    async insertTrip(v: TripValues): Promise<{ id: number; version: number }> {
      const [row] = await insertTrips([v]);
      if (!row) throw new Error('the trip was not inserted');
      return row;
    },

    /** Inserts the trips, INSERT_ROWS to a statement; their ids and versions, in the order given. */
    insertTrips,

    /** Updates a trip; its new version. */
    async updateTrip(id: number, values: Partial<TripValues>): Promise<number> {
      return (
        firstRow(
          await db
            .update(trips)
            .set({ ...values, updatedAt: nowIso(), version: sql`${trips.version} + 1` })
            .where(eq(trips.id, id))
            .returning({ version: trips.version }),
        )?.version ?? 0
      );
    },

    async deleteTrip(id: number): Promise<void> {
      await db.delete(trips).where(eq(trips.id, id));
    },

    async stops(ids: number[]): Promise<StopRow[]> {
      return inChunks(ids, (slice) => db.select().from(stops).where(inArray(stops.id, slice)));
    },

    /** The stops of the trips, by trip (in the order given) and position. */
    async stopsOfTrips(tripIds: number[]): Promise<StopRow[]> {
      return inChunks(tripIds, (slice) =>
        db
          .select()
          .from(stops)
          .where(inArray(stops.tripId, slice))
          .orderBy(asc(stops.tripId), asc(stops.position)),
      );
    },

    async countStops(tripId: number): Promise<number> {
      return firstRow(await db.select({ n: count() }).from(stops).where(eq(stops.tripId, tripId)))?.n ?? 0;
    },

    /** Inserts the stops, INSERT_ROWS to a statement; their ids and versions, in the order given. */
    async insertStops(values: readonly StopValues[]): Promise<{ id: number; version: number }[]> {
      const now = nowIso();
      const rows = await withImportFeed(tx, 'stop', () =>
        insertRows(tx, statements.insertStops, values, (v) => [
          v.tripId,
          v.position,
          v.city,
          v.country,
          v.countryName,
          v.latitude,
          v.longitude,
          // One name per zone, as the API stores it (tzdb.ts).
          canonicalZone(v.timeZone) ?? v.timeZone,
          v.arrivalDate,
          v.departureDate,
          v.notes,
          JSON.stringify(v.sources),
          now,
          now,
        ]),
      );
      return inValuesOrder(
        rows.map((r) => ({ ...r, id: Number(r.id) })),
        values,
        (row, v) => Number(row.trip_id) === v.tripId && Number(row.position) === v.position,
      ).map(({ id, version }) => ({ id, version: Number(version) }));
    },

    /** Maps records, INSERT_ROWS to a statement (see addMapping). */
    async addMappings(rows: readonly Omit<MappingRow, 'id' | 'createdAt'>[]): Promise<void> {
      const now = nowIso();
      await insertRows(
        tx,
        statements.insertMappings,
        rows,
        (row) => [
          row.source,
          row.recordId,
          row.tripId,
          row.stopId,
          row.participantId,
          row.adopted ? 1 : 0,
          row.asOf,
          now,
          row.file,
        ],
        false,
      );
    },

    /** Records that the importer wrote the rows at these versions, INSERT_ROWS to a statement (see recordWrite). */
    async recordWrites(
      rows: readonly {
        resource: Resource;
        id: number;
        version: number;
        source?: string;
        recordId?: string;
      }[],
    ): Promise<void> {
      const now = nowIso();
      await insertRows(
        tx,
        statements.recordWrites,
        rows,
        (row) => [row.resource, row.id, row.version, row.source ?? null, row.recordId ?? null, now],
        false,
      );
    },

    /** Updates a stop; its new version. */
    async updateStop(id: number, values: Partial<StopValues>): Promise<number> {
      return (
        firstRow(
          await db
            .update(stops)
            .set({ ...values, updatedAt: nowIso(), version: sql`${stops.version} + 1` })
            .where(eq(stops.id, id))
            .returning({ version: stops.version }),
        )?.version ?? 0
      );
    },

    /**
     * Brings PostgreSQL's statistics of the tables an import fills up to date: its plans (generic ones included)
     * come from them, and tables that grow from a few rows to a great many within one import otherwise keep plans
     * made for a few (a scan of the whole of import_records per trip: the import slowed as it went). SQLite's
     * planner reads the indexes as they are: nothing to do there.
     */
    async refreshStatistics(): Promise<void> {
      if (engine === 'postgres')
        await runStatement(tx, sql`analyze trips, stops, import_records, import_writes`);
    },

    /** Moves a stop out of the way within its trip before its final place is written (same version). */
    async parkStop(id: number): Promise<void> {
      await db
        .update(stops)
        .set({ position: PARKING + id })
        .where(eq(stops.id, id));
    },
  };
}

export type ImportStore = ReturnType<typeof createImportStore>;
