import { asc, count, gt, lt, max, min } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { firstRow, queryRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { GoneError, InvalidInputError } from '../errors.js';
import type { Change } from '../schemas/changes.js';
import { dialectOf } from './dialect.js';

// The change feed reads the `changes` table that triggers fill. A token is the opaque form of a position (a seq):
// "everything up to here". History older than the retention is pruned; a token from before the pruned part can
// no longer be answered truthfully, so it is a GoneError and the client resyncs in full.

const encodeToken = (seq: number): string => Buffer.from(`changes:${seq}`).toString('base64url');

function decodeToken(token: string): number {
  const match = /^changes:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) {
    throw new InvalidInputError([
      {
        field: 'since',
        message: 'is not a token this API issued; call /changes without since to get one',
      },
    ]);
  }
  return Number(match[1]);
}

export function createChangesRepository() {
  /** The highest seq ever used, even if pruned (SQLite keeps AUTOINCREMENT's high-water mark). */
  const highWater = async (tx: Transaction): Promise<number> => {
    const { changes } = tablesOf(tx.db);
    const kept = firstRow(await tx.db.select({ last: max(changes.seq) }).from(changes))?.last;
    if (kept !== null && kept !== undefined) return kept;
    const row = await queryRow<{ seq: number }>(tx, dialectOf(tx.db).lastChangeEver);
    return Number(row?.seq ?? 0);
  };

  return {
    currentToken: async (tx: Transaction): Promise<string> => encodeToken(await highWater(tx)),

    /** Changes after the token, oldest first. */
    async since(
      token: string,
      limit: number,
      tx: Transaction,
    ): Promise<{ data: Change[]; nextToken: string; hasMore: boolean }> {
      const { db } = tx;
      const { changes } = tablesOf(db);
      const after = decodeToken(token);
      const last = await highWater(tx);
      if (after > last) {
        throw new InvalidInputError([{ field: 'since', message: 'is ahead of every change this API has' }]);
      }
      const oldest = firstRow(await db.select({ first: min(changes.seq) }).from(changes))?.first ?? last + 1;
      if (after < oldest - 1) {
        throw new GoneError(
          'This token is older than the change history kept; fetch the collections again, then call /changes without since for a new token.',
        );
      }
      const rows = await db
        .select()
        .from(changes)
        .where(gt(changes.seq, after))
        .orderBy(asc(changes.seq))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const data = page.map((row) => ({
        type: row.resource,
        id: row.resourceId,
        action: row.action,
        deleted: row.action === 'deleted',
        version: row.version,
        changedAt: row.changedAt,
      }));
      return { data, nextToken: encodeToken(page.at(-1)?.seq ?? after), hasMore: rows.length > limit };
    },

    /** Drops history older than the cutoff (ISO instant). Answers how many changes were dropped. */
    async pruneBefore(cutoff: string, { db }: Transaction): Promise<number> {
      const { changes } = tablesOf(db);
      const stale =
        firstRow(await db.select({ n: count() }).from(changes).where(lt(changes.changedAt, cutoff)))?.n ?? 0;
      if (stale > 0) await db.delete(changes).where(lt(changes.changedAt, cutoff));
      return stale;
    },
  };
}
