import { and, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { flushSearchIndex } from '../db/search-index.js';
import { tablesOf } from '../db/tables.js';
import { searchText } from '../domain/text.js';
import { nowIso } from '../domain/time.js';
import { assertExpected, changedFields, type Expected, untilWritten } from '../domain/versions.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type {
  CreateParticipant,
  Participant,
  ParticipantListQuery,
  UpdateParticipant,
} from '../schemas/participants.js';
import { containsText } from './conditions.js';
import { perEngine } from './dialect.js';
import { type Page, paginate, sortsFor } from './pagination.js';
import { idList, preparedOnce } from './prepared.js';

export type ParticipantsRepository = ReturnType<typeof createParticipantsRepository>;

const participantSorts = perEngine(({ t: { participants }, d }) =>
  sortsFor<Participant, 'name' | 'createdAt' | 'updatedAt'>({
    // Alphabetical as people expect: by the folded name (domain/text.ts), so case and accents do not count.
    name: {
      columns: [d.foldedText(participants.name), participants.id],
      key: (p) => [searchText(p.name), p.id],
    },
    createdAt: { columns: [participants.createdAt, participants.id], key: (p) => [p.createdAt, p.id] },
    updatedAt: { columns: [participants.updatedAt, participants.id], key: (p) => [p.updatedAt, p.id] },
  }),
);

export type ParticipantFilters = Omit<ParticipantListQuery, 'limit' | 'cursor' | 'count' | 'format' | 'sort'>;

/** The WHERE clause of a participant query on `db`. */
export function participantConditions(db: Db, f: ParticipantFilters): SQL | undefined {
  const { participants } = tablesOf(db);
  return and(
    f.q ? containsText(db, f.q, 'participant', participants.id) : undefined,
    f.country ? inArray(participants.country, f.country) : undefined,
    f.kind ? eq(participants.kind, f.kind) : undefined,
  );
}

export function createParticipantsRepository() {
  const byId = preparedOnce((db, { t: { participants } }) =>
    db
      .select()
      .from(participants)
      .where(eq(participants.id, sql.placeholder('id')))
      .prepare(),
  );
  const byIds = preparedOnce((db, { t: { participants }, d }) =>
    db.select().from(participants).where(d.inIdList(participants.id, 'ids')).prepare(),
  );
  const get = async (id: number, tx: Transaction): Promise<Participant> => {
    const row = firstRow(await byId(tx).execute({ id }));
    if (!row) throw new NotFoundError('participant', id);
    return row;
  };

  const repository = {
    /** The participant with this id; NotFoundError when there is none. */
    async get(id: number, tx: Transaction): Promise<Participant> {
      return get(id, tx);
    },

    /** These participants (unknown ids are left out; each once). */
    async getMany(ids: number[], tx: Transaction): Promise<Participant[]> {
      if (ids.length === 0) return [];
      return await byIds(tx).execute({ ids: idList([...new Set(ids)]) });
    },

    /** A page of participants matching the filters. */
    async list(query: ParticipantListQuery, tx: Transaction): Promise<Page<Participant>> {
      const { db } = tx;
      const { limit, cursor, count: withCount, format: _format, sort, ...filters } = query;
      // The text filters read the search index: it first takes in the writes made since its last flush.
      if (filters.q !== undefined) await flushSearchIndex(tx);
      const { participants } = tablesOf(db);
      const where = participantConditions(db, filters);
      return paginate(
        { limit, cursor, count: withCount },
        participantSorts(db)[sort],
        filters,
        async (after, order, max) =>
          db
            .select()
            .from(participants)
            .where(and(where, after))
            .orderBy(...order)
            .limit(max),
        async () => firstRow(await db.select({ n: count() }).from(participants).where(where))?.n ?? 0,
      );
    },

    async create(input: CreateParticipant & { id?: number }, { db }: Transaction): Promise<Participant> {
      const { participants } = tablesOf(db);
      const now = nowIso();
      const [created] = await db
        .insert(participants)
        .values({ ...input, createdAt: now, updatedAt: now })
        .returning();
      return created as Participant;
    },

    async update(
      id: number,
      patch: UpdateParticipant,
      expected: Expected,
      tx: Transaction,
    ): Promise<Participant> {
      const { db } = tx;
      const { participants } = tablesOf(db);
      return untilWritten(async () => {
        const current = await get(id, tx);
        assertExpected(expected, 'participant', id, current.version);
        // A patch that changes nothing writes nothing: same version, updatedAt and ETag, no audit entry.
        const changes = changedFields(current, patch);
        if (Object.keys(changes).length === 0) return current;
        const [updated] = await db
          .update(participants)
          .set({ ...changes, updatedAt: nowIso(), version: sql`${participants.version} + 1` })
          .where(and(eq(participants.id, id), eq(participants.version, current.version)))
          .returning();
        return updated as Participant | undefined;
      });
    },

    /** Deletes a participant nobody depends on; one who still travels or attends is a conflict, named. */
    async delete(id: number, expected: Expected, tx: Transaction): Promise<void> {
      await untilWritten(() => deleteOnce(id, expected, tx));
    },
  };
  return repository;

  /**
   * One attempt at deleting a participant (see untilWritten): true when deleted, undefined when its version moved on
   * since it was read. A participant who still travels or attends (a foreign key would refuse the delete) is a
   * conflict that names why.
   */
  async function deleteOnce(id: number, expected: Expected, { db }: Transaction): Promise<true | undefined> {
    const { participants, trips, meetingParticipants } = tablesOf(db);
    const [exists] = await db
      .select({ id: participants.id, version: participants.version })
      .from(participants)
      .where(eq(participants.id, id));
    if (!exists) throw new NotFoundError('participant', id);
    assertExpected(expected, 'participant', id, exists.version);
    const travels =
      firstRow(await db.select({ n: count() }).from(trips).where(eq(trips.travelerId, id)))?.n ?? 0;
    const attends =
      firstRow(
        await db
          .select({ n: count() })
          .from(meetingParticipants)
          .where(eq(meetingParticipants.participantId, id)),
      )?.n ?? 0;
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
    const deleted = await db
      .delete(participants)
      .where(and(eq(participants.id, id), eq(participants.version, exists.version)));
    return changedRows(deleted) > 0 ? true : undefined;
  }
}
