import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { participants, trips } from '../db/schema.js';
import { tripRules } from '../domain/rules.js';
import { nowIso } from '../domain/time.js';
import { assertValid, type FieldError, NotFoundError } from '../errors.js';
import type { CreateTrip, Trip, UpdateTrip } from '../schemas/trips.js';

export type TripsRepository = ReturnType<typeof createTripsRepository>;

export function createTripsRepository(db: Db) {
  const find = (id: number): Trip | undefined => db.select().from(trips).where(eq(trips.id, id)).get();

  const get = (id: number): Trip => {
    const row = find(id);
    if (!row) throw new NotFoundError('trip', id);
    return row;
  };

  const travelerErrors = (travelerId: number | undefined): FieldError[] => {
    if (travelerId === undefined) return [];
    const found = db
      .select({ id: participants.id })
      .from(participants)
      .where(eq(participants.id, travelerId))
      .get();
    return found ? [] : [{ path: 'body.travelerId', message: `no participant has the id ${travelerId}` }];
  };

  return {
    get,
    find,

    list(): Trip[] {
      return db.select().from(trips).orderBy(asc(trips.startDate), asc(trips.id)).all();
    },

    create(input: CreateTrip & { id?: number }): Trip {
      assertValid([...tripRules(input), ...travelerErrors(input.travelerId)]);
      const now = nowIso();
      return db
        .insert(trips)
        .values({ ...input, createdAt: now, updatedAt: now })
        .returning()
        .get();
    },

    update(id: number, patch: UpdateTrip): Trip {
      return db.transaction(() => {
        const current = get(id);
        if (Object.keys(patch).length === 0) return current;
        assertValid([...tripRules({ ...current, ...patch }), ...travelerErrors(patch.travelerId)]);
        return db
          .update(trips)
          .set({ ...patch, updatedAt: nowIso(), version: sql`${trips.version} + 1` })
          .where(eq(trips.id, id))
          .returning()
          .get() as Trip;
      });
    },

    /** Deletes the trip; its stops, their meetings and the meetings' attendance go with it (ON DELETE CASCADE). */
    delete(id: number): void {
      const result = db.delete(trips).where(eq(trips.id, id)).run();
      if (result.changes === 0) throw new NotFoundError('trip', id);
    },
  };
}
