import { and, eq, lt, or } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { dialectOf } from './dialect.js';

// Idempotency-Key records (IETF httpapi draft): the first request's answer, kept 24 hours per key holder.

export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** A request still "in flight" after this long died without answering (a crash); a retry may take over. */
const ABANDONED_MS = 60 * 1000;

export type StoredResponse = { status: number; headers: Record<string, string>; body: string | null };
/** A stored answer read back; its status column is nullable (a claim in flight has none), so this is too. */
export type ReplayedResponse = Omit<StoredResponse, 'status'> & { status: number | null };
export type Begin =
  | { kind: 'new' }
  | { kind: 'replay'; response: ReplayedResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export function createIdempotencyRepository() {
  const where = (db: Db, holder: string, key: string) => {
    const { idempotencyRecords } = tablesOf(db);
    return and(eq(idempotencyRecords.holder, holder), eq(idempotencyRecords.key, key));
  };

  return {
    /**
     * Claims the key for this request, or says why it cannot. The claim is one statement, on the database's
     * clock: an insert that does nothing when the key is held (ON CONFLICT), or takes the key over when its
     * record has expired (24 hours) or its request died in flight (a minute without an answer). So two requests
     * with the same key, on one instance or two, cannot both win, and instances whose clocks differ agree on
     * what has expired. A request that does not win is told why: another body (mismatch), still running
     * (in_flight), or answered (replay).
     */
    async begin(holder: string, key: string, requestHash: string, tx: Transaction): Promise<Begin> {
      const { db } = tx;
      const { idempotencyRecords: records } = tablesOf(db);
      const { isoNow } = dialectOf(db);
      const claimed = await db
        .insert(records)
        .values({ holder, key, requestHash, state: 'in_flight', createdAt: isoNow(0) })
        .onConflictDoUpdate({
          target: [records.holder, records.key],
          set: {
            requestHash,
            state: 'in_flight',
            status: null,
            headers: null,
            body: null,
            createdAt: isoNow(0),
          },
          setWhere: or(
            lt(records.createdAt, isoNow(-RETENTION_MS)),
            and(eq(records.state, 'in_flight'), lt(records.createdAt, isoNow(-ABANDONED_MS))),
          ),
        })
        .returning({ key: records.key });
      if (claimed.length > 0) return { kind: 'new' };
      const record = firstRow(
        await db
          .select()
          .from(records)
          .where(where(db, holder, key)),
      );
      // Gone between the two statements (pruned): nobody holds the key, and a retry will claim it.
      if (!record) return { kind: 'in_flight' };
      if (record.requestHash !== requestHash) return { kind: 'mismatch' };
      if (record.state === 'in_flight') return { kind: 'in_flight' };
      return {
        kind: 'replay',
        response: { status: record.status, headers: record.headers ?? {}, body: record.body },
      };
    },

    async complete(
      holder: string,
      key: string,
      response: StoredResponse,
      { db }: Transaction,
    ): Promise<void> {
      const { idempotencyRecords } = tablesOf(db);
      await db
        .update(idempotencyRecords)
        .set({ state: 'done', ...response })
        .where(and(where(db, holder, key), eq(idempotencyRecords.state, 'in_flight')));
    },

    /** Forgets a claim whose request failed on the server's side, so that a retry can run it again. */
    async abandon(holder: string, key: string, { db }: Transaction): Promise<void> {
      const { idempotencyRecords } = tablesOf(db);
      await db.delete(idempotencyRecords).where(where(db, holder, key));
    },

    async pruneBefore(cutoff: string, { db }: Transaction): Promise<number> {
      const { idempotencyRecords } = tablesOf(db);
      return changedRows(await db.delete(idempotencyRecords).where(lt(idempotencyRecords.createdAt, cutoff)));
    },
  };
}
