import { and, asc, count, eq, gte, inArray, lte, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { meetingDateKey, meetingTimeKey, UNDATED, UNTIMED } from '../db/schema.js';
import { type Tables, tablesOf } from '../db/tables.js';
import { meetingRules } from '../domain/rules.js';
import { dateExistsIn, nowIso, storedInstant, toUtcInstant, utcDatePlus } from '../domain/time.js';
import { canonicalZone } from '../domain/tzdb.js';
import { assertExpected, changedFields, type Expected, untilWritten } from '../domain/versions.js';
import { PART_OF_DAY_ANCHORS } from '../domain/vocabulary.js';
import { assertValid, type FieldIssue, NotFoundError } from '../errors.js';
import type { ScheduleItem, ScheduleQuery } from '../schemas/activity.js';
import { splitFacets } from '../schemas/facets.js';
import type {
  CreateMeeting,
  Meeting,
  MeetingDetail,
  MeetingListQuery,
  UpdateMeeting,
} from '../schemas/meetings.js';
import type { MeetingParticipant } from '../schemas/participants.js';
import { containsText, hasTopic } from './conditions.js';
import { perEngine, type Scope, scopeOf } from './dialect.js';
import { decadeOf, type FacetedPage, type FacetSource, withFacets, yearOf } from './facets.js';
import {
  afterKey,
  type FiltersOf,
  orderBy,
  type Page,
  type PageRequest,
  paginate,
  type SortSpec,
  sortsFor,
} from './pagination.js';
import { idList, preparedBy, preparedOnce } from './prepared.js';

export type MeetingsRepository = ReturnType<typeof createMeetingsRepository>;
/** Which meetings: those of some trips, some stops, or some meetings by id (any combination narrows). */
export type MeetingScope = {
  tripIds?: number[];
  stopIds?: number[];
  meetingIds?: number[];
  involving?: number;
};
type Role = MeetingParticipant['role'];
type ParticipantColumns = Omit<MeetingParticipant, 'role'>;
/** A meeting's own columns, as its table holds them (without its stop's trip and zone). */
type OwnColumns = Omit<Meeting, 'tripId' | 'timeZone'>;

/** The most attendances of a new meeting written by a statement prepared for their number. */
const MAX_PREPARED_ATTENDEES = 16;

// Chronological order: by date (undated last), then by the clock time or, failing that, the part of the day
// (undetermined last), then by id, which keeps the order the items were recorded in. The same key is computed
// in SQL (to sort and page, by the expressions the schema indexes) and in TypeScript (to write the cursor).
type IdValue = number | ReturnType<typeof sql.placeholder>;

/** The SQL pieces of meeting queries, built once per engine from its tables. */
const meetingSql = perEngine(({ t: { meetings, meetingParticipants, stops, trips }, d }) => {
  const dateKey = meetingDateKey(meetings);
  const timeOfDayKey = meetingTimeKey(meetings);
  const chronological = [asc(dateKey), asc(timeOfDayKey), asc(meetings.id)];

  const sorts = sortsFor<Meeting, 'date' | 'createdAt' | 'updatedAt'>({
    date: {
      columns: [dateKey, timeOfDayKey, meetings.id],
      key: (m) => [
        m.date ?? UNDATED,
        m.startTime ?? (m.partOfDay ? PART_OF_DAY_ANCHORS[m.partOfDay] : UNTIMED),
        m.id,
      ],
    },
    createdAt: { columns: [meetings.createdAt, meetings.id], key: (m) => [m.createdAt, m.id] },
    updatedAt: { columns: [meetings.updatedAt, meetings.id], key: (m) => [m.updatedAt, m.id] },
  });

  const participantsById = sortsFor<MeetingParticipant, 'participant'>({
    participant: { columns: [meetingParticipants.participantId], key: (p) => [p.id] },
  }).participant;

  /** The ids of the meetings a participant attends. */
  const attendedBy = (participantId: IdValue): SQL =>
    sql`select ${meetingParticipants.meetingId} from ${meetingParticipants} where ${meetingParticipants.participantId} = ${participantId}`;

  /** The meetings a participant attends, or that are on a trip they travel on. */
  const involvedIn = (participantId: IdValue): SQL =>
    sql`${meetings.id} in (${attendedBy(participantId)} union all
      select im.id from ${trips} it join ${stops} ist on ist.trip_id = it.id join ${meetings} im on im.stop_id = ist.id
      where it.traveler_id = ${participantId})`;

  const meetingColumns = {
    id: meetings.id,
    stopId: meetings.stopId,
    tripId: stops.tripId,
    kind: meetings.kind,
    title: meetings.title,
    description: meetings.description,
    topics: meetings.topics,
    status: meetings.status,
    date: meetings.date,
    startTime: meetings.startTime,
    endTime: meetings.endTime,
    partOfDay: meetings.partOfDay,
    timeZone: stops.timeZone,
    startsAt: meetings.startsAt,
    endsAt: meetings.endsAt,
    sources: meetings.sources,
    createdAt: meetings.createdAt,
    updatedAt: meetings.updatedAt,
    version: meetings.version,
  };

  /** A meeting's own columns (meetingColumns without its stop's trip and zone), as an insert returns them. */
  const { tripId: _tripId, timeZone: _timeZone, ...ownColumns } = meetingColumns;

  /** The condition of a scope's shape, each list bound as one JSON parameter of the same name. */
  const scopeWhere = (shape: string): SQL | undefined => {
    const has = new Set(shape.split(','));
    return and(
      has.has('tripIds') ? d.inIdList(stops.tripId, 'tripIds') : undefined,
      has.has('stopIds') ? d.inIdList(meetings.stopId, 'stopIds') : undefined,
      has.has('meetingIds') ? d.inIdList(meetings.id, 'meetingIds') : undefined,
      has.has('involving') ? involvedIn(sql.placeholder('involving')) : undefined,
    );
  };
  return {
    dateKey,
    timeOfDayKey,
    chronological,
    sorts,
    participantsById,
    attendedBy,
    involvedIn,
    meetingColumns,
    ownColumns,
    scopeWhere,
  };
});

export type MeetingFilters = FiltersOf<MeetingListQuery> & {
  /** Meetings this participant attends, or that are on a trip they travel on (their schedule). */
  involving?: number;
};

/**
 * What meetings' facets count: a meeting's country is its stop's, its traveler its trip's, its year its date's. The
 * stop is joined only when a field or the filters read it (`withStop`).
 */
const meetingFacets = perEngine(({ t: { meetings, stops, trips } }) => {
  const toStop = sql`inner join ${stops} on ${stops.id} = ${meetings.stopId}`;
  const toTrip = sql`inner join ${trips} on ${trips.id} = ${stops.tripId}`;
  const source: FacetSource = {
    from: sql`${meetings}`,
    id: meetings.id,
    fields: {
      country: { value: stops.country, joins: [toStop] },
      year: { value: yearOf(meetings.date) },
      decade: { value: decadeOf(meetings.date) },
      traveler: { value: trips.travelerId, joins: [toStop, toTrip] },
      status: { value: meetings.status },
      kind: { value: meetings.kind },
      trip: { value: stops.tripId, joins: [toStop] },
    },
  };
  return { source, withStop: { ...source, joins: [toStop] } };
});

/** Whether meetingConditions reads the meeting's stop: its trip, country and traveler filters do. */
const readsStop = (f: MeetingFilters): boolean =>
  f.trip !== undefined || f.country !== undefined || f.traveler !== undefined;

const onOrAfter = (key: SQL, day: string | undefined) => (day ? gte(key, day) : undefined);
const onOrBefore = (key: SQL, day: string | undefined) => (day ? lte(key, day) : undefined);

/** The WHERE clause of a meeting query on `db` (its meetings joined with their stops). */
export function meetingConditions(db: Db, f: MeetingFilters): SQL | undefined {
  const { meetings, stops, trips } = tablesOf(db);
  const { dateKey, attendedBy, involvedIn } = meetingSql(db);
  // Window bounds are stated twice: on the date or instant itself (which excludes undated or untimed meetings)
  // and on the chronological sort key, which lets SQLite walk its index from the bound instead of sorting every
  // match. A meeting's local date is within a day of the UTC date of its start (zones run from UTC-12 to
  // UTC+14), so two days either side of an instant bound its date, with room to spare.
  return and(
    f.trip ? eq(stops.tripId, f.trip) : undefined,
    f.stop ? eq(meetings.stopId, f.stop) : undefined,
    f.traveler
      ? inArray(stops.tripId, db.select({ id: trips.id }).from(trips).where(eq(trips.travelerId, f.traveler)))
      : undefined,
    f.from
      ? f.from.includes('T')
        ? and(
            gte(meetings.startsAt, storedInstant(f.from, 'from')),
            onOrAfter(dateKey, utcDatePlus(f.from, -2)),
          )
        : and(gte(meetings.date, f.from), gte(dateKey, f.from))
      : undefined,
    f.to
      ? f.to.includes('T')
        ? and(lte(meetings.startsAt, storedInstant(f.to, 'to')), onOrBefore(dateKey, utcDatePlus(f.to, 2)))
        : and(lte(meetings.date, f.to), lte(dateKey, f.to))
      : undefined,
    f.country ? inArray(stops.country, f.country) : undefined,
    // `id in (…)` rather than a correlated EXISTS: SQLite can then start from the participant's index entries
    // instead of testing every meeting.
    f.participant ? sql`${meetings.id} in (${attendedBy(f.participant)})` : undefined,
    f.involving ? involvedIn(f.involving) : undefined,
    f.kind ? inArray(meetings.kind, f.kind) : undefined,
    f.status ? inArray(meetings.status, f.status) : undefined,
    f.topic ? hasTopic(db, meetings.topics, f.topic, 'meeting', meetings.id) : undefined,
    f.q ? containsText(db, f.q, 'meeting', meetings.id) : undefined,
  );
}

/** The filters a prepared page of meetings binds, each one id: those of schedules and per-record lists. */
const BOUND_FILTERS: ReadonlySet<string> = new Set(['trip', 'stop', 'traveler', 'participant', 'involving']);

/**
 * The shape of a page of meetings that a prepared statement answers (`involving|date|after`: the filters given, the
 * sort, and whether it continues after a cursor), or undefined when a filter needs its query built for its values
 * (dates, lists, text) or facets are asked for.
 */
function preparedPageShape(filters: MeetingFilters, sort: string, cursor: boolean): string | undefined {
  const given = Object.keys(filters).filter((name) => filters[name as keyof MeetingFilters] !== undefined);
  if (!given.every((name) => BOUND_FILTERS.has(name))) return undefined;
  return `${given.sort().join(',')}|${sort}|${cursor ? 'after' : ''}`;
}

/** A meeting's UTC instants, from its local date and times and its stop's zone. */
const instantsOf = (
  m: { date: string | null; startTime: string | null; endTime: string | null },
  timeZone: string,
) => ({
  startsAt: toUtcInstant(m.date, m.startTime, timeZone),
  endsAt: toUtcInstant(m.date, m.endTime, timeZone),
});

/**
 * After a stop's zone changed: every meeting there shows another `timeZone` and, when timed, other instants, so
 * each gets them recomputed and a new version (its ETag must change). Answers how many changed.
 */
export async function refreshMeetingInstants(tx: Transaction, scope: { stopIds: number[] }): Promise<number> {
  const { meetings, stops } = tablesOf(tx.db);
  // A meeting's day must have happened in the new zone too (see rules.ts): refused under the zone's field.
  const dated = await tx.db
    .select({ id: meetings.id, date: meetings.date, timeZone: stops.timeZone })
    .from(meetings)
    .innerJoin(stops, eq(stops.id, meetings.stopId))
    .where(and(inArray(meetings.stopId, scope.stopIds), sql`${meetings.date} is not null`));
  assertValid(
    dated.flatMap(({ id, date, timeZone }) =>
      date !== null && !dateExistsIn(date, timeZone)
        ? [{ field: 'timeZone', message: `meeting ${id} is on ${date}, a day ${timeZone} skipped` }]
        : [],
    ),
  );
  return recompute(tx, inArray(meetings.stopId, scope.stopIds), true);
}

/**
 * Gives the meetings that `where` selects the instants their stop's zone gives now (none for an untimed one), with
 * a new version: every one when `always`, else those whose stored instants differ. A meeting in a zone the tz
 * database does not know is left alone. Answers how many changed. Also run by time-zones-repository.ts.
 */
export async function recompute(tx: Transaction, where: SQL | undefined, always: boolean): Promise<number> {
  const { db } = tx;
  const { meetings, stops } = tablesOf(db);
  const rows = await db
    .select({
      id: meetings.id,
      date: meetings.date,
      startTime: meetings.startTime,
      endTime: meetings.endTime,
      startsAt: meetings.startsAt,
      endsAt: meetings.endsAt,
      timeZone: stops.timeZone,
    })
    .from(meetings)
    .innerJoin(stops, eq(stops.id, meetings.stopId))
    .where(where);
  let changed = 0;
  for (const row of rows) {
    if (canonicalZone(row.timeZone) === undefined) continue;
    const instants = instantsOf(row, row.timeZone);
    if (!always && instants.startsAt === row.startsAt && instants.endsAt === row.endsAt) continue;
    await db
      .update(meetings)
      .set({ ...instants, updatedAt: nowIso(), version: sql`${meetings.version} + 1` })
      .where(eq(meetings.id, row.id));
    changed += 1;
  }
  return changed;
}

/** Which lists a scope names: the shape of its prepared statements (e.g. `tripIds` or `stopIds,meetingIds`). */
const scopeShape = (scope: MeetingScope): string =>
  SCOPE_KEYS.filter((key) => scope[key] !== undefined).join(',');
const SCOPE_KEYS = ['tripIds', 'stopIds', 'meetingIds', 'involving'] as const;

const scopeParams = (scope: MeetingScope): Record<string, string | number> => {
  const params: Record<string, string | number> = {};
  for (const key of SCOPE_KEYS) {
    const value = scope[key];
    if (value !== undefined) params[key] = typeof value === 'number' ? value : idList(value);
  }
  return params;
};

/**
 * A participant's columns in MeetingParticipantSchema's order (the role, which an attendance adds, comes after):
 * what the statements that answer a meeting's people select, so each row becomes its object as it is.
 */
const participantColumns = (participants: Tables['participants']) => ({
  id: participants.id,
  kind: participants.kind,
  name: participants.name,
  title: participants.title,
  country: participants.country,
  organization: participants.organization,
  createdAt: participants.createdAt,
  updatedAt: participants.updatedAt,
  version: participants.version,
});

export function createMeetingsRepository() {
  const selectStatement = preparedBy((shape: string, db, { t: { meetings, stops } }) =>
    db
      .select(meetingSql(db).meetingColumns)
      .from(meetings)
      .innerJoin(stops, eq(stops.id, meetings.stopId))
      .where(meetingSql(db).scopeWhere(shape))
      .orderBy(...meetingSql(db).chronological)
      .prepare(),
  );
  const select = async (scope: MeetingScope, tx: Transaction): Promise<Meeting[]> =>
    await selectStatement(tx, scopeShape(scope)).execute(scopeParams(scope));

  // The participants' columns flat, in MeetingParticipantSchema's order with the role last: each row becomes its
  // answer's object as it is, where a nested selection was mapped to an object and then copied with the role.
  // A scope of meetings by id reads meeting_participants by its primary key, in (meeting, participant) order, with
  // no join back to meetings and stops and no sort; other scopes join them.
  const participantsStatement = preparedBy(
    (shape: string, db, { t: { meetingParticipants, meetings, participants, stops }, d }) => {
      const columns = {
        meetingId: meetingParticipants.meetingId,
        ...participantColumns(participants),
        role: meetingParticipants.role,
      };
      const order = [asc(meetingParticipants.meetingId), asc(meetingParticipants.participantId)];
      if (shape === 'meetingIds') {
        return db
          .select(columns)
          .from(meetingParticipants)
          .innerJoin(participants, eq(participants.id, meetingParticipants.participantId))
          .where(d.inIdList(meetingParticipants.meetingId, 'meetingIds'))
          .orderBy(...order)
          .prepare();
      }
      return db
        .select(columns)
        .from(meetingParticipants)
        .innerJoin(participants, eq(participants.id, meetingParticipants.participantId))
        .innerJoin(meetings, eq(meetings.id, meetingParticipants.meetingId))
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .where(meetingSql(db).scopeWhere(shape))
        .orderBy(...order)
        .prepare();
    },
  );

  /**
   * What a page's shape (preparedPageShape: `filters|sort|cursor`) binds: each named filter as a placeholder of its
   * name, the sort, and the cursor's key as after0, after1… when the shape is after a cursor (pageValues fills them).
   */
  const shapeBound = (shape: string, db: Db) => {
    const [names = '', sortName = 'date', cursor] = shape.split('|');
    const bound = Object.fromEntries(
      names
        .split(',')
        .filter(Boolean)
        .map((name) => [name, sql.placeholder(name)]),
    ) as unknown as MeetingFilters;
    const { sorts } = meetingSql(db);
    const sort = sorts[sortName as keyof typeof sorts] as SortSpec<unknown>;
    const after = cursor
      ? afterKey(
          sort,
          sort.columns.map((_, i) => sql.placeholder(`after${i}`)),
        )
      : undefined;
    return { bound, sort, after };
  };

  // A page of meetings by its shape (preparedPageShape), each filter, the cursor's key and the limit bound: building
  // the query with drizzle and compiling it cost about a sixth of a schedule's answer.
  const pageStatement = preparedBy((shape: string, db, { t: { meetings, stops } }) => {
    const { bound, sort, after } = shapeBound(shape, db);
    return db
      .select(meetingSql(db).meetingColumns)
      .from(meetings)
      .innerJoin(stops, eq(stops.id, meetings.stopId))
      .where(and(meetingConditions(db, bound), after))
      .orderBy(...orderBy(sort))
      .limit(sql.placeholder('limit'))
      .prepare();
  });

  // A page of a participant's schedule in one statement. The page's meetings are chosen and put in order by their
  // own rows alone (a schedule's filters read no stop), and only the rows of the page are then read whole, with
  // their stop, their trip's title and the participant's role: where two statements (the page, then the context of
  // its meetings by id) joined the stop of every meeting the participant is involved in, read the page's meetings
  // twice and built each answer's object from two. Each row becomes its ScheduleItem as it is (scheduleItemOf).
  const scheduleQuery = (
    db: Db,
    { t: { meetings, meetingParticipants, stops, trips } }: Scope,
    choose: {
      where: SQL | undefined;
      sort: SortSpec<unknown>;
      limit: number | Placeholder;
      withStop: boolean;
    },
    participantId: number | Placeholder,
  ) => {
    const order = orderBy(choose.sort);
    const chosen = (
      choose.withStop
        ? db.select({ id: meetings.id }).from(meetings).innerJoin(stops, eq(stops.id, meetings.stopId))
        : db.select({ id: meetings.id }).from(meetings)
    )
      .where(choose.where)
      .orderBy(...order)
      .limit(choose.limit)
      .as('schedule_page');
    return db
      .select({
        ...meetingSql(db).meetingColumns,
        tripTitle: trips.title,
        city: stops.city,
        country: stops.country,
        role: meetingParticipants.role,
      })
      .from(chosen)
      .innerJoin(meetings, eq(meetings.id, chosen.id))
      .innerJoin(stops, eq(stops.id, meetings.stopId))
      .innerJoin(trips, eq(trips.id, stops.tripId))
      .leftJoin(
        meetingParticipants,
        and(
          eq(meetingParticipants.meetingId, meetings.id),
          eq(meetingParticipants.participantId, participantId),
        ),
      )
      .orderBy(...order);
  };
  type ScheduleRow = Awaited<ReturnType<typeof scheduleQuery>>[number];
  /** A schedule's row as its item, in ScheduleItemSchema's order (MeetingSchema's, then trip, stop and role). */
  const scheduleItemOf = (r: ScheduleRow): ScheduleItem => ({
    id: r.id,
    stopId: r.stopId,
    tripId: r.tripId,
    kind: r.kind,
    title: r.title,
    description: r.description,
    topics: r.topics,
    status: r.status,
    date: r.date,
    startTime: r.startTime,
    endTime: r.endTime,
    partOfDay: r.partOfDay,
    timeZone: r.timeZone,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    sources: r.sources,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    version: r.version,
    trip: { id: r.tripId, title: r.tripTitle },
    stop: { id: r.stopId, city: r.city, country: r.country },
    role: r.role,
  });
  // The schedule's statement per shape of its page (preparedPageShape: the filters bound, whether after a cursor).
  const scheduleStatement = preparedBy((shape: string, db, scope) => {
    const { bound, sort, after } = shapeBound(shape, db);
    return scheduleQuery(
      db,
      scope,
      {
        where: and(meetingConditions(db, bound), after),
        sort,
        limit: sql.placeholder('limit'),
        withStop: readsStop(bound),
      },
      sql.placeholder('involving'),
    ).prepare();
  });

  /** A prepared page's values: the filters, the cursor's key as after0, after1…, and the page's size. */
  const pageValues = (filters: object, key: readonly unknown[] | undefined, max: number) => ({
    ...filters,
    ...Object.fromEntries((key ?? []).map((value, i) => [`after${i}`, value])),
    limit: max,
  });
  /** How many meetings (with their stop) match `where`: the count of a page asked with `count=true`. */
  const countMeetings = async (db: Db, where: SQL | undefined): Promise<number> => {
    const { meetings, stops } = tablesOf(db);
    return (
      firstRow(
        await db
          .select({ n: count() })
          .from(meetings)
          .innerJoin(stops, eq(stops.id, meetings.stopId))
          .where(where),
      )?.n ?? 0
    );
  };

  const get = async (id: number, tx: Transaction): Promise<Meeting> => {
    const [row] = await select({ meetingIds: [id] }, tx);
    if (!row) throw new NotFoundError('meeting', id);
    return row;
  };

  const stopById = preparedOnce((db, { t: { stops } }) =>
    db
      .select({ tripId: stops.tripId, timeZone: stops.timeZone })
      .from(stops)
      .where(eq(stops.id, sql.placeholder('id')))
      .prepare(),
  );
  /** The stop's trip and time zone, or undefined when there is no such stop. */
  const stopPlace = async (stopId: number, tx: Transaction) =>
    firstRow(await stopById(tx).execute({ id: stopId }));

  const participantById = preparedOnce((db, { t: { participants } }) =>
    db
      .select({ id: participants.id })
      .from(participants)
      .where(eq(participants.id, sql.placeholder('id')))
      .prepare(),
  );
  const participantExists = async (id: number, tx: Transaction) =>
    firstRow(await participantById(tx).execute({ id })) !== undefined;

  // What a new meeting needs read before it is written, in one query: its stop's trip and zone (no row: no such
  // stop), and each of the participants it lists that exists, a row each (none: a row whose `id` is null), with
  // the columns of its answer (MeetingParticipantSchema's order, the role added after).
  const stopAndParticipants = preparedOnce((db, { t: { participants, stops }, d }) =>
    db
      .select({
        tripId: stops.tripId,
        timeZone: stops.timeZone,
        ...participantColumns(participants),
      })
      .from(stops)
      .leftJoin(participants, d.inIdList(participants.id, 'participantIds'))
      .where(eq(stops.id, sql.placeholder('stopId')))
      .prepare(),
  );

  // Writes prepared per shape (the set of columns given), each value bound by name; drizzle still encodes each
  // value as its column does (JSON columns as JSON text).
  const shapeOf = (values: object): string =>
    Object.keys(values)
      .filter((key) => (values as Record<string, unknown>)[key] !== undefined)
      .sort()
      .join(',');
  const placeholders = (shape: string) =>
    Object.fromEntries(shape.split(',').map((column) => [column, sql.placeholder(column)]));
  // The row as stored (defaults included), so that the answer needs no read after the write.
  const insertStatement = preparedBy((shape: string, db, { t: { meetings } }) =>
    db
      .insert(meetings)
      .values(placeholders(shape) as unknown as typeof meetings.$inferInsert)
      .returning(meetingSql(db).ownColumns)
      .prepare(),
  );
  // The row as written, or none when the meeting was no longer at the version read.
  const updateStatement = preparedBy((shape: string, db, { t: { meetings } }) =>
    db
      .update(meetings)
      .set({ ...placeholders(shape), version: sql`${meetings.version} + 1` })
      .where(
        and(eq(meetings.id, sql.placeholder('id')), eq(meetings.version, sql.placeholder('readVersion'))),
      )
      .returning(meetingSql(db).ownColumns)
      .prepare(),
  );

  /** A meeting from its own columns as stored and its stop's trip and zone, in MeetingSchema's order (as `get`). */
  const meetingOf = (row: OwnColumns, place: { tripId: number; timeZone: string }): Meeting => ({
    id: row.id,
    stopId: row.stopId,
    tripId: place.tripId,
    kind: row.kind,
    title: row.title,
    description: row.description,
    topics: row.topics,
    status: row.status,
    date: row.date,
    startTime: row.startTime,
    endTime: row.endTime,
    partOfDay: row.partOfDay,
    timeZone: place.timeZone,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    sources: row.sources,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  });
  // A meeting's attendances in one statement, prepared per number of rows up to MAX_PREPARED_ATTENDEES (a longer
  // list, rare, is built for its length each time).
  const attendeeRows = (count: number, value: (name: string) => unknown) =>
    Array.from({ length: count }, (_, i) => ({
      meetingId: value('meetingId'),
      participantId: value(`participantId${i}`),
      role: value(`role${i}`),
      createdAt: value('createdAt'),
    }));
  const insertAttendees = preparedBy((count: number, db, { t: { meetingParticipants } }) =>
    db
      .insert(meetingParticipants)
      .values(
        attendeeRows(count, (name) => sql.placeholder(name)) as unknown as Array<
          typeof meetingParticipants.$inferInsert
        >,
      )
      .prepare(),
  );
  const addAttendees = async (
    tx: Transaction,
    meetingId: number,
    attendees: { participantId: number; role: Role }[],
    createdAt: string,
  ): Promise<void> => {
    if (attendees.length === 0) return;
    const values: Record<string, unknown> = { meetingId, createdAt };
    for (const [i, a] of attendees.entries()) {
      values[`participantId${i}`] = a.participantId;
      values[`role${i}`] = a.role;
    }
    if (attendees.length <= MAX_PREPARED_ATTENDEES) {
      await insertAttendees(tx, attendees.length).execute(values);
      return;
    }
    const { meetingParticipants } = tablesOf(tx.db);
    await tx.db
      .insert(meetingParticipants)
      .values(attendees.map((a) => ({ meetingId, participantId: a.participantId, role: a.role, createdAt })));
  };

  /**
   * A new version for a meeting whose attendance changed. With `expected` versions (If-Match), only if it is still at
   * the version read (`read`): otherwise another writer changed it since, and the request's 412 rolls its
   * attendance change back with the transaction.
   */
  const touch = async (tx: Transaction, id: number, read: number, expected: Expected) => {
    const { db } = tx;
    const { meetings } = tablesOf(db);
    const touched = await db
      .update(meetings)
      .set({ updatedAt: nowIso(), version: sql`${meetings.version} + 1` })
      .where(and(eq(meetings.id, id), expected === undefined ? undefined : eq(meetings.version, read)));
    if (changedRows(touched) === 0) assertExpected(expected, 'meeting', id, (await get(id, tx)).version);
  };

  const participantsByMeeting = async (
    scope: MeetingScope,
    tx: Transaction,
  ): Promise<Map<number, MeetingParticipant[]>> => {
    const rows = await participantsStatement(tx, scopeShape(scope)).execute(scopeParams(scope));
    const byMeeting = new Map<number, MeetingParticipant[]>();
    for (const { meetingId, ...participant } of rows) {
      const list = byMeeting.get(meetingId);
      if (list) list.push(participant);
      else byMeeting.set(meetingId, [participant]);
    }
    return byMeeting;
  };

  return {
    /** The meeting with this id; NotFoundError when there is none. */
    async get(id: number, tx: Transaction): Promise<Meeting> {
      return get(id, tx);
    },

    /** Meetings of a trip, a stop or everywhere, in chronological order. */
    async list(scope: MeetingScope, tx: Transaction): Promise<Meeting[]> {
      return select(scope, tx);
    },

    /** How many meetings each of these stops holds (stops with none are absent). */
    async countByStop(stopIds: number[], { db }: Transaction): Promise<Map<number, number>> {
      if (stopIds.length === 0) return new Map();
      const { meetings } = tablesOf(db);
      const rows = await db
        .select({ stopId: meetings.stopId, n: count() })
        .from(meetings)
        .where(inArray(meetings.stopId, stopIds))
        .groupBy(meetings.stopId);
      return new Map(rows.map((r) => [r.stopId, r.n]));
    },

    /** A page of meetings matching the filters, with the facets `facet` asks for. */
    async page(
      query: MeetingListQuery & Pick<MeetingFilters, 'involving'>,
      tx: Transaction,
    ): Promise<FacetedPage<Meeting>> {
      const { db } = tx;
      const { facets, rest } = splitFacets(query);
      const { limit, cursor, count: withCount, format: _format, sort, include: _include, ...filters } = rest;
      const { meetings, stops } = tablesOf(db);
      const { sorts, meetingColumns } = meetingSql(db);
      const shape = facets ? undefined : preparedPageShape(filters, sort, cursor !== undefined);
      // Built for the values only when a query needs it: a prepared page without a count does not.
      const where = shape === undefined || withCount || facets ? meetingConditions(db, filters) : undefined;
      const page = await paginate(
        { limit, cursor, count: withCount },
        sorts[sort],
        filters,
        async (after, order, max, key) =>
          shape !== undefined
            ? await pageStatement(tx, shape).execute(pageValues(filters, key, max))
            : db
                .select(meetingColumns)
                .from(meetings)
                .innerJoin(stops, eq(stops.id, meetings.stopId))
                .where(and(where, after))
                .orderBy(...order)
                .limit(max),
        () => countMeetings(db, where),
      );
      const { source, withStop } = meetingFacets(db);
      return withFacets(page, tx, readsStop(filters) ? withStop : source, where, facets);
    },

    /**
     * A page of a participant's schedule: the meetings they attend or that are on a trip they travel on, in
     * chronological order, each with its trip, its stop and the participant's role (null when they only travel).
     * Its cursors are those of `page` with the same query and `involving`.
     */
    async schedule(
      participantId: number,
      query: ScheduleQuery,
      tx: Transaction,
    ): Promise<Page<ScheduleItem>> {
      const { db } = tx;
      const {
        limit,
        cursor,
        count: withCount,
        format: _format,
        sort,
        ...filters
      } = {
        ...query,
        sort: 'date' as const,
        involving: participantId,
      };
      const sortSpec = meetingSql(db).sorts[sort];
      const shape = preparedPageShape(filters, sort, cursor !== undefined);
      const where = shape === undefined || withCount ? meetingConditions(db, filters) : undefined;
      return paginate(
        { limit, cursor, count: withCount },
        sortSpec,
        filters,
        async (after, _order, max, key) =>
          (shape !== undefined
            ? await scheduleStatement(tx, shape).execute(pageValues(filters, key, max))
            : await scheduleQuery(
                db,
                scopeOf(db),
                {
                  where: and(where, after),
                  sort: sortSpec as SortSpec<unknown>,
                  limit: max,
                  withStop: readsStop(filters),
                },
                participantId,
              )
          ).map(scheduleItemOf),
        () => countMeetings(db, where),
      );
    },

    /** Participants of every meeting in scope, in one query, grouped by meeting id. */
    async participantsByMeeting(
      scope: MeetingScope,
      tx: Transaction,
    ): Promise<Map<number, MeetingParticipant[]>> {
      return participantsByMeeting(scope, tx);
    },

    /** The participants of a meeting, by participant id; NotFoundError when there is no such meeting. */
    async listParticipants(meetingId: number, tx: Transaction): Promise<MeetingParticipant[]> {
      await get(meetingId, tx);
      return (await participantsByMeeting({ meetingIds: [meetingId] }, tx)).get(meetingId) ?? [];
    },

    /** A page of a meeting's participants, by participant id. */
    async participantsPage(
      meetingId: number,
      request: PageRequest,
      tx: Transaction,
    ): Promise<Page<MeetingParticipant>> {
      await get(meetingId, tx);
      const { db } = tx;
      const { meetingParticipants, participants } = tablesOf(db);
      const where = eq(meetingParticipants.meetingId, meetingId);
      return paginate(
        request,
        meetingSql(db).participantsById,
        { meetingId },
        async (after, order, max) =>
          (
            await db
              .select({ role: meetingParticipants.role, participant: participants })
              .from(meetingParticipants)
              .innerJoin(participants, eq(participants.id, meetingParticipants.participantId))
              .where(and(where, after))
              .orderBy(...order)
              .limit(max)
          ).map(({ role, participant }) => ({ ...participant, role })),
        async () => firstRow(await db.select({ n: count() }).from(meetingParticipants).where(where))?.n ?? 0,
      );
    },

    /**
     * Creates the meeting and its participants in one transaction: all of it or none of it. Answers the meeting as
     * stored, with its participants (by participant id, as `participantsByMeeting` orders them). NotFoundError for
     * an unknown stop; an InvalidInputError for invalid fields or an unknown or repeated participant.
     */
    async create(
      stopId: number,
      input: CreateMeeting & { id?: number },
      tx: Transaction,
    ): Promise<MeetingDetail> {
      const { participants: attendees, ...fields } = input;
      const found = await stopAndParticipants(tx).execute({
        stopId,
        participantIds: idList([...new Set(attendees.map((a) => a.participantId))]),
      });
      const stop = firstRow(found);
      if (stop === undefined) throw new NotFoundError('stop', stopId);
      const { tripId, timeZone } = stop;
      const known = new Map(
        found.flatMap(({ tripId: _t, timeZone: _z, ...p }) => (p.id === null ? [] : [[p.id, p]])),
      );
      const errors: FieldIssue[] = [...meetingRules({ ...fields, timeZone })];
      const seen = new Set<number>();
      for (const [i, { participantId }] of attendees.entries()) {
        if (seen.has(participantId)) {
          errors.push({ field: `participants.${i}.participantId`, message: 'is listed twice' });
        } else if (!known.has(participantId)) {
          errors.push({
            field: `participants.${i}.participantId`,
            message: `no participant has the id ${participantId}`,
          });
        }
        seen.add(participantId);
      }
      assertValid(errors);
      const now = nowIso();
      const row = { ...fields, ...instantsOf(fields, timeZone), stopId, createdAt: now, updatedAt: now };
      const inserted = firstRow(await insertStatement(tx, shapeOf(row)).execute(row));
      if (!inserted) throw new Error('the meeting was not inserted');
      await addAttendees(tx, inserted.id, attendees, now);
      // The stop's trip and zone as read above.
      const meeting = meetingOf(inserted, { tripId, timeZone });
      const participants = attendees
        .map(({ participantId, role }) => ({ ...(known.get(participantId) as ParticipantColumns), role }))
        .sort((a, b) => a.id - b.id);
      return { ...meeting, participants };
    },

    async update(id: number, patch: UpdateMeeting, expected: Expected, tx: Transaction): Promise<Meeting> {
      return untilWritten(async () => {
        const current = await get(id, tx);
        assertExpected(expected, 'meeting', id, current.version);
        // A patch that changes nothing writes nothing: same version, updatedAt and ETag, no audit entry.
        const changed = changedFields(current, patch);
        if (Object.keys(changed).length === 0) return current;
        const merged = { ...current, ...changed };
        // The current stop's zone came with the meeting; another stop's is read.
        const place = merged.stopId === current.stopId ? current : await stopPlace(merged.stopId, tx);
        const timeZone = place?.timeZone;
        const errors = meetingRules({ ...merged, timeZone: timeZone ?? current.timeZone });
        if (timeZone === undefined) {
          errors.push({ field: 'stopId', message: `no stop has the id ${merged.stopId}` });
        }
        assertValid(errors);
        // Instants only when they move: an unchanged column set again still rewrites its index entry.
        const instants = instantsOf(merged, timeZone ?? current.timeZone);
        const changes = {
          ...changed,
          ...(instants.startsAt === current.startsAt ? {} : { startsAt: instants.startsAt }),
          ...(instants.endsAt === current.endsAt ? {} : { endsAt: instants.endsAt }),
          updatedAt: nowIso(),
        };
        const written = firstRow(
          await updateStatement(tx, shapeOf(changes)).execute({
            ...changes,
            id,
            readVersion: current.version,
          }),
        );
        // The answer from the row as written, with the trip and zone of its stop as read in this transaction.
        return written === undefined || place === undefined ? undefined : meetingOf(written, place);
      });
    },

    async delete(id: number, expected: Expected, tx: Transaction): Promise<void> {
      const { meetings } = tablesOf(tx.db);
      await untilWritten(async () => {
        const { version } = await get(id, tx);
        assertExpected(expected, 'meeting', id, version);
        const deleted = await tx.db
          .delete(meetings)
          .where(and(eq(meetings.id, id), eq(meetings.version, version)));
        return changedRows(deleted) > 0 ? true : undefined;
      });
    },

    /** Adds the participant to the meeting, or changes their role. Answers whether they were added. */
    /** Attendance changes the meeting, so `expected` names the meeting's versions. */
    async setParticipant(
      meetingId: number,
      participantId: number,
      role: Role,
      expected: Expected,
      tx: Transaction,
    ): Promise<{ created: boolean }> {
      const { version } = await get(meetingId, tx);
      assertExpected(expected, 'meeting', meetingId, version);
      const { db } = tx;
      const { meetingParticipants } = tablesOf(db);
      if (!(await participantExists(participantId, tx)))
        throw new NotFoundError('participant', participantId);
      const [existing] = await db
        .select({ role: meetingParticipants.role })
        .from(meetingParticipants)
        .where(
          and(
            eq(meetingParticipants.meetingId, meetingId),
            eq(meetingParticipants.participantId, participantId),
          ),
        );
      if (existing?.role === role) return { created: false };
      if (existing) {
        await db
          .update(meetingParticipants)
          .set({ role })
          .where(
            and(
              eq(meetingParticipants.meetingId, meetingId),
              eq(meetingParticipants.participantId, participantId),
            ),
          );
      } else {
        await db.insert(meetingParticipants).values({ meetingId, participantId, role, createdAt: nowIso() });
      }
      await touch(tx, meetingId, version, expected);
      return { created: !existing };
    },

    async removeParticipant(
      meetingId: number,
      participantId: number,
      expected: Expected,
      tx: Transaction,
    ): Promise<void> {
      const { version } = await get(meetingId, tx);
      assertExpected(expected, 'meeting', meetingId, version);
      const { db } = tx;
      const { meetingParticipants } = tablesOf(db);
      const result = await db
        .delete(meetingParticipants)
        .where(
          and(
            eq(meetingParticipants.meetingId, meetingId),
            eq(meetingParticipants.participantId, participantId),
          ),
        );
      if (changedRows(result) === 0) {
        throw new NotFoundError('participant of this meeting', participantId);
      }
      await touch(tx, meetingId, version, expected);
    },
  };
}
