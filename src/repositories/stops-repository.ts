import { and, asc, eq, max, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { stops, trips } from '../db/schema.js';
import { stopRules } from '../domain/rules.js';
import { nowIso } from '../domain/time.js';
import { assertValid, ConflictError, NotFoundError } from '../errors.js';
import type { CreateStop, Stop, UpdateStop } from '../schemas/stops.js';

export type StopsRepository = ReturnType<typeof createStopsRepository>;

export function createStopsRepository(db: Db) {
  const get = (id: number): Stop => {
    const row = db.select().from(stops).where(eq(stops.id, id)).get();
    if (!row) throw new NotFoundError('stop', id);
    return row;
  };

  const assertTripExists = (tripId: number) => {
    if (!db.select({ id: trips.id }).from(trips).where(eq(trips.id, tripId)).get()) {
      throw new NotFoundError('trip', tripId);
    }
  };

  /** Positions are unique within a trip; say which stop holds the position asked for. */
  const assertPositionFree = (tripId: number, position: number, exceptStopId?: number) => {
    const holder = db
      .select({ id: stops.id, city: stops.city })
      .from(stops)
      .where(
        and(
          eq(stops.tripId, tripId),
          eq(stops.position, position),
          exceptStopId === undefined ? undefined : ne(stops.id, exceptStopId),
        ),
      )
      .get();
    if (holder) {
      throw new ConflictError(
        'stop_position_taken',
        `Position ${position} of trip ${tripId} is already held by stop ${holder.id} (${holder.city}); choose another position or move that stop first.`,
      );
    }
  };

  return {
    get,

    /** The trip's stops in visit order (the caller has checked that the trip exists). */
    listByTrip(tripId: number): Stop[] {
      return db.select().from(stops).where(eq(stops.tripId, tripId)).orderBy(asc(stops.position)).all();
    },

    create(tripId: number, input: CreateStop & { id?: number }): Stop {
      return db.transaction(() => {
        assertTripExists(tripId);
        assertValid(stopRules(input));
        let position = input.position;
        if (position === undefined) {
          const last = db
            .select({ last: max(stops.position) })
            .from(stops)
            .where(eq(stops.tripId, tripId))
            .get();
          position = (last?.last ?? 0) + 1;
        } else {
          assertPositionFree(tripId, position);
        }
        const now = nowIso();
        return db
          .insert(stops)
          .values({ ...input, tripId, position, createdAt: now, updatedAt: now })
          .returning()
          .get();
      });
    },

    update(id: number, patch: UpdateStop): Stop {
      return db.transaction(() => {
        const current = get(id);
        if (Object.keys(patch).length === 0) return current;
        assertValid(stopRules({ ...current, ...patch }));
        if (patch.position !== undefined && patch.position !== current.position) {
          assertPositionFree(current.tripId, patch.position, id);
        }
        return db
          .update(stops)
          .set({ ...patch, updatedAt: nowIso(), version: sql`${stops.version} + 1` })
          .where(eq(stops.id, id))
          .returning()
          .get() as Stop;
      });
    },

    /** Deletes the stop and, by cascade, its meetings. Other stops keep their positions. */
    delete(id: number): void {
      const result = db.delete(stops).where(eq(stops.id, id)).run();
      if (result.changes === 0) throw new NotFoundError('stop', id);
    },
  };
}
