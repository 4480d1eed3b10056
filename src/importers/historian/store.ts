import { and, asc, eq, gte, inArray, isNotNull, lte, notInArray, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.js';
import { importRecords, participants, stops, trips } from '../../db/schema.js';
import { nowIso } from '../../domain/time.js';
import { canonicalZone } from '../../domain/tzdb.js';
import type { Stop } from '../../schemas/stops.js';

// The importer's SQL, in one place as the repositories keep theirs. It writes rows directly rather than through
// the API's repositories: those validate country codes against ISO 3166-1, which former states (SU, YU, …) and
// the unknown ZZ fail, while the database itself only asks for two capital letters. Every write still goes
// through the tables' triggers, so the change feed, the search index and the audit log see the import.

export type StopRow = typeof stops.$inferSelect;
export type TripRow = typeof trips.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;
export type MappingRow = typeof importRecords.$inferSelect;

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

export function createImportStore({ db, sqlite }: Pick<DatabaseHandle, 'db' | 'sqlite'>) {
  // The inserts run thousands of times per import: prepared once, as plain SQL, they cost a fraction of a query
  // built and prepared each time.
  const statements = {
    insertStop: sqlite.prepare<unknown[], { id: number }>(
      `insert into stops (trip_id, position, city, country, country_name, latitude, longitude, time_zone,
         arrival_date, departure_date, notes, sources, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    ),
    insertTrip: sqlite.prepare<unknown[], { id: number }>(
      `insert into trips (title, summary, traveler_id, start_date, end_date, status, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    ),
    insertMapping: sqlite.prepare<unknown[]>(
      `insert into import_records (source, record_id, trip_id, stop_id, participant_id, adopted, as_of, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };

  return {
    mappings(source: string, recordIds: string[]): MappingRow[] {
      if (recordIds.length === 0) return [];
      return db
        .select()
        .from(importRecords)
        .where(and(eq(importRecords.source, source), inArray(importRecords.recordId, recordIds)))
        .all();
    },

    addMapping(row: Omit<MappingRow, 'id' | 'createdAt'>): void {
      statements.insertMapping.run(
        row.source,
        row.recordId,
        row.tripId,
        row.stopId,
        row.participantId,
        row.adopted ? 1 : 0,
        row.asOf,
        nowIso(),
      );
    },

    /** Keeps an owned stop's mapping pointing at the trip the stop moved to. */
    setMappingTrip(stopId: number, tripId: number): void {
      db.update(importRecords)
        .set({ tripId })
        .where(and(eq(importRecords.stopId, stopId), eq(importRecords.adopted, false)))
        .run();
    },

    setMappingAsOf(id: number, asOf: string): void {
      db.update(importRecords).set({ asOf }).where(eq(importRecords.id, id)).run();
    },

    participant(id: number): ParticipantRow | undefined {
      return db.select().from(participants).where(eq(participants.id, id)).get();
    },

    /** People no import has claimed yet, of a country (or of none): the candidates to match by name. */
    unclaimedPeople(country: string | null): ParticipantRow[] {
      const claimed = db
        .select({ id: importRecords.participantId })
        .from(importRecords)
        .where(isNotNull(importRecords.participantId));
      return db
        .select()
        .from(participants)
        .where(
          and(
            eq(participants.kind, 'person'),
            country === null ? sql`${participants.country} is null` : eq(participants.country, country),
            notInArray(participants.id, claimed),
          ),
        )
        .all();
    },

    insertParticipant(values: ParticipantValues): number {
      const now = nowIso();
      return db
        .insert(participants)
        .values({ kind: 'person', ...values, createdAt: now, updatedAt: now })
        .returning({ id: participants.id })
        .get().id;
    },

    updateParticipant(id: number, values: Partial<ParticipantValues>): void {
      db.update(participants)
        .set({ ...values, updatedAt: nowIso(), version: sql`${participants.version} + 1` })
        .where(eq(participants.id, id))
        .run();
    },

    trips(ids: number[]): TripRow[] {
      if (ids.length === 0) return [];
      return db.select().from(trips).where(inArray(trips.id, ids)).all();
    },

    /**
     * Trips of the traveler that overlap the dates and that no import created: the candidates for records that
     * describe a journey already entered (the seed's).
     */
    matchableTrips(travelerId: number, startDate: string, endDate: string): TripRow[] {
      const overlapping = db
        .select()
        .from(trips)
        .where(
          and(eq(trips.travelerId, travelerId), lte(trips.startDate, endDate), gte(trips.endDate, startDate)),
        )
        .orderBy(asc(trips.id))
        .all();
      if (overlapping.length === 0) return [];
      const owned = new Set(
        db
          .select({ id: importRecords.tripId })
          .from(importRecords)
          .where(
            and(
              inArray(
                importRecords.tripId,
                overlapping.map((t) => t.id),
              ),
              eq(importRecords.adopted, false),
            ),
          )
          .all()
          .map((r) => r.id),
      );
      return overlapping.filter((t) => !owned.has(t.id));
    },

    insertTrip(v: TripValues): number {
      const now = nowIso();
      const row = statements.insertTrip.get(
        v.title,
        v.summary,
        v.travelerId,
        v.startDate,
        v.endDate,
        v.status,
        now,
        now,
      );
      return (row as { id: number }).id;
    },

    updateTrip(id: number, values: Partial<TripValues>): void {
      db.update(trips)
        .set({ ...values, updatedAt: nowIso(), version: sql`${trips.version} + 1` })
        .where(eq(trips.id, id))
        .run();
    },

    deleteTrip(id: number): void {
      db.delete(trips).where(eq(trips.id, id)).run();
    },

    stops(ids: number[]): StopRow[] {
      if (ids.length === 0) return [];
      return db.select().from(stops).where(inArray(stops.id, ids)).all();
    },

    stopsOfTrips(tripIds: number[]): StopRow[] {
      if (tripIds.length === 0) return [];
      return db
        .select()
        .from(stops)
        .where(inArray(stops.tripId, tripIds))
        .orderBy(asc(stops.tripId), asc(stops.position))
        .all();
    },

    countStops(tripId: number): number {
      return (
        db.select({ n: sql<number>`count(*)` }).from(stops).where(eq(stops.tripId, tripId)).get()?.n ?? 0
      );
    },

    insertStop(v: StopValues): number {
      const now = nowIso();
      const row = statements.insertStop.get(
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
      );
      return (row as { id: number }).id;
    },

    updateStop(id: number, values: Partial<StopValues>): void {
      db.update(stops)
        .set({ ...values, updatedAt: nowIso(), version: sql`${stops.version} + 1` })
        .where(eq(stops.id, id))
        .run();
    },

    /** Moves a stop out of the way within its trip before its final place is written (same version). */
    parkStop(id: number): void {
      db.update(stops)
        .set({ position: PARKING + id })
        .where(eq(stops.id, id))
        .run();
    },
  };
}

export type ImportStore = ReturnType<typeof createImportStore>;
