// The words the whole application shares: the closed lists of kinds, statuses, roles, parts of the day and scopes,
// and the shapes of the JSON documents stored in columns. A leaf module that imports nothing, so that the zod
// schemas (src/schemas), the tables and their CHECK constraints (src/db/schema.ts) and the rules (src/domain) all
// read the same list, and imports flow one way. Adding a value here changes a CHECK constraint: it needs a migration.

export const PARTICIPANT_KINDS = ['person', 'group'] as const;
export const TRIP_STATUSES = ['planned', 'confirmed', 'completed', 'cancelled'] as const;
export const MEETING_KINDS = [
  'bilateral',
  'multilateral',
  'consultations',
  'speech',
  'tour',
  'briefing',
  'social',
  'press',
  'other',
] as const;
export const MEETING_STATUSES = ['confirmed', 'planned', 'tentative', 'cancelled'] as const;
export const PARTS_OF_DAY = ['morning', 'afternoon', 'evening', 'night'] as const;
export const MEETING_ROLES = ['host', 'counterpart', 'attendee', 'delegation_member', 'other'] as const;
/** What a trip's context item is (`ContextItem.kind`). */
export const CONTEXT_KINDS = ['event', 'organization'] as const;

export type PartOfDay = (typeof PARTS_OF_DAY)[number];

/**
 * The clock time (HH:MM, local) each part of the day stands for: where a meeting known only by its part of the day
 * sorts among meetings with clock times, and when the conflict rules take it to happen.
 */
export const PART_OF_DAY_ANCHORS = {
  morning: '06:00',
  afternoon: '12:00',
  evening: '17:00',
  night: '21:00',
} as const satisfies Record<PartOfDay, string>;

/** What the change feed reports a change of, and what happened to it. */
export const CHANGE_RESOURCES = ['trip', 'stop', 'meeting', 'participant'] as const;
export const CHANGE_ACTIONS = ['created', 'updated', 'deleted'] as const;

/** What an API key may do: read, also write, or also manage keys. */
export const KEY_SCOPES = ['read', 'write', 'admin'] as const;

/** An Idempotency-Key's record: its first request still running, or its answer kept. */
export const IDEMPOTENCY_STATES = ['in_flight', 'done'] as const;

/** What the audit history records a write of, and which write it was. */
export const AUDIT_RESOURCES = ['trip', 'stop', 'meeting', 'participant', 'attendance'] as const;
export const AUDIT_OPERATIONS = ['create', 'update', 'delete'] as const;

/** What the importer records having written (`import_writes`), to keep rows edited by hand since. */
export const IMPORTED_RESOURCES = ['trip', 'stop', 'participant'] as const;

/** The kinds of scheduling conflict the rules of src/domain/conflicts.ts find. */
export const CONFLICT_KINDS = [
  'overlapping_meetings',
  'two_places_same_day',
  'meeting_outside_stop',
  'overlapping_stops',
] as const;

/**
 * A source as stored in the `sources` JSON column of trips, stops and meetings. The API's contract is
 * `SourceSchema` (src/schemas/common.ts), which is checked against this shape at compile time.
 */
export type StoredSource = {
  title: string;
  publisher: string | null;
  /** YYYY, YYYY-MM or YYYY-MM-DD. */
  publishedAt: string | null;
  url: string | null;
  quote: string;
  recordId?: string | null | undefined;
};

/**
 * The properties of a source in `SourceSchema`'s order (tests/serialization.test.ts checks that they are its
 * properties, in its order): what an itinerary copies a stored source to, whatever order it was stored in.
 */
export const SOURCE_PROPERTIES = [
  'title',
  'publisher',
  'publishedAt',
  'url',
  'quote',
  'recordId',
] as const satisfies readonly (keyof StoredSource)[];

/**
 * A context item as stored in the `context` JSON column of trips. The API's contract is `ContextItemSchema`
 * (src/schemas/trips.ts), which is checked against this shape at compile time.
 */
export type StoredContextItem = {
  kind: (typeof CONTEXT_KINDS)[number];
  title: string;
  description: string | null;
  /** YYYY, YYYY-MM or YYYY-MM-DD. */
  date: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  sources: StoredSource[];
};

/** The properties of a context item in `ContextItemSchema`'s order (as SOURCE_PROPERTIES). */
export const CONTEXT_ITEM_PROPERTIES = [
  'kind',
  'title',
  'description',
  'date',
  'city',
  'country',
  'sources',
] as const satisfies readonly (keyof StoredContextItem)[];
