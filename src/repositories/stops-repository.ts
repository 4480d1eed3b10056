import { and, asc, count, eq, gte, inArray, lte, max, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow, queryRow } from '../db/queries.js';
import { stopDateKey, stopSpanEnd, stopSpanStart, UNDATED } from '../db/schema.js';
import { flushSearchIndex } from '../db/search-index.js';
import { tablesOf } from '../db/tables.js';
import { stopRules } from '../domain/rules.js';
import { addDays, nowIso } from '../domain/time.js';
import { assertExpected, changedFields, type Expected, untilWritten } from '../domain/versions.js';
import { assertValid, ConflictError, NotFoundError } from '../errors.js';
import { splitFacets } from '../schemas/facets.js';
import type { CreateStop, Stop, StopListQuery, UpdateStop } from '../schemas/stops.js';
import { titleEquals } from './conditions.js';
import { dialectOf, perEngine } from './dialect.js';
import { decadeOf, type FacetedPage, type FacetSource, withFacets, yearOf } from './facets.js';
import { refreshMeetingInstants } from './meetings-repository.js';
import { type FiltersOf, paginate, sortsFor } from './pagination.js';
import { idList, preparedOnce } from './prepared.js';

export type StopsRepository = ReturnType<typeof createStopsRepository>;

// A stop's span is arrival to departure; when only one is known, the stop spans that day. Undated stops sort last.
// The expressions are the schema's, which indexes them.
const stopKeys = perEngine(({ t: { stops } }) => {
  const dateKey = stopDateKey(stops);
  return {
    spanStart: stopSpanStart(stops),
    spanEnd: stopSpanEnd(stops),
    dateKey,
    sorts: sortsFor<Stop, 'position' | 'arrivalDate'>({
      position: {
        columns: [stops.tripId, stops.position, stops.id],
        key: (s) => [s.tripId, s.position, s.id],
      },
      arrivalDate: {
        columns: [dateKey, stops.id],
        key: (s) => [s.arrivalDate ?? s.departureDate ?? UNDATED, s.id],
      },
    }),
  };
});

export type StopFilters = FiltersOf<StopListQuery>;

/** What stops' facets count: a stop's year is that of its arrival (or departure), its traveler its trip's. */
const stopFacets = perEngine(({ t: { stops, trips } }): FacetSource => {
  const date = sql`coalesce(${stops.arrivalDate}, ${stops.departureDate})`;
  return {
    from: sql`${stops}`,
    id: stops.id,
    fields: {
      country: { value: stops.country },
      year: { value: yearOf(date) },
      decade: { value: decadeOf(date) },
      traveler: {
        value: trips.travelerId,
        joins: [sql`inner join ${trips} on ${trips.id} = ${stops.tripId}`],
      },
      trip: { value: stops.tripId },
    },
  };
});

/**
 * The WHERE clause of a stop query on `db`. `longestStay`: the most days any stop spans, which bounds how early a
 * stop that reaches `from` can start.
 */
export function stopConditions(db: Db, f: StopFilters, longestStay = 0): SQL | undefined {
  const { stops, trips } = tablesOf(db);
  const { spanStart, spanEnd, dateKey } = stopKeys(db);
  // Each window bound is also stated on the sort key (implied by the first, as undated stops sort last and no
  // stop that ends on or after `from` starts before `from` less the longest stay), so that SQLite walks the index
  // of the sort key from the bound instead of from the start.
  const from = f.from && addDays(f.from, -longestStay);
  return and(
    f.trip ? eq(stops.tripId, f.trip) : undefined,
    f.traveler
      ? inArray(stops.tripId, db.select({ id: trips.id }).from(trips).where(eq(trips.travelerId, f.traveler)))
      : undefined,
    f.country ? inArray(stops.country, f.country) : undefined,
    f.city ? titleEquals(db, f.city, 'stop', stops.id) : undefined,
    f.from ? and(gte(spanEnd, f.from), from ? gte(dateKey, from) : undefined) : undefined,
    f.to ? and(lte(spanStart, f.to), lte(dateKey, f.to)) : undefined,
    f.bbox ? withinBox(db, f.bbox) : undefined,
  );
}

/** The most days any stop spans (read from the end of an index), for `stopConditions`. */
export const longestStay = async (tx: Transaction): Promise<number> => {
  const { stops } = tablesOf(tx.db);
  const { daysBetween } = dialectOf(tx.db);
  const row = await queryRow<{ days: number | string | null }>(
    tx,
    sql`select max(${daysBetween(stops.arrivalDate, stops.departureDate)}) as days from ${stops}`,
  );
  return Math.ceil(Number(row?.days ?? 0));
};

/**
 * Located stops inside a box; a box whose west edge is east of its east edge crosses the antimeridian. Longitudes
 * 180 and -180 are one meridian: a box with an edge on it holds the stops stored with either spelling.
 */
function withinBox(
  db: Db,
  [minLon, minLat, maxLon, maxLat]: [number, number, number, number],
): SQL | undefined {
  const { stops } = tablesOf(db);
  const longitude =
    minLon <= maxLon
      ? and(gte(stops.longitude, minLon), lte(stops.longitude, maxLon))
      : or(gte(stops.longitude, minLon), lte(stops.longitude, maxLon));
  const onAntimeridian = minLon <= maxLon && (minLon === -180 || maxLon === 180);
  return and(
    gte(stops.latitude, minLat),
    lte(stops.latitude, maxLat),
    onAntimeridian ? or(longitude, inArray(stops.longitude, [-180, 180])) : longitude,
  );
}

export function createStopsRepository() {
  const byId = preparedOnce((db, { t: { stops } }) =>
    db
      .select()
      .from(stops)
      .where(eq(stops.id, sql.placeholder('id')))
      .prepare(),
  );
  const byTrips = preparedOnce((db, { t: { stops }, d }) =>
    db
      .select()
      .from(stops)
      .where(d.inIdList(stops.tripId, 'tripIds'))
      .orderBy(asc(stops.tripId), asc(stops.position))
      .prepare(),
  );
  const get = async (id: number, tx: Transaction): Promise<Stop> => {
    const row = firstRow(await byId(tx).execute({ id }));
    if (!row) throw new NotFoundError('stop', id);
    return row;
  };

  const assertTripExists = async (db: Db, tripId: number) => {
    const { trips } = tablesOf(db);
    if (!firstRow(await db.select({ id: trips.id }).from(trips).where(eq(trips.id, tripId)))) {
      throw new NotFoundError('trip', tripId);
    }
  };

  /** Positions are unique within a trip; say which stop holds the position asked for. */
  const assertPositionFree = async (db: Db, tripId: number, position: number, exceptStopId?: number) => {
    const { stops } = tablesOf(db);
    const [holder] = await db
      .select({ id: stops.id, city: stops.city })
      .from(stops)
      .where(
        and(
          eq(stops.tripId, tripId),
          eq(stops.position, position),
          exceptStopId === undefined ? undefined : ne(stops.id, exceptStopId),
        ),
      );
    if (holder) {
      throw new ConflictError(
        'stop_position_taken',
        `Position ${position} of trip ${tripId} is already held by stop ${holder.id} (${holder.city}); choose another position or move that stop first.`,
      );
    }
  };

  return {
    /** The stop with this id; NotFoundError when there is none. */
    async get(id: number, tx: Transaction): Promise<Stop> {
      return get(id, tx);
    },

    /** The stops of these trips, each trip's in visit order (the caller has checked that the trips exist). */
    async listByTrips(tripIds: number[], tx: Transaction): Promise<Stop[]> {
      return await byTrips(tx).execute({ tripIds: idList(tripIds) });
    },

    /** These stops, in id order (unknown ids are left out). */
    async getMany(ids: number[], { db }: Transaction): Promise<Stop[]> {
      if (ids.length === 0) return [];
      const { stops } = tablesOf(db);
      return db.select().from(stops).where(inArray(stops.id, ids)).orderBy(asc(stops.id));
    },

    /** The stops of the trips a participant travels on, in trip then visit order. */
    async listByTraveler(participantId: number, { db }: Transaction): Promise<Stop[]> {
      const { stops, trips } = tablesOf(db);
      return db
        .select()
        .from(stops)
        .where(
          inArray(
            stops.tripId,
            db.select({ id: trips.id }).from(trips).where(eq(trips.travelerId, participantId)),
          ),
        )
        .orderBy(asc(stops.tripId), asc(stops.position));
    },

    /**
     * A page of stops; by default in visit order within a trip, and chronologically across trips; with the facets
     * `facet` asks for.
     */
    async list(query: StopListQuery, tx: Transaction): Promise<FacetedPage<Stop>> {
      const { db } = tx;
      const { stops } = tablesOf(db);
      const { facets, rest } = splitFacets(query);
      const { limit, cursor, count: withCount, format: _format, sort, include: _include, ...filters } = rest;
      // The text filters read the search index: it first takes in the writes made since its last flush.
      if (filters.city !== undefined) await flushSearchIndex(tx);
      const where = stopConditions(db, filters, filters.from ? await longestStay(tx) : 0);
      const order = sort ?? (filters.trip ? 'position' : 'arrivalDate');
      const page = await paginate(
        { limit, cursor, count: withCount },
        stopKeys(db).sorts[order],
        filters,
        async (after, orderBy, max) =>
          db
            .select()
            .from(stops)
            .where(and(where, after))
            .orderBy(...orderBy)
            .limit(max),
        async () => firstRow(await db.select({ n: count() }).from(stops).where(where))?.n ?? 0,
      );
      return withFacets(page, tx, stopFacets(db), where, facets);
    },

    async create(tripId: number, input: CreateStop & { id?: number }, { db }: Transaction): Promise<Stop> {
      const { stops } = tablesOf(db);
      await assertTripExists(db, tripId);
      assertValid(stopRules(input));
      let position = input.position;
      if (position === undefined) {
        const [last] = await db
          .select({ last: max(stops.position) })
          .from(stops)
          .where(eq(stops.tripId, tripId));
        position = (last?.last ?? 0) + 1;
      } else {
        await assertPositionFree(db, tripId, position);
      }
      const now = nowIso();
      const [created] = await db
        .insert(stops)
        .values({ ...input, tripId, position, createdAt: now, updatedAt: now })
        .returning();
      return created as Stop;
    },

    async update(id: number, patch: UpdateStop, expected: Expected, tx: Transaction): Promise<Stop> {
      const { db } = tx;
      const { stops } = tablesOf(db);
      return untilWritten(async () => {
        const current = await get(id, tx);
        assertExpected(expected, 'stop', id, current.version);
        // A patch that changes nothing writes nothing: same version, updatedAt and ETag, no audit entry.
        const changes = changedFields(current, patch);
        if (Object.keys(changes).length === 0) return current;
        assertValid(stopRules({ ...current, ...changes }));
        if (changes.position !== undefined)
          await assertPositionFree(db, current.tripId, changes.position, id);
        const [updated] = await db
          .update(stops)
          .set({ ...changes, updatedAt: nowIso(), version: sql`${stops.version} + 1` })
          .where(and(eq(stops.id, id), eq(stops.version, current.version)))
          .returning();
        // The same wall-clock times are other instants in another zone.
        if (updated && changes.timeZone !== undefined) {
          await refreshMeetingInstants(tx, { stopIds: [id] });
        }
        return updated as Stop | undefined;
      });
    },

    /** Deletes the stop and, by cascade, its meetings. Other stops keep their positions. */
    async delete(id: number, expected: Expected, tx: Transaction): Promise<void> {
      const { stops } = tablesOf(tx.db);
      await untilWritten(async () => {
        const { version } = await get(id, tx);
        assertExpected(expected, 'stop', id, version);
        const deleted = await tx.db.delete(stops).where(and(eq(stops.id, id), eq(stops.version, version)));
        return changedRows(deleted) > 0 ? true : undefined;
      });
    },
  };
}
