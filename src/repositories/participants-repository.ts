import { asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { meetingParticipants, participants, trips } from '../db/schema.js';
import { nowIso } from '../domain/time.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { CreateParticipant, Participant, UpdateParticipant } from '../schemas/participants.js';

export type ParticipantsRepository = ReturnType<typeof createParticipantsRepository>;

export function createParticipantsRepository(db: Db) {
  const get = (id: number): Participant => {
    const row = db.select().from(participants).where(eq(participants.id, id)).get();
    if (!row) throw new NotFoundError('participant', id);
    return row;
  };

  return {
    get,

    list(): Participant[] {
      return db.select().from(participants).orderBy(asc(participants.name), asc(participants.id)).all();
    },

    create(input: CreateParticipant & { id?: number }): Participant {
      const now = nowIso();
      return db
        .insert(participants)
        .values({ ...input, createdAt: now, updatedAt: now })
        .returning()
        .get();
    },

    update(id: number, patch: UpdateParticipant): Participant {
      get(id);
      if (Object.keys(patch).length === 0) return get(id);
      return db
        .update(participants)
        .set({ ...patch, updatedAt: nowIso(), version: sql`${participants.version} + 1` })
        .where(eq(participants.id, id))
        .returning()
        .get() as Participant;
    },

    /** Deletes a participant nobody depends on; one who still travels or attends is a conflict, named. */
    delete(id: number): void {
      db.transaction((tx) => {
        const exists = tx
          .select({ id: participants.id })
          .from(participants)
          .where(eq(participants.id, id))
          .get();
        if (!exists) throw new NotFoundError('participant', id);
        const travels = tx.select({ n: count() }).from(trips).where(eq(trips.travelerId, id)).get()?.n ?? 0;
        const attends =
          tx
            .select({ n: count() })
            .from(meetingParticipants)
            .where(eq(meetingParticipants.participantId, id))
            .get()?.n ?? 0;
        if (travels > 0 || attends > 0) {
          const reasons: string[] = [];
          const remedies: string[] = [];
          if (travels > 0) {
            reasons.push(`is the traveler of ${travels} trip${travels === 1 ? '' : 's'}`);
            remedies.push(`give ${travels === 1 ? 'that trip' : 'those trips'} another traveler`);
          }
          if (attends > 0) {
            reasons.push(`takes part in ${attends} meeting${attends === 1 ? '' : 's'}`);
            remedies.push(`remove them from ${attends === 1 ? 'that meeting' : 'those meetings'}`);
          }
          throw new ConflictError(
            'participant_in_use',
            `Participant ${id} ${reasons.join(' and ')}; ${remedies.join(' and ')} first.`,
          );
        }
        tx.delete(participants).where(eq(participants.id, id)).run();
      });
    },
  };
}
