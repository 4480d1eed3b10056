import { and, asc, eq, inArray, isNotNull, max, min, ne, type SQL } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { firstRow, queryRows } from '../db/queries.js';
import { stopSpanEnd, stopSpanStart } from '../db/schema.js';
import { tablesOf } from '../db/tables.js';
import {
  conflictKey,
  conflictSortKey,
  describeConflict,
  type Facts,
  type FoundConflict,
  findConflicts,
  type MeetingFacts,
  type RecordRef,
  type Schedule,
  stopSpan,
} from '../domain/conflicts.js';
import { addDays } from '../domain/time.js';
import type { Conflict, ConflictListQuery } from '../schemas/conflicts.js';
import { dialectOf, perEngine } from './dialect.js';
import { meetingConditions } from './meetings-repository.js';
import { type Page, paginateRows } from './pagination.js';
import { idList, preparedOnce } from './prepared.js';
import { longestStay, stopConditions } from './stops-repository.js';

// Scheduling conflicts (src/domain/conflicts.ts has the rules). This file loads the facts the rules need, for as
// few participants and dates as the question allows, through indexes: the meetings each participant attends or
// travels to (the schedule of /participants/{id}/schedule), the stops of the trips they travel on, and every stop
// of those trips (travel days and overlapping stops are judged within a trip). Cancelled meetings, and cancelled
// trips with their stops and meetings, place nobody and take no part.

export type ConflictsRepository = ReturnType<typeof createConflictsRepository>;

/**
 * What a write touched: conflicts that involve any of these records. A trip covers its stops and meetings; a stop
 * covers its whole trip, since a stop's dates decide travel days and overlaps with the trip's other stops.
 */
export type Focus = { tripIds?: number[]; stopIds?: number[]; meetingIds?: number[] };

type Scope = {
  /** Whose schedules to load; undefined: everyone's. */
  participantIds?: number[];
  /** Local dates the loaded schedules are cut to (inclusive). */
  from?: string;
  to?: string;
};

/** Days either side of a window that schedules are read for: a UTC overlap can join meetings two local dates apart. */
const MARGIN_DAYS = 2;
/** The most meetings a checked write locks one by one (their people and trips); more lock every schedule. */
const MAX_KEYED_MEETINGS = 50;
/** Values bound per statement for `in (…)` lists, well under SQLite's limit. */
const CHUNK = 5_000;

function chunks(ids: number[]): number[][] {
  const unique = [...new Set(ids)];
  const out: number[][] = [];
  for (let i = 0; i < unique.length; i += CHUNK) out.push(unique.slice(i, i + CHUNK));
  return out;
}

/** `run` over the ids in chunks of CHUNK (each id once), one after the other; answers every chunk's rows. */
async function inChunks<Row>(ids: number[], run: (chunk: number[]) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const chunk of chunks(ids)) rows.push(...(await run(chunk)));
  return rows;
}

const later = (a: string | undefined, b: string | undefined) => (a && b ? (a > b ? a : b) : (a ?? b));
const earlier = (a: string | undefined, b: string | undefined) => (a && b ? (a < b ? a : b) : (a ?? b));

const conflictSql = perEngine(({ t: { meetings, stops, trips } }) => ({
  meetingFields: {
    id: meetings.id,
    stopId: meetings.stopId,
    tripId: stops.tripId,
    title: meetings.title,
    date: meetings.date,
    startTime: meetings.startTime,
    endTime: meetings.endTime,
    partOfDay: meetings.partOfDay,
    startsAt: meetings.startsAt,
    endsAt: meetings.endsAt,
  },
  /** Meetings and trips that take part: not cancelled, and dated. */
  live: and(ne(meetings.status, 'cancelled'), ne(trips.status, 'cancelled'), isNotNull(meetings.date)),
}));

type Resolved = {
  participantIds: number[];
  from: string;
  to: string;
  tripIds: Set<number>;
  meetingIds: Set<number>;
};

export function createConflictsRepository() {
  // Prepared once per connection: the first look of every checked write of meetings (building and compiling it
  // had cost each write about 0.3 ms, against 0.03 ms to run it).
  const meetingPeople = preparedOnce((db, { t: { meetings, meetingParticipants, stops, trips }, d }) =>
    db
      .select({
        date: meetings.date,
        travelerId: trips.travelerId,
        attendeeId: meetingParticipants.participantId,
      })
      .from(meetings)
      .innerJoin(stops, eq(stops.id, meetings.stopId))
      .innerJoin(trips, eq(trips.id, stops.tripId))
      .leftJoin(meetingParticipants, eq(meetingParticipants.meetingId, meetings.id))
      .where(and(d.inIdList(meetings.id, 'meetingIds'), conflictSql(db).live))
      .prepare(),
  );

  /** The facts for the scope, in a fixed number of queries (more only for very long `in` lists). */
  const load = async (tx: Transaction, scope: Scope): Promise<Facts> => {
    const { db } = tx;
    const { meetings, meetingParticipants, stops, trips } = tablesOf(db);
    const { meetingFields, live } = conflictSql(db);
    const ids = scope.participantIds;
    const window = meetingConditions(db, { from: scope.from, to: scope.to });
    const byParticipants = async (
      column: ColumnLike,
      run: (where: SQL | undefined) => Promise<MeetingRow[]>,
    ): Promise<MeetingRow[]> =>
      ids === undefined ? run(undefined) : inChunks(ids, (chunk) => run(inArray(column, chunk)));

    // The meetings they attend, and the meetings of the trips they travel on.
    const attended = await byParticipants(meetingParticipants.participantId, async (who) =>
      db
        .select({ participantId: meetingParticipants.participantId, ...meetingFields })
        .from(meetingParticipants)
        .innerJoin(meetings, eq(meetings.id, meetingParticipants.meetingId))
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .innerJoin(trips, eq(trips.id, stops.tripId))
        .where(and(who, live, window)),
    );
    const travelled = await byParticipants(trips.travelerId, async (who) =>
      db
        .select({ participantId: trips.travelerId, ...meetingFields })
        .from(meetings)
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .innerJoin(trips, eq(trips.id, stops.tripId))
        .where(and(who, live, window)),
    );

    // The trips whose stops are needed: those of these meetings, and those the participants travel on.
    let tripIds: number[] | undefined;
    if (ids !== undefined && (scope.from || scope.to)) {
      // Within a window, only the trips with a stop in it (a check on write reads a few days): a frequent
      // traveler's other trips cannot place them there. Each such trip comes whole, for its travel days.
      const inWindow = stopConditions(
        db,
        { from: scope.from, to: scope.to },
        scope.from ? await longestStay(tx) : 0,
      );
      tripIds = (
        await inChunks(ids, (chunk) =>
          db
            .selectDistinct({ id: stops.tripId })
            .from(stops)
            .innerJoin(trips, eq(trips.id, stops.tripId))
            .where(and(inArray(trips.travelerId, chunk), ne(trips.status, 'cancelled'), inWindow)),
        )
      ).map((t) => t.id);
    } else if (ids !== undefined) {
      tripIds = (
        await inChunks(ids, (chunk) =>
          db
            .select({ id: trips.id })
            .from(trips)
            .where(and(inArray(trips.travelerId, chunk), ne(trips.status, 'cancelled'))),
        )
      ).map((t) => t.id);
    } else if (scope.from || scope.to) {
      tripIds = (
        await db
          .selectDistinct({ id: stops.tripId })
          .from(stops)
          .where(
            stopConditions(db, { from: scope.from, to: scope.to }, scope.from ? await longestStay(tx) : 0),
          )
      ).map((s) => s.id);
    }
    if (tripIds !== undefined)
      tripIds.push(...attended.map((m) => m.tripId), ...travelled.map((m) => m.tripId));
    const stopColumns = {
      id: stops.id,
      tripId: stops.tripId,
      position: stops.position,
      city: stops.city,
      country: stops.country,
      arrivalDate: stops.arrivalDate,
      departureDate: stops.departureDate,
      tripTitle: trips.title,
      travelerId: trips.travelerId,
    };
    const readStops = async (where: SQL | undefined) =>
      db
        .select(stopColumns)
        .from(stops)
        .innerJoin(trips, eq(trips.id, stops.tripId))
        .where(and(where, ne(trips.status, 'cancelled')))
        .orderBy(asc(stops.tripId), asc(stops.position));
    const stopRows =
      tripIds === undefined
        ? await readStops(undefined)
        : await inChunks(tripIds, (chunk) => readStops(inArray(stops.tripId, chunk)));

    const facts: Facts = { trips: new Map(), stops: new Map(), meetings: new Map(), schedules: new Map() };
    for (const { tripTitle, travelerId, ...stop } of stopRows) {
      let trip = facts.trips.get(stop.tripId);
      if (!trip) {
        trip = { id: stop.tripId, title: tripTitle, travelerId, stops: [] };
        facts.trips.set(trip.id, trip);
      }
      trip.stops.push(stop);
      facts.stops.set(stop.id, stop);
    }
    const scheduleOf = (participantId: number): Schedule => {
      let schedule = facts.schedules.get(participantId);
      if (!schedule) {
        schedule = { meetings: [], stops: [] };
        facts.schedules.set(participantId, schedule);
      }
      return schedule;
    };
    const placed = new Set<string>();
    for (const { participantId, ...row } of [...attended, ...travelled]) {
      const key = `${participantId}:${row.id}`;
      if (placed.has(key) || !facts.stops.has(row.stopId)) continue;
      placed.add(key);
      const meeting = facts.meetings.get(row.id) ?? ({ ...row, date: row.date as string } as MeetingFacts);
      facts.meetings.set(meeting.id, meeting);
      scheduleOf(participantId).meetings.push(meeting);
    }
    const wanted = ids === undefined ? undefined : new Set(ids);
    for (const trip of facts.trips.values()) {
      if (wanted && !wanted.has(trip.travelerId)) continue;
      for (const stop of trip.stops) {
        const span = stopSpan(stop);
        if (!span || (scope.from && span.to < scope.from) || (scope.to && span.from > scope.to)) continue;
        scheduleOf(trip.travelerId).stops.push(stop);
      }
    }
    return facts;
  };

  /**
   * The participants, dates and records a focus spans; null when it places nobody on any date. `people`: the focus's
   * meetings' people as lockSchedules read them, when it did.
   */
  const resolve = async (
    tx: Transaction,
    focus: Focus,
    people?: MeetingPeopleRow[],
  ): Promise<Resolved | null> => {
    const { db } = tx;
    const { meetings, meetingParticipants, stops, trips } = tablesOf(db);
    const tripIds = new Set(focus.tripIds ?? []);
    for (const chunk of chunks(focus.stopIds ?? [])) {
      for (const stop of await db
        .select({ tripId: stops.tripId })
        .from(stops)
        .where(inArray(stops.id, chunk))) {
        tripIds.add(stop.tripId);
      }
    }
    const meetingIds = new Set(focus.meetingIds ?? []);
    const participantIds: number[] = [];
    let first: string | undefined;
    let last: string | undefined;
    for (const chunk of chunks([...tripIds])) {
      const travelers = await db
        .select({ id: trips.travelerId })
        .from(trips)
        .where(and(inArray(trips.id, chunk), ne(trips.status, 'cancelled')));
      const attendees = await db
        .selectDistinct({ id: meetingParticipants.participantId })
        .from(stops)
        .innerJoin(meetings, eq(meetings.stopId, stops.id))
        .innerJoin(meetingParticipants, eq(meetingParticipants.meetingId, meetings.id))
        .where(inArray(stops.tripId, chunk));
      participantIds.push(...travelers.map((t) => t.id), ...attendees.map((p) => p.id));
      const stopDates = firstRow(
        await db
          .select({ first: min(stopSpanStart(stops)), last: max(stopSpanEnd(stops)) })
          .from(stops)
          .where(inArray(stops.tripId, chunk)),
      );
      const meetingDates = firstRow(
        await db
          .select({ first: min(meetings.date), last: max(meetings.date) })
          .from(meetings)
          .innerJoin(stops, eq(stops.id, meetings.stopId))
          .where(inArray(stops.tripId, chunk)),
      );
      first = earlier(first, earlier(asDate(stopDates?.first), meetingDates?.first ?? undefined));
      last = later(last, later(asDate(stopDates?.last), meetingDates?.last ?? undefined));
    }
    if (meetingIds.size > 0) {
      // Each live meeting with its trip's traveler and, a row each, its attendees (one prepared query, the ids bound
      // as one list): a meeting that is cancelled or undated places nobody. Taking the locks read them already.
      const rows = people ?? (await meetingPeople(tx).execute({ meetingIds: idList([...meetingIds]) }));
      for (const row of rows) {
        participantIds.push(row.travelerId);
        if (row.attendeeId !== null) participantIds.push(row.attendeeId);
        first = earlier(first, row.date ?? undefined);
        last = later(last, row.date ?? undefined);
      }
    }
    if (!first || !last || participantIds.length === 0) return null;
    return {
      participantIds: [...new Set(participantIds)],
      from: addDays(first, -MARGIN_DAYS) ?? first,
      to: addDays(last, MARGIN_DAYS) ?? last,
      tripIds,
      meetingIds,
    };
  };

  /**
   * Locks the schedules a focus can change, before they are read (Dialect.scheduleLocks). A focus on meetings locks
   * the participants and trips of those meetings (and every schedule, shared), until the keys read after taking the
   * locks are the keys taken: a write that committed while this one waited may have changed them (another
   * traveler, another attendee); it answers the meetings' people, read once the locks are held, which `resolve`
   * would otherwise read itself. A focus on trips or stops, which can move any number of people at once, or on
   * more meetings than MAX_KEYED_MEETINGS, locks every schedule, and answers undefined.
   */
  const lockSchedules = async (tx: Transaction, focus: Focus): Promise<MeetingPeopleRow[] | undefined> => {
    const locks = dialectOf(tx.db).scheduleLocks;
    if (!locks) return undefined;
    const meetingIds = [...new Set(focus.meetingIds ?? [])].sort((a, b) => a - b);
    const wide = (focus.tripIds?.length ?? 0) > 0 || (focus.stopIds?.length ?? 0) > 0;
    if (wide || meetingIds.length > MAX_KEYED_MEETINGS) {
      await queryRows(tx, locks.everything);
      return undefined;
    }
    if (meetingIds.length === 0) return undefined;
    return queryRows<MeetingPeopleRow>(tx, locks.meetingPeople(meetingIds));
  };

  /** Whether a conflict involves a record of the focus. */
  const involves = (c: FoundConflict, facts: Facts, focus: Resolved): boolean =>
    c.records.some((r) => {
      if (r.type === 'trip') return focus.tripIds.has(r.id);
      if (r.type === 'stop') return focus.tripIds.has(facts.stops.get(r.id)?.tripId ?? 0);
      const meeting = facts.meetings.get(r.id);
      return focus.meetingIds.has(r.id) || (meeting !== undefined && focus.tripIds.has(meeting.tripId));
    });

  /** The conflicts as the API shows them, with participant names, record labels and explanations. */
  const describe = async (
    { db }: Transaction,
    found: FoundConflict[],
    facts: Facts,
    unwritten?: RecordRef,
  ): Promise<Conflict[]> => {
    const { participants } = tablesOf(db);
    const ids = [...new Set(found.flatMap((c) => (c.participantId === null ? [] : [c.participantId])))];
    const names = new Map<number, string>();
    for (const chunk of chunks(ids)) {
      for (const p of await db
        .select({ id: participants.id, name: participants.name })
        .from(participants)
        .where(inArray(participants.id, chunk))) {
        names.set(p.id, p.name);
      }
    }
    return found.map((c) => {
      const { records, explanation } = describeConflict(c, facts, names, unwritten);
      return {
        key: unwritten ? conflictKey(c.kind, c.participantId, c.records, unwritten) : c.key,
        kind: c.kind,
        participant:
          c.participantId === null
            ? null
            : { id: c.participantId, name: names.get(c.participantId) ?? `Participant ${c.participantId}` },
        from: c.from,
        to: c.to,
        startsAt: c.startsAt,
        endsAt: c.endsAt,
        records,
        explanation,
      };
    });
  };

  /**
   * Conflicts that involve the focus, as they stand in the database now; with `lock`, after locking the schedules
   * the focus spans, so that no other checked write changes them until this transaction ends.
   */
  const involving = async (
    tx: Transaction,
    focus: Focus,
    lock = false,
  ): Promise<{ found: FoundConflict[]; facts: Facts }> => {
    const people = lock ? await lockSchedules(tx, focus) : undefined;
    const resolved = await resolve(tx, focus, people);
    if (!resolved) return { found: [], facts: await load(tx, { participantIds: [] }) };
    const facts = await load(tx, resolved);
    return { found: findConflicts(facts).filter((c) => involves(c, facts, resolved)), facts };
  };

  const SORT = { name: 'conflicts', width: 5, key: conflictSortKey };

  return {
    /**
     * The conflicts matching the filters, in order: first date, last date, kind, participant, key. Paged before
     * they are described, so a page costs its own labels and names only.
     */
    async list(query: ConflictListQuery, tx: Transaction): Promise<Page<Conflict>> {
      const { limit, cursor, count, format: _format, ...filters } = query;
      const request = { limit, cursor, count };
      // Nothing can match; the cursor is still checked, as on any page.
      const none = (): Page<Conflict> => ({ ...paginateRows(request, SORT, filters, []), data: [] });
      const scope: Scope = {
        from: filters.from ? addDays(filters.from, -MARGIN_DAYS) : undefined,
        to: filters.to ? addDays(filters.to, MARGIN_DAYS) : undefined,
      };
      let focus: Resolved | null = null;
      if (filters.trip !== undefined) {
        focus = await resolve(tx, { tripIds: [filters.trip] });
        if (!focus) return none();
        scope.participantIds = focus.participantIds;
        scope.from = later(scope.from, focus.from);
        scope.to = earlier(scope.to, focus.to);
      }
      if (filters.participant !== undefined) scope.participantIds = [filters.participant];
      if (scope.from !== undefined && scope.to !== undefined && scope.from > scope.to) {
        return none();
      }
      const facts = await load(tx, scope);
      const found = findConflicts(facts).filter(
        (c) =>
          (filters.participant === undefined || c.concerns.includes(filters.participant)) &&
          (focus === null || involves(c, facts, focus)) &&
          (filters.kind === undefined || filters.kind.includes(c.kind)) &&
          (filters.from === undefined || c.to >= filters.from) &&
          (filters.to === undefined || c.from <= filters.to),
      );
      const page = paginateRows(request, SORT, filters, found);
      return { ...page, data: await describe(tx, page.data, facts) };
    },

    /**
     * The conflicts that involve these records now, as the rules of domain/conflicts.ts find them, with the facts
     * they were found in (for `describe`): what services/conflicts-service.ts compares before and after a write.
     */
    async found(focus: Focus, tx: Transaction): Promise<{ found: FoundConflict[]; facts: Facts }> {
      return involving(tx, focus);
    },

    /**
     * As `found`, after making the transaction `tx` the only one that checks and changes the schedules the focus
     * can change until it ends (lockSchedules), so that two writes that would each be fine alone, but conflict
     * together (the same person booked twice), cannot both pass their checks: the second waits for the first to
     * commit, then sees its rows. Writes of meetings that touch other people's schedules do not wait for each
     * other. Taking no lock where transactions already run one at a time (SQLite). The locks of a write's second
     * look can deadlock with another write's; PostgreSQL then fails one (40P01) and the handle runs it again.
     */
    async lockedFound(focus: Focus, tx: Transaction): Promise<{ found: FoundConflict[]; facts: Facts }> {
      return involving(tx, focus, true);
    },

    /** These conflicts as the API shows them; `unwritten` is a record a refused write would have created. */
    async describe(
      found: FoundConflict[],
      facts: Facts,
      unwritten: RecordRef | undefined,
      tx: Transaction,
    ): Promise<Conflict[]> {
      return describe(tx, found, facts, unwritten);
    },
  };
}

/** A live meeting's date, its trip's traveler and one of its attendees (null when it has none). */
type MeetingPeopleRow = { date: string | null; travelerId: number; attendeeId: number | null };
type MeetingRow = { participantId: number } & Omit<MeetingFacts, 'date'> & { date: string | null };
type ColumnLike = Parameters<typeof inArray>[0];

const asDate = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
