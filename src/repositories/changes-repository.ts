import { count, lt, max, min, type SQL, sql } from 'drizzle-orm';
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

/**
 * What a feed is narrowed to; every part given must hold (and). Without `participant`, changes of attendance are
 * left out (each is followed by its meeting's own change, which is shown).
 */
export type ChangeFilter = {
  /** Changes of this trip, its stops and meetings (a meeting moved away included), by the trip at the change. */
  trip?: number;
  /**
   * Changes of this participant: the record itself, its changes of attendance (joined, left or changed role in a
   * meeting), and the changes of the meetings it attends and of the trips it travels on now.
   */
  participant?: number;
  /** Changes of these kinds of resource only. */
  resources?: readonly Change['type'][];
};

/**
 * A page of the feed: changes oldest first, the token to ask from next, and whether more wait after it; `tokens[i]`
 * is the token that resumes right after `data[i]` (a stream's event ids).
 */
export type ChangesPage = { data: Change[]; nextToken: string; hasMore: boolean; tokens: string[] };

/** The change feed's reads and pruning, on the transaction given. */
export type ChangeFeed = {
  /** The token of the present: a read from it answers only changes made later. */
  currentToken(tx: Transaction): Promise<string>;
  /**
   * Changes after the token that pass `filter`, oldest first, at most `limit`; 400 for a token this API did not
   * issue, 410 for one too old. When no more wait, `nextToken` is the end of what was looked at, so a filtered feed
   * does not look at the same changes again.
   */
  since(token: string, limit: number, tx: Transaction, filter?: ChangeFilter): Promise<ChangesPage>;
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

/** A row of `changes` as the feed reads it. */
type ChangeRow = {
  seq: number;
  resource: Change['type'];
  resourceId: number;
  action: Change['action'];
  version: number | null;
  changedAt: string;
  tripId: number | null;
  participantId: number | null;
};

/** The columns of a ChangeRow, for a select from `changes`. */
const CHANGE_COLUMNS = sql`seq, resource, resource_id as "resourceId", action, version, changed_at as "changedAt",
  trip_id as "tripId", participant_id as "participantId"`;

/** A change as the feed shows it. */
const asChange = (row: ChangeRow): Change => ({
  type: row.resource,
  id: row.resourceId,
  action: row.action,
  deleted: row.action === 'deleted',
  version: row.version,
  changedAt: row.changedAt,
  tripId: row.tripId,
  participantId: row.participantId,
});

/** The condition on `changes` of a filter (column names are the same on both engines). */
function filterCondition({ trip, participant, resources }: ChangeFilter = {}): SQL {
  const parts: SQL[] = [
    participant === undefined
      ? sql`participant_id is null`
      : sql`(participant_id = ${participant} or (participant_id is null and (
          (resource = 'participant' and resource_id = ${participant})
          or (resource = 'meeting' and resource_id in
            (select meeting_id from meeting_participants where participant_id = ${participant}))
          or trip_id in (select id from trips where traveler_id = ${participant}))))`,
  ];
  if (trip !== undefined) parts.push(sql`(trip_id = ${trip} or former_trip_id = ${trip})`);
  if (resources !== undefined && resources.length > 0) {
    parts.push(
      sql`resource in (${sql.join(
        resources.map((resource) => sql`${resource}`),
        sql`, `,
      )})`,
    );
  }
  return sql.join(parts, sql` and `);
}

export function createChangesRepository(): ChangeFeed {
  const sqlite = sqliteFeed();
  const postgres = postgresFeed();
  const of = (tx: Transaction) => (dialectOf(tx.db).engine === 'postgres' ? postgres : sqlite);
  return {
    currentToken: async (tx) => of(tx).currentToken(tx),
    since: async (token, limit, tx, filter) => of(tx).since(token, limit, tx, filter),
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

    async since(token, limit, tx, filter) {
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
      const rows = await queryRows<ChangeRow>(
        tx,
        sql`select ${CHANGE_COLUMNS} from changes where seq > ${after} and ${filterCondition(filter)}
          order by seq limit ${limit + 1}`,
      );
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      // Without more, everything up to the last change (read in this transaction) was looked at.
      const next = hasMore ? (page.at(-1)?.seq ?? after) : last;
      return {
        data: page.map(asChange),
        nextToken: encodeToken(next),
        hasMore,
        tokens: page.map((row) => encodeToken(row.seq)),
      };
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

    async since(token, limit, tx, filter) {
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
      const rows = await queryRows<ChangeRow & { txid: string }>(
        tx,
        sql`select txid::text as txid, ${CHANGE_COLUMNS}
          from changes
          where (txid, seq) >= (${from.txid}::xid8, ${from.seq}) and txid < ${before}::xid8
            and ${filterCondition(filter)}
          order by txid, seq
          limit ${limit + 1}`,
      );
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      const last = page.at(-1);
      // The next page starts after the last change served; without more, after the last change looked at (one
      // that the filter left out included), so that the next read does not look at it again.
      const scanned = hasMore
        ? undefined
        : await queryRow<{ txid: string; seq: number }>(
            tx,
            sql`select txid::text as txid, seq from changes
              where (txid, seq) >= (${from.txid}::xid8, ${from.seq}) and txid < ${before}::xid8
              order by txid desc, seq desc limit 1`,
          );
      const end = hasMore ? last : scanned;
      const next: Position = end ? later(from, { txid: end.txid, seq: end.seq + 1 }) : from;
      return {
        data: page.map(asChange),
        nextToken: encodePosition(next),
        hasMore,
        tokens: page.map((row) => encodePosition({ txid: row.txid, seq: row.seq + 1 })),
      };
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
