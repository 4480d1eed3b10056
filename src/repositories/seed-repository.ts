import { eq } from 'drizzle-orm';
import type { AnySQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SeedData } from '../../seeds/seed-types.js';
import type { Transaction } from '../db/client.js';
import { firstRow, queryRows } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { nowIso, toUtcInstant } from '../domain/time.js';
import { dialectOf } from './dialect.js';

export type SeedReport = { created: number; updated: number; unchanged: number };

type TableWithId = SQLiteTable & { id: AnySQLiteColumn };

/**
 * Writes seed records under their fixed ids, in the transaction `tx`, all or nothing. A record that already holds
 * the seed's values is left alone (its version and timestamps do not move), so seeding twice changes nothing.
 * Resolves to how many records were created, updated and left unchanged.
 */
export async function applySeed(data: SeedData, tx: Transaction): Promise<SeedReport> {
  const { db } = tx;
  const { meetingParticipants, meetings, participants, stops, trips } = tablesOf(db);
  const report: SeedReport = { created: 0, updated: 0, unchanged: 0 };

  const upsert = async <T extends Record<string, unknown> & { id: number }>(
    table: TableWithId,
    values: T,
  ) => {
    const existing = firstRow(await db.select().from(table).where(eq(table.id, values.id))) as
      | Record<string, unknown>
      | undefined;
    const now = nowIso();
    if (!existing) {
      await db.insert(table).values({ ...values, createdAt: now, updatedAt: now } as never);
      report.created += 1;
      return;
    }
    const changed = Object.keys(values).some(
      (k) => JSON.stringify(existing[k]) !== JSON.stringify(values[k]),
    );
    if (!changed) {
      report.unchanged += 1;
      return;
    }
    await db
      .update(table)
      .set({ ...values, updatedAt: now, version: Number(existing.version) + 1 } as never)
      .where(eq(table.id, values.id));
    report.updated += 1;
  };

  for (const participant of data.participants) await upsert(participants, participant);
  for (const { stops: tripStops, ...trip } of data.trips) {
    await upsert(trips, trip);
    for (const { meetings: stopMeetings, ...stop } of tripStops) {
      await upsert(stops, { ...stop, tripId: trip.id });
      for (const { participants: attendees, ...meeting } of stopMeetings) {
        await upsert(meetings, {
          ...meeting,
          stopId: stop.id,
          startsAt: toUtcInstant(meeting.date, meeting.startTime, stop.timeZone),
          endsAt: toUtcInstant(meeting.date, meeting.endTime, stop.timeZone),
        });
        const current = await db
          .select()
          .from(meetingParticipants)
          .where(eq(meetingParticipants.meetingId, meeting.id));
        const same =
          current.length === attendees.length &&
          attendees.every((a) =>
            current.some((c) => c.participantId === a.participantId && c.role === a.role),
          );
        if (same) continue;
        await db.delete(meetingParticipants).where(eq(meetingParticipants.meetingId, meeting.id));
        const now = nowIso();
        await db
          .insert(meetingParticipants)
          .values(attendees.map((a) => ({ meetingId: meeting.id, ...a, createdAt: now })));
      }
    }
  }
  // Ids the engine generates next must follow the seed's own.
  const { keysCatchUp } = dialectOf(db);
  for (const table of ['participants', 'trips', 'stops', 'meetings']) {
    const statement = keysCatchUp(table);
    if (statement) await queryRows(tx, statement);
  }
  return report;
}

/**
 * Makes the transaction `tx` the only one, until it ends, that brings the data up to date at start (db/prepare.ts:
 * reconciling zones, seeding an empty database): instances that start together take turns, and the later ones see
 * what the first wrote (a seed written twice would collide on its fixed ids). Nothing to do on SQLite.
 */
export async function serializeStartup(tx: Transaction): Promise<void> {
  const lock = dialectOf(tx.db).startupLock;
  if (lock) await queryRows(tx, lock);
}

/** Whether the database holds any trip, read in the transaction `tx`. */
export async function hasTrips({ db }: Transaction): Promise<boolean> {
  const { trips } = tablesOf(db);
  return (await db.select({ id: trips.id }).from(trips).limit(1)).length > 0;
}
