import { asc, count, gt, lt, max, min, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { firstRow, queryRow, queryRows, runStatement } from '../db/queries.js';
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

/** The change feed's reads and pruning, on the transaction given. */
export type ChangeFeed = {
  /** The token of the present: a read from it answers only changes made later. */
  currentToken(tx: Transaction): Promise<string>;
  /** Changes after the token, oldest first; 400 for a token this API did not issue, 410 for one too old. */
  since(
    token: string,
    limit: number,
    tx: Transaction,
  ): Promise<{ data: Change[]; nextToken: string; hasMore: boolean }>;
  /** Drops history older than the cutoff (ISO instant). Answers how many changes were dropped. */
  pruneBefore(cutoff: string, tx: Transaction): Promise<number>;
};

/**
 * Whether the transaction `tx` may run the periodic maintenance (pruning the change feed and idempotency keys):
 * with several instances on one PostgreSQL database, one of them at a time does, and the others skip their turn.
 * Always true on SQLite, where one process owns the database.
 */
export async function claimMaintenance(tx: Transaction): Promise<boolean> {
  const claim = dialectOf(tx.db).maintenanceClaim;
  if (!claim) return true;
  return (await queryRow<{ claimed: boolean }>(tx, claim))?.claimed === true;
}

/** A change as the feed shows it. */
const asChange = (row: {
  resource: Change['type'];
  resourceId: number;
  action: Change['action'];
  version: number | null;
  changedAt: string;
}): Change => ({
  type: row.resource,
  id: row.resourceId,
  action: row.action,
  deleted: row.action === 'deleted',
  version: row.version,
  changedAt: row.changedAt,
});

export function createChangesRepository(): ChangeFeed {
  const sqlite = sqliteFeed();
  const postgres = postgresFeed();
  const of = (tx: Transaction) => (dialectOf(tx.db).engine === 'postgres' ? postgres : sqlite);
  return {
    currentToken: async (tx) => of(tx).currentToken(tx),
    since: async (token, limit, tx) => of(tx).since(token, limit, tx),
    pruneBefore: async (cutoff, tx) => of(tx).pruneBefore(cutoff, tx),
  };
}

/** SQLite's feed: one writer at a time, so changes commit in seq order, and a seq is a position. */
function sqliteFeed(): ChangeFeed {
  /** The highest seq ever used, even if pruned (SQLite keeps AUTOINCREMENT's high-water mark). */
  const highWater = async (tx: Transaction): Promise<number> => {
    const { changes } = tablesOf(tx.db);
    const kept = firstRow(await tx.db.select({ last: max(changes.seq) }).from(changes))?.last;
    if (kept !== null && kept !== undefined) return kept;
    const query = dialectOf(tx.db).lastChangeEver;
    if (query === null) throw new Error("the SQLite feed runs on SQLite's dialect only");
    const row = await queryRow<{ seq: number }>(tx, query);
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
      const data = page.map(asChange);
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

/** A position of PostgreSQL's feed: every change before it, in (txid, seq) order, has been served. */
type Position = { txid: string; seq: number };

const POSITION = /^changes:(\d{1,20})\.(\d{1,10})$/;

const encodePosition = ({ txid, seq }: Position): string =>
  Buffer.from(`changes:${txid}.${seq}`).toString('base64url');

function decodePosition(token: string): Position {
  const match = POSITION.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) {
    throw new InvalidInputError([
      {
        field: 'since',
        message: 'is not a token this API issued; call /changes without since to get one',
      },
    ]);
  }
  return { txid: match[1] as string, seq: Number(match[2]) };
}

/**
 * PostgreSQL's feed. Writers run concurrently, and a change's seq is taken before its transaction commits, so seq
 * order is not commit order. Each change records its transaction's id (migration 0003), and the feed serves changes
 * in (txid, seq) order up to a horizon: the oldest transaction that was still running when the read's snapshot was
 * taken and may write to this database (pg_snapshot_xip; one that is still running in another database, as
 * pg_stat_activity says, cannot, and one that ended since counts all the same), or the snapshot's xmax when none
 * was. Every transaction before the horizon had ended when the snapshot was taken, so its changes are all in it,
 * and a change that commits later belongs to a transaction at or past the horizon: it comes after every position
 * served. A token is such a position; the feed never skips or repeats a change, on any instance. A transaction
 * left open in this database holds the feed back (not the writes) until it ends.
 */
function postgresFeed(): ChangeFeed {
  /** The horizon of the read's snapshot, and its xmax (no transaction at or past it had begun). */
  const bounds = async (tx: Transaction) =>
    (await queryRow<{ horizon: string; xmax: string }>(
      tx,
      sql`with snapshot as (select pg_current_snapshot() as s)
        select coalesce(
            (select min(running)::text from snapshot, pg_snapshot_xip(snapshot.s) as running
              where not exists (select 1 from pg_stat_activity as other
                where other.datname <> current_database() and other.backend_xid = xid(running))),
            (select pg_snapshot_xmax(s)::text from snapshot)) as horizon,
          (select pg_snapshot_xmax(s)::text from snapshot) as xmax`,
    )) ?? { horizon: '0', xmax: '0' };
  const later = (a: Position, b: Position) =>
    BigInt(a.txid) > BigInt(b.txid) || (a.txid === b.txid && a.seq > b.seq) ? a : b;

  return {
    currentToken: async (tx) => encodePosition({ txid: (await bounds(tx)).horizon, seq: 0 }),

    async since(token, limit, tx) {
      const from = decodePosition(token);
      const { horizon: before, xmax } = await bounds(tx);
      if (BigInt(from.txid) > BigInt(xmax)) {
        throw new InvalidInputError([{ field: 'since', message: 'is ahead of every change this API has' }]);
      }
      const horizon = await queryRow<{ txid: string; seq: number }>(
        tx,
        sql`select txid::text as txid, seq from change_feed_horizon where id = 1`,
      );
      if (
        horizon &&
        later(horizon, from) === horizon &&
        !(horizon.txid === from.txid && horizon.seq === from.seq)
      ) {
        throw new GoneError(
          'This token is older than the change history kept; fetch the collections again, then call /changes without since for a new token.',
        );
      }
      const rows = await queryRows<{
        txid: string;
        seq: number;
        resource: Change['type'];
        resourceId: number;
        action: Change['action'];
        version: number | null;
        changedAt: string;
      }>(
        tx,
        sql`select txid::text as txid, seq, resource, resource_id as "resourceId", action, version,
            changed_at as "changedAt"
          from changes
          where (txid, seq) >= (${from.txid}::xid8, ${from.seq}) and txid < ${before}::xid8
          order by txid, seq
          limit ${limit + 1}`,
      );
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      const last = page.at(-1);
      // The next page starts after the last change served, or where this one did: nothing came since.
      const next: Position = last ? { txid: last.txid, seq: last.seq + 1 } : from;
      return { data: page.map(asChange), nextToken: encodePosition(next), hasMore };
    },

    async pruneBefore(cutoff, tx) {
      // The horizon moves past the last change dropped, in the same transaction as the delete.
      const dropped = await queryRows<{ txid: string; seq: number }>(
        tx,
        sql`delete from changes where changed_at < ${cutoff} returning txid::text as txid, seq`,
      );
      if (dropped.length === 0) return 0;
      const last = dropped.reduce((a, b) => later(a, b));
      await runStatement(
        tx,
        sql`update change_feed_horizon set txid = ${last.txid}::xid8, seq = ${last.seq + 1}
          where id = 1 and (txid, seq) < (${last.txid}::xid8, ${last.seq + 1})`,
      );
      return dropped.length;
    },
  };
}
