import { and, asc, count, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { flushSearchIndex } from '../db/search-index.js';
import { tablesOf } from '../db/tables.js';
import { tripRules } from '../domain/rules.js';
import { nowIso } from '../domain/time.js';
import { assertExpected, changedFields, type Expected, untilWritten } from '../domain/versions.js';
import { assertValid, type FieldIssue, NotFoundError } from '../errors.js';
import { splitFacets } from '../schemas/facets.js';
import type { CreateTrip, Trip, TripListQuery, UpdateTrip } from '../schemas/trips.js';
import { containsText, hasTopic } from './conditions.js';
import { perEngine } from './dialect.js';
import { decadeOf, type FacetedPage, type FacetSource, withFacets, yearOf } from './facets.js';
import { type FiltersOf, paginate, sortsFor } from './pagination.js';
import { preparedOnce } from './prepared.js';

export type TripsRepository = ReturnType<typeof createTripsRepository>;

const tripSorts = perEngine(({ t: { trips } }) =>
  sortsFor<Trip, 'startDate' | 'endDate' | 'title' | 'createdAt' | 'updatedAt'>({
    startDate: { columns: [trips.startDate, trips.id], key: (t) => [t.startDate, t.id] },
    endDate: { columns: [trips.endDate, trips.id], key: (t) => [t.endDate, t.id] },
    title: { columns: [trips.title, trips.id], key: (t) => [t.title, t.id] },
    createdAt: { columns: [trips.createdAt, trips.id], key: (t) => [t.createdAt, t.id] },
    updatedAt: { columns: [trips.updatedAt, trips.id], key: (t) => [t.updatedAt, t.id] },
  }),
);

export type TripFilters = FiltersOf<TripListQuery>;

/** What trips' facets count: a trip's countries are its stops' (a trip counts once in each), its year its start's. */
const tripFacets = perEngine(
  ({ t: { trips, stops } }): FacetSource => ({
    from: sql`${trips}`,
    id: trips.id,
    fields: {
      country: {
        value: stops.country,
        joins: [sql`left join ${stops} on ${stops.tripId} = ${trips.id}`],
        multiplies: true,
      },
      year: { value: yearOf(trips.startDate) },
      decade: { value: decadeOf(trips.startDate) },
      traveler: { value: trips.travelerId },
      status: { value: trips.status },
    },
  }),
);

/**
 * How a country filter reads stops. 'set' (the default): `id in (the trips of the countries' stops)`, which reads
 * only those stops, but every one of them, and sorts their trips, whatever the page; right for a rare country.
 * 'walk': the trips in the page's order, each kept when it has a stop there (`exists`, by the stops' trip index);
 * the walk ends after a page, which is a few trips when the countries have many stops, and it needs an index in
 * the sort's order. `list` chooses by counting, up to a bound, the countries' stops.
 */
export type CountryPlan = 'set' | 'walk';

/** Stops in the countries from which walking trips in date order beats reading every stop there. */
const WALK_FROM_STOPS = 1000;

/**
 * The WHERE clause of a trip query. Topics are a JSON array: json_each is SQLite's way to look inside it. Stops
 * and meetings come in as `id in (…)` sets rather than correlated EXISTS, so that SQLite reads only the matching
 * stops or attendances (by their indexes) instead of testing every trip's itinerary; countries may be walked
 * instead (see CountryPlan).
 */
export function tripConditions(f: TripFilters, db: Db, countryPlan: CountryPlan = 'set'): SQL | undefined {
  const { trips, stops, meetings, meetingParticipants } = tablesOf(db);
  const visitsCountry = (codes: string[]) =>
    countryPlan === 'walk'
      ? sql`exists (select 1 from ${stops} where ${stops.tripId} = ${trips.id} and ${inArray(stops.country, codes)})`
      : inArray(trips.id, db.select({ id: stops.tripId }).from(stops).where(inArray(stops.country, codes)));
  const attends = (participantId: number) =>
    inArray(
      trips.id,
      db
        .select({ id: stops.tripId })
        .from(meetingParticipants)
        .innerJoin(meetings, eq(meetings.id, meetingParticipants.meetingId))
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .where(eq(meetingParticipants.participantId, participantId)),
    );
  return and(
    f.from ? gte(trips.endDate, f.from) : undefined,
    f.to ? lte(trips.startDate, f.to) : undefined,
    f.country ? visitsCountry(f.country) : undefined,
    f.traveler ? eq(trips.travelerId, f.traveler) : undefined,
    f.participant ? or(eq(trips.travelerId, f.participant), attends(f.participant)) : undefined,
    f.status ? inArray(trips.status, f.status) : undefined,
    f.topic ? hasTopic(db, trips.topics, f.topic, 'trip', trips.id) : undefined,
    f.q ? containsText(db, f.q, 'trip', trips.id) : undefined,
  );
}

export function createTripsRepository() {
  const countryStopsStatement = preparedOnce((db, { t: { stops }, d }) =>
    db
      .select({ n: count() })
      .from(
        db
          .select({ one: sql`1` })
          .from(stops)
          .where(d.inIdList(stops.country, 'codes', 'text'))
          .limit(WALK_FROM_STOPS)
          .as('bounded'),
      )
      .prepare(),
  );
  /** The countries' stops, counted up to WALK_FROM_STOPS (an index range, at most that long). */
  const countryStops = async (codes: string[], tx: Transaction) =>
    firstRow(await countryStopsStatement(tx).execute({ codes: JSON.stringify(codes) }))?.n ?? 0;

  const byId = preparedOnce((db, { t: { trips } }) =>
    db
      .select()
      .from(trips)
      .where(eq(trips.id, sql.placeholder('id')))
      .prepare(),
  );
  const find = async (id: number, tx: Transaction): Promise<Trip | undefined> =>
    firstRow(await byId(tx).execute({ id }));

  const get = async (id: number, tx: Transaction): Promise<Trip> => {
    const row = await find(id, tx);
    if (!row) throw new NotFoundError('trip', id);
    return row;
  };

  const travelerErrors = async (db: Db, travelerId: number | undefined): Promise<FieldIssue[]> => {
    if (travelerId === undefined) return [];
    const { participants } = tablesOf(db);
    const found = firstRow(
      await db.select({ id: participants.id }).from(participants).where(eq(participants.id, travelerId)),
    );
    return found ? [] : [{ field: 'travelerId', message: `no participant has the id ${travelerId}` }];
  };

  return {
    /** The trip with this id; NotFoundError when there is none. */
    async get(id: number, tx: Transaction): Promise<Trip> {
      return get(id, tx);
    },

    /** The trip with this id, or undefined. */
    async find(id: number, tx: Transaction): Promise<Trip | undefined> {
      return find(id, tx);
    },

    /** These trips, in id order (unknown ids are left out). */
    async getMany(ids: number[], { db }: Transaction): Promise<Trip[]> {
      if (ids.length === 0) return [];
      const { trips } = tablesOf(db);
      return db.select().from(trips).where(inArray(trips.id, ids)).orderBy(asc(trips.id));
    },

    /** A page of trips matching the filters, in the requested order, with the facets `facet` asks for. */
    async list(query: TripListQuery, tx: Transaction): Promise<FacetedPage<Trip>> {
      const { db } = tx;
      const { trips } = tablesOf(db);
      const { facets, rest } = splitFacets(query);
      const { limit, cursor, count: withCount, format: _format, sort, include: _include, ...filters } = rest;
      // Only trips_dates_idx gives trips in a sort's order (start date, either way).
      // The text filters read the search index: it first takes in the writes made since its last flush.
      if (filters.q !== undefined || filters.topic !== undefined) await flushSearchIndex(tx);
      const walkable = (sort === 'startDate' || sort === '-startDate') && filters.country !== undefined;
      const countryPlan: CountryPlan =
        walkable && (await countryStops(filters.country ?? [], tx)) >= WALK_FROM_STOPS ? 'walk' : 'set';
      const where = tripConditions(filters, db, countryPlan);
      const page = await paginate(
        { limit, cursor, count: withCount },
        tripSorts(db)[sort],
        filters,
        async (after, order, max) =>
          db
            .select()
            .from(trips)
            .where(and(where, after))
            .orderBy(...order)
            .limit(max),
        async () => firstRow(await db.select({ n: count() }).from(trips).where(where))?.n ?? 0,
      );
      return withFacets(page, tx, tripFacets(db), where, facets);
    },

    async create(input: CreateTrip & { id?: number }, { db }: Transaction): Promise<Trip> {
      const { trips } = tablesOf(db);
      assertValid([...tripRules(input), ...(await travelerErrors(db, input.travelerId))]);
      const now = nowIso();
      const [created] = await db
        .insert(trips)
        .values({ ...input, createdAt: now, updatedAt: now })
        .returning();
      return created as Trip;
    },

    /** Changes some fields; with `expected` versions, only if the trip is still at one of them (else 412). */
    async update(id: number, patch: UpdateTrip, expected: Expected, tx: Transaction): Promise<Trip> {
      const { db } = tx;
      const { trips } = tablesOf(db);
      return untilWritten(async () => {
        const current = await get(id, tx);
        assertExpected(expected, 'trip', id, current.version);
        // A patch that changes nothing writes nothing: same version, updatedAt and ETag, no audit entry.
        const changes = changedFields(current, patch);
        if (Object.keys(changes).length === 0) return current;
        assertValid([
          ...tripRules({ ...current, ...changes }),
          ...(await travelerErrors(db, changes.travelerId)),
        ]);
        const [updated] = await db
          .update(trips)
          .set({ ...changes, updatedAt: nowIso(), version: sql`${trips.version} + 1` })
          .where(and(eq(trips.id, id), eq(trips.version, current.version)))
          .returning();
        return updated as Trip | undefined;
      });
    },

    /** Deletes the trip; its stops, their meetings and the meetings' attendance go with it (ON DELETE CASCADE). */
    async delete(id: number, expected: Expected, tx: Transaction): Promise<void> {
      const { trips } = tablesOf(tx.db);
      await untilWritten(async () => {
        const { version } = await get(id, tx);
        assertExpected(expected, 'trip', id, version);
        const deleted = await tx.db.delete(trips).where(and(eq(trips.id, id), eq(trips.version, version)));
        return changedRows(deleted) > 0 ? true : undefined;
      });
    },
  };
}
