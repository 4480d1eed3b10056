import { and, eq, lt } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';

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
     * Claims the key for this request, or says why it cannot. Run it in a transaction of the handle (a read, then a
     * write), so two retries cannot both win. `now` is in milliseconds since the epoch.
     */
    async begin(
      holder: string,
      key: string,
      requestHash: string,
      { db }: Transaction,
      now = Date.now(),
    ): Promise<Begin> {
      const { idempotencyRecords } = tablesOf(db);
      const record = firstRow(
        await db
          .select()
          .from(idempotencyRecords)
          .where(where(db, holder, key)),
      );
      const createdAt = record ? Date.parse(record.createdAt) : 0;
      const expired = record !== undefined && now - createdAt >= RETENTION_MS;
      const abandoned = record?.state === 'in_flight' && now - createdAt >= ABANDONED_MS;
      if (record && !expired && !abandoned) {
        if (record.requestHash !== requestHash) return { kind: 'mismatch' };
        if (record.state === 'in_flight') return { kind: 'in_flight' };
        return {
          kind: 'replay',
          response: { status: record.status, headers: record.headers ?? {}, body: record.body },
        };
      }
      if (record) await db.delete(idempotencyRecords).where(where(db, holder, key));
      await db
        .insert(idempotencyRecords)
        .values({ holder, key, requestHash, state: 'in_flight', createdAt: new Date(now).toISOString() });
      return { kind: 'new' };
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
