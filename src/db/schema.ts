import { type SQLWrapper, sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import {
  AUDIT_OPERATIONS,
  AUDIT_RESOURCES,
  CHANGE_ACTIONS,
  CHANGE_RESOURCES,
  IDEMPOTENCY_STATES,
  IMPORTED_RESOURCES,
  KEY_SCOPES,
  MEETING_KINDS,
  MEETING_ROLES,
  MEETING_STATUSES,
  PART_OF_DAY_ANCHORS,
  PARTICIPANT_KINDS,
  PARTS_OF_DAY,
  type StoredContextItem,
  type StoredSource,
  TRIP_STATUSES,
} from '../domain/vocabulary.js';

// The enumerations come from the vocabulary (src/domain/vocabulary.ts): the zod schemas and the CHECK constraints
// below both read them.

export const literal = (value: string) => sql.raw(`'${value.replaceAll("'", "''")}'`);
export const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

// Sort keys computed in SQL. Each is indexed below and used by the repositories to sort, page and filter: SQLite
// uses an index on an expression only where a query spells the very same expression, with the same literals (a
// bound parameter does not match one), so both take it from here.

/** Where undated items sort: after every date. */
export const UNDATED = '9999-12-31';
/** Where items with neither a time nor a part of the day sort within their day: last. */
export const UNTIMED = '99:99';

// Plain SQL both engines read: schema-pg.ts indexes the same expressions (only stopSpanDays has a twin there).
type MeetingTimeColumns = { date: SQLWrapper; startTime: SQLWrapper; partOfDay: SQLWrapper };
type StopDateColumns = { arrivalDate: SQLWrapper; departureDate: SQLWrapper };

// They are CASE expressions rather than coalesce(): drizzle-kit 0.31 cuts an indexed expression at its commas.

/** A meeting's day, undated last. */
export const meetingDateKey = (m: MeetingTimeColumns) =>
  sql`case when ${m.date} is null then ${literal(UNDATED)} else ${m.date} end`;
/** A meeting's time within its day: the clock time, else its part of the day's anchor, else last. */
export const meetingTimeKey = (m: MeetingTimeColumns) =>
  sql`case when ${m.startTime} is not null then ${m.startTime} ${sql.join(
    Object.entries(PART_OF_DAY_ANCHORS).map(
      ([part, anchor]) => sql`when ${m.partOfDay} = ${literal(part)} then ${literal(anchor)}`,
    ),
    sql` `,
  )} else ${literal(UNTIMED)} end`;
/** The first day of a stop's span (arrival, or departure when only that is known); null when undated. */
export const stopSpanStart = (s: StopDateColumns) =>
  sql`case when ${s.arrivalDate} is null then ${s.departureDate} else ${s.arrivalDate} end`;
/** The last day of a stop's span (departure, or arrival when only that is known); null when undated. */
export const stopSpanEnd = (s: StopDateColumns) =>
  sql`case when ${s.departureDate} is null then ${s.arrivalDate} else ${s.departureDate} end`;
/** How many days a stop lasts, when both its dates are known. */
export const stopSpanDays = (s: StopDateColumns) =>
  sql`julianday(${s.departureDate}) - julianday(${s.arrivalDate})`;
/** A stop's first day, undated last: the chronological order of stops. */
export const stopDateKey = (s: StopDateColumns) =>
  sql`case when ${s.arrivalDate} is not null then ${s.arrivalDate} when ${s.departureDate} is not null then ${s.departureDate} else ${literal(UNDATED)} end`;

// Timestamps are ISO-8601 UTC strings; `version` grows by one on every change (ETags build on it).
const audit = {
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  version: integer('version').notNull().default(1),
};

export const participants = sqliteTable(
  'participants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: PARTICIPANT_KINDS }).notNull(),
    name: text('name').notNull(),
    title: text('title'),
    country: text('country'),
    organization: text('organization'),
    ...audit,
  },
  (t) => [
    check('participants_kind_check', sql`${t.kind} in (${inList(PARTICIPANT_KINDS)})`),
    check('participants_name_check', sql`length(trim(${t.name})) > 0`),
    check('participants_country_check', sql`${t.country} is null or ${t.country} glob '[A-Z][A-Z]'`),
    index('participants_name_idx').on(t.name),
    index('participants_country_idx').on(t.country),
    index('participants_kind_idx').on(t.kind),
  ],
);

export const trips = sqliteTable(
  'trips',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    summary: text('summary'),
    // A traveler who still has trips cannot be deleted: the API answers 409 before this fires.
    travelerId: integer('traveler_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'restrict' }),
    startDate: text('start_date').notNull(),
    endDate: text('end_date').notNull(),
    status: text('status', { enum: TRIP_STATUSES }).notNull(),
    topics: text('topics', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    context: text('context', { mode: 'json' }).$type<StoredContextItem[]>().notNull().default(sql`'[]'`),
    sources: text('sources', { mode: 'json' }).$type<StoredSource[]>().notNull().default(sql`'[]'`),
    ...audit,
  },
  (t) => [
    check('trips_status_check', sql`${t.status} in (${inList(TRIP_STATUSES)})`),
    check('trips_dates_check', sql`${t.startDate} <= ${t.endDate}`),
    check('trips_title_check', sql`length(trim(${t.title})) > 0`),
    index('trips_traveler_idx').on(t.travelerId),
    index('trips_dates_idx').on(t.startDate, t.endDate),
    index('trips_status_idx').on(t.status),
  ],
);

export const stops = sqliteTable(
  'stops',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Stops belong to their trip: deleting the trip deletes them (and, through them, their meetings).
    tripId: integer('trip_id')
      .notNull()
      .references(() => trips.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    city: text('city').notNull(),
    country: text('country').notNull(),
    latitude: real('latitude'),
    longitude: real('longitude'),
    timeZone: text('time_zone').notNull(),
    arrivalDate: text('arrival_date'),
    departureDate: text('departure_date'),
    notes: text('notes'),
    sources: text('sources', { mode: 'json' }).$type<StoredSource[]>().notNull().default(sql`'[]'`),
    /** The country as an imported record names it ("U.S.S.R.", "Kingdom of Hawaii"); null for other stops. */
    countryName: text('country_name'),
    ...audit,
  },
  (t) => [
    uniqueIndex('stops_trip_position_unique').on(t.tripId, t.position),
    index('stops_city_idx').on(t.city),
    // Map viewports (bbox) read a latitude range.
    index('stops_location_idx').on(t.latitude, t.longitude),
    index('stops_country_idx').on(t.country),
    // The zones in use, which every start reads to rename those that became links (reconcileTimeZones): from this
    // index, 0.1 ms; from the table, 10-60 ms at 50,000 stops.
    index('stops_time_zone_idx').on(t.timeZone),
    index('stops_dates_idx').on(t.arrivalDate, t.departureDate),
    // Chronological order and date windows (GET /stops, /countries/{code}/stops), and `city` in any case.
    index('stops_date_key_idx').on(stopDateKey(t)),
    index('stops_country_date_key_idx').on(t.country, stopDateKey(t)),
    index('stops_span_end_idx').on(stopSpanEnd(t)),
    // The longest stay, read from the index's end: it bounds how early a stop overlapping a window can start.
    index('stops_span_days_idx').on(stopSpanDays(t)),
    check('stops_position_check', sql`${t.position} >= 1`),
    check('stops_country_check', sql`${t.country} glob '[A-Z][A-Z]'`),
    check(
      'stops_dates_check',
      sql`${t.arrivalDate} is null or ${t.departureDate} is null or ${t.arrivalDate} <= ${t.departureDate}`,
    ),
    check('stops_latitude_check', sql`${t.latitude} is null or ${t.latitude} between -90 and 90`),
    check('stops_longitude_check', sql`${t.longitude} is null or ${t.longitude} between -180 and 180`),
    check('stops_coordinates_check', sql`(${t.latitude} is null) = (${t.longitude} is null)`),
  ],
);

export const meetings = sqliteTable(
  'meetings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    stopId: integer('stop_id')
      .notNull()
      .references(() => stops.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: MEETING_KINDS }).notNull(),
    title: text('title').notNull(),
    description: text('description'),
    topics: text('topics', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text('status', { enum: MEETING_STATUSES }).notNull(),
    date: text('date'),
    startTime: text('start_time'),
    endTime: text('end_time'),
    partOfDay: text('part_of_day', { enum: PARTS_OF_DAY }),
    // UTC instants of the local times at the stop's zone, kept in step by every write that can change them
    // (the meeting's date or times, its stop, the stop's zone), so that filters can compare instants in SQL.
    startsAt: text('starts_at'),
    endsAt: text('ends_at'),
    sources: text('sources', { mode: 'json' }).$type<StoredSource[]>().notNull().default(sql`'[]'`),
    ...audit,
  },
  (t) => [
    index('meetings_stop_idx').on(t.stopId),
    // Instants exist for timed meetings only, and the filters compare them in ranges, which imply `is not null`:
    // the untimed meetings are left out of the index. Also so that a search for missing instants (below) cannot
    // take it (SQLite's statistics say nothing of how many rows are null; it would walk every untimed meeting).
    index('meetings_starts_at_idx').on(t.startsAt).where(sql`${t.startsAt} is not null`),
    // Timed meetings still without instants (a migration added the columns; a zone the tz database lacks leaves
    // them): every start looks for them (reconcileTimeZones), and this keeps that look off the whole table (50-150
    // ms at 200,000 meetings). Almost always empty, so writes do not pay for it.
    index('meetings_instants_missing_idx')
      .on(t.id)
      .where(sql`${t.startTime} is not null and ${t.startsAt} is null`),
    index('meetings_date_idx').on(t.date),
    // Chronological order (the default sort), which date windows also walk, alone and within a kind or status;
    // and the other sorts.
    index('meetings_chronological_idx').on(meetingDateKey(t), meetingTimeKey(t)),
    index('meetings_kind_chronological_idx').on(t.kind, meetingDateKey(t), meetingTimeKey(t)),
    index('meetings_status_chronological_idx').on(t.status, meetingDateKey(t), meetingTimeKey(t)),
    index('meetings_created_at_idx').on(t.createdAt),
    index('meetings_updated_at_idx').on(t.updatedAt),
    check('meetings_kind_check', sql`${t.kind} in (${inList(MEETING_KINDS)})`),
    check('meetings_status_check', sql`${t.status} in (${inList(MEETING_STATUSES)})`),
    check(
      'meetings_part_of_day_check',
      sql`${t.partOfDay} is null or ${t.partOfDay} in (${inList(PARTS_OF_DAY)})`,
    ),
    check('meetings_title_check', sql`length(trim(${t.title})) > 0`),
    // A clock time needs a day, an end needs a start, and a meeting ends no earlier than it starts.
    check('meetings_start_time_check', sql`${t.startTime} is null or ${t.date} is not null`),
    check('meetings_end_time_check', sql`${t.endTime} is null or ${t.startTime} is not null`),
    check(
      'meetings_times_order_check',
      sql`${t.endTime} is null or ${t.startTime} is null or ${t.startTime} <= ${t.endTime}`,
    ),
  ],
);

export const meetingParticipants = sqliteTable(
  'meeting_participants',
  {
    meetingId: integer('meeting_id')
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    // A participant who still attends cannot be deleted: the API answers 409 before this fires.
    participantId: integer('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'restrict' }),
    role: text('role', { enum: MEETING_ROLES }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.meetingId, t.participantId], name: 'meeting_participants_pk' }),
    // With the meeting id, the meetings of a participant come from the index alone.
    index('meeting_participants_participant_meeting_idx').on(t.participantId, t.meetingId),
    check('meeting_participants_role_check', sql`${t.role} in (${inList(MEETING_ROLES)})`),
  ],
);

/**
 * The change feed: one row per write of a trip, stop, meeting or participant, appended by triggers (migration
 * 0003) in the same transaction as the write, cascaded deletes included. `seq` only grows.
 */
export const changes = sqliteTable(
  'changes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    resource: text('resource', { enum: CHANGE_RESOURCES }).notNull(),
    resourceId: integer('resource_id').notNull(),
    action: text('action', { enum: CHANGE_ACTIONS }).notNull(),
    /** The resource's version after the change; null for a deletion. */
    version: integer('version'),
    changedAt: text('changed_at').notNull(),
    /**
     * The trip the resource belonged to when it changed (a trip's own id; a stop's or meeting's trip); null for a
     * participant. Filled by the triggers of migration 0013 (PostgreSQL: 0006); null in older history.
     */
    tripId: integer('trip_id'),
    /** For a meeting moved to a stop of another trip: the trip it left, so that trip's feed learns of it. */
    formerTripId: integer('former_trip_id'),
    /**
     * The traveler of that trip when the resource changed (so a participant's feed keeps the changes of the trips
     * they travelled on, deleted or handed to another traveler since); null for a participant.
     */
    travelerId: integer('traveler_id'),
    /**
     * Set on a change of attendance only: the participant who joined, left or changed role in meeting
     * `resource_id`. Such rows are shown only to a feed filtered by participant.
     */
    participantId: integer('participant_id'),
  },
  (t) => [
    index('changes_changed_at_idx').on(t.changedAt),
    check('changes_resource_check', sql`${t.resource} in (${inList(CHANGE_RESOURCES)})`),
    check('changes_action_check', sql`${t.action} in (${inList(CHANGE_ACTIONS)})`),
  ],
);

/** API keys. The token is never stored: only its SHA-256 hash, which is how a request's token is looked up. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    scope: text('scope', { enum: KEY_SCOPES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_keys_name_unique').on(t.name),
    uniqueIndex('api_keys_token_hash_unique').on(t.tokenHash),
    check('api_keys_scope_check', sql`${t.scope} in (${inList(KEY_SCOPES)})`),
  ],
);

/**
 * The first answer to each Idempotency-Key, per key holder, kept 24 hours so that a retry replays it instead of
 * writing again.
 */
export const idempotencyRecords = sqliteTable(
  'idempotency_records',
  {
    holder: text('holder').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: IDEMPOTENCY_STATES }).notNull(),
    status: integer('status'),
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>(),
    body: text('body'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.holder, t.key], name: 'idempotency_records_pk' }),
    index('idempotency_records_created_at_idx').on(t.createdAt),
    check('idempotency_records_state_check', sql`${t.state} in (${inList(IDEMPOTENCY_STATES)})`),
  ],
);

/**
 * The audit history, appended by triggers (migration 0007) in the same transaction as each write, with the state
 * before and after and the name of the key that wrote. Append-only: triggers abort any update or delete of it.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    keyName: text('key_name'),
    operation: text('operation', { enum: AUDIT_OPERATIONS }).notNull(),
    resource: text('resource', { enum: AUDIT_RESOURCES }).notNull(),
    resourceId: integer('resource_id').notNull(),
    version: integer('version'),
    before: text('before', { mode: 'json' }).$type<Record<string, unknown>>(),
    after: text('after', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_log_resource_idx').on(t.resource, t.resourceId, t.id),
    index('audit_log_key_idx').on(t.keyName, t.id),
    index('audit_log_at_idx').on(t.at),
    check('audit_log_operation_check', sql`${t.operation} in (${inList(AUDIT_OPERATIONS)})`),
    check('audit_log_resource_check', sql`${t.resource} in (${inList(AUDIT_RESOURCES)})`),
  ],
);

/**
 * Which stop, trip or participant each imported record became (src/importers): records are keyed by their source
 * and their id there, so that importing again updates what it wrote instead of adding to it. `adopted` marks an
 * existing record (the seed's) that the import matched and only cites, never rewrites.
 */
export const importRecords = sqliteTable(
  'import_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The record's collection, such as `historian:secretary-travels`. */
    source: text('source').notNull(),
    recordId: text('record_id').notNull(),
    tripId: integer('trip_id').references(() => trips.id, { onDelete: 'cascade' }),
    stopId: integer('stop_id').references(() => stops.id, { onDelete: 'cascade' }),
    participantId: integer('participant_id').references(() => participants.id, { onDelete: 'cascade' }),
    adopted: integer('adopted', { mode: 'boolean' }).notNull().default(false),
    /** For a participant: the date of the record whose title they carry (the latest wins). */
    asOf: text('as_of'),
    createdAt: text('created_at').notNull(),
    /** The file name (no folder) the record was last imported from; null when unnamed (an unnamed request body). */
    file: text('file'),
  },
  (t) => [
    index('import_records_source_record_idx').on(t.source, t.recordId),
    index('import_records_trip_idx').on(t.tripId),
    index('import_records_stop_idx').on(t.stopId),
    index('import_records_participant_idx').on(t.participantId),
  ],
);

/**
 * What the importer last wrote to each row it owns: the row's version then, so that a row whose version has moved
 * since was edited by someone else (through the API) and is not overwritten unasked. No foreign keys: the entry
 * outlives a row deleted by hand, so that importing its record again is reported as re-creating it.
 */
export const importWrites = sqliteTable(
  'import_writes',
  {
    resource: text('resource', { enum: IMPORTED_RESOURCES }).notNull(),
    resourceId: integer('resource_id').notNull(),
    version: integer('version').notNull(),
    /** For a stop: the record's collection and id (its key in import_records). */
    source: text('source'),
    recordId: text('record_id'),
    writtenAt: text('written_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.resource, t.resourceId] }),
    index('import_writes_record_idx').on(t.source, t.recordId),
  ],
);

/**
 * Which tz database release (and way of reading it) the stored instants and zone names were last reconciled with
 * (src/domain/tzdb.ts): one row. At start the server recomputes every timed meeting only when this differs.
 */
export const timeZoneData = sqliteTable('time_zone_data', {
  id: integer('id').primaryKey(),
  /** Such as `2025b+backzone/1`: the release, whether it had backzone, and the app's rules version. */
  release: text('release').notNull(),
  reconciledAt: text('reconciled_at').notNull(),
});
