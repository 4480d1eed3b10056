import { fold } from './text.js';
import { CONFLICT_KINDS, PART_OF_DAY_ANCHORS, type PartOfDay } from './vocabulary.js';

// The rules of scheduling conflicts, as pure functions over facts the conflicts repository loads. Four kinds:
//
// - overlapping_meetings: two meetings of one participant, both with clock times, overlap in UTC. Intervals are
//   half-open, so one that ends when the other starts does not overlap it. A meeting without an end time is an
//   instant: it overlaps a meeting under way at that instant (start included, end excluded), or one that starts
//   at the same instant.
// - two_places_same_day: one participant is in two different cities on overlapping local dates, placed there by
//   the stops of trips they travel on and by dated meetings (pairs of two timed meetings are judged by the first
//   rule instead). Not a conflict: the travel day between consecutive stops of one trip (the first leaves on the
//   day the next one arrives), unless both are meetings known to be in the same part of the day.
// - meeting_outside_stop: a meeting dated before its stop's arrival or after its departure (as far as known).
// - overlapping_stops: two stops of one trip overlap by more than such a travel day.
//
// A stop with one known date spans that day; undated stops and meetings place nobody. Cities are the same when
// their names match ignoring case and accents, in the same country.

export type ConflictKind = (typeof CONFLICT_KINDS)[number];

export type StopFacts = {
  id: number;
  tripId: number;
  position: number;
  city: string;
  country: string;
  arrivalDate: string | null;
  departureDate: string | null;
};

export type TripFacts = {
  id: number;
  title: string;
  travelerId: number;
  /** All the trip's stops, in visit order (by position). */
  stops: StopFacts[];
};

export type MeetingFacts = {
  id: number;
  stopId: number;
  tripId: number;
  title: string;
  date: string;
  startTime: string | null;
  endTime: string | null;
  partOfDay: PartOfDay | null;
  startsAt: string | null;
  endsAt: string | null;
};

/** Where one participant is placed: dated meetings they attend or travel to, and stops of trips they travel on. */
export type Schedule = { meetings: MeetingFacts[]; stops: StopFacts[] };

export type Facts = {
  trips: Map<number, TripFacts>;
  stops: Map<number, StopFacts>;
  meetings: Map<number, MeetingFacts>;
  /** Each participant's schedule, by participant id. */
  schedules: Map<number, Schedule>;
};

export type RecordRef = { type: 'trip' | 'stop' | 'meeting'; id: number };

export type FoundConflict = {
  key: string;
  kind: ConflictKind;
  /** Whose double-booking, or the traveler of a trip whose stops overlap; null for a meeting outside its stop. */
  participantId: number | null;
  /** The local dates the conflict covers, both inclusive. */
  from: string;
  to: string;
  /** For overlapping meetings: the overlap, as UTC instants. */
  startsAt: string | null;
  endsAt: string | null;
  records: RecordRef[];
  /** The participants whose schedules it concerns (a filter by participant keeps these). */
  concerns: number[];
  /** On a travel day: the part of the day both meetings are in, which makes it a conflict after all. */
  samePartOfDay: PartOfDay | null;
};

export type Span = { from: string; to: string };

/** A stop's span: arrival to departure, or the one known day; null when undated. */
export function stopSpan(stop: Pick<StopFacts, 'arrivalDate' | 'departureDate'>): Span | null {
  const from = stop.arrivalDate ?? stop.departureDate;
  const to = stop.departureDate ?? stop.arrivalDate;
  return from && to ? { from, to } : null;
}

/** The part of the day a local clock time falls in; before the morning is night. */
export function partOfDayAt(time: string): PartOfDay {
  let part: PartOfDay = 'night';
  for (const [name, anchor] of Object.entries(PART_OF_DAY_ANCHORS) as [PartOfDay, string][]) {
    if (time >= anchor) part = name;
  }
  return part;
}

/** The part of the day a meeting is in: as recorded, or from its start time; null when unknown. */
export const meetingPart = (m: Pick<MeetingFacts, 'partOfDay' | 'startTime'>): PartOfDay | null =>
  m.partOfDay ?? (m.startTime ? partOfDayAt(m.startTime) : null);

/** A city's identity: its name folded as every text match folds it (domain/text.ts), and its country. */
export const cityKey = (stop: Pick<StopFacts, 'city' | 'country'>): string =>
  `${fold(stop.city).trim()}|${stop.country}`;

const ms = (instant: string) => Date.parse(instant);

/** When a timed meeting ends: its end, or its start when it has no end (an instant). */
const endOf = (m: { startsAt: string; endsAt: string | null }): string =>
  m.endsAt && ms(m.endsAt) > ms(m.startsAt) ? m.endsAt : m.startsAt;

/**
 * Whether two timed meetings overlap. [start, end) intervals; without an end (or with end = start) a meeting is
 * an instant, inside an interval when start <= instant < end. Two meetings that start together always overlap.
 */
export function meetingsOverlap(
  a: { startsAt: string; endsAt: string | null },
  b: { startsAt: string; endsAt: string | null },
): boolean {
  const [as, bs] = [ms(a.startsAt), ms(b.startsAt)];
  return as === bs || (as < ms(endOf(b)) && bs < ms(endOf(a)));
}

/**
 * Whether `day` is the travel day between two stops of one trip: the one earlier in visit order leaves on that day,
 * the later one arrives on it, and any dated stop between them is that day alone (several hops in one day).
 */
export function isTravelDay(trip: TripFacts, first: StopFacts, second: StopFacts, day: string): boolean {
  if (first.tripId !== trip.id || second.tripId !== trip.id || first.id === second.id) return false;
  const [earlier, later] = first.position < second.position ? [first, second] : [second, first];
  const [a, b] = [stopSpan(earlier), stopSpan(later)];
  if (!a || !b || a.to !== day || b.from !== day) return false;
  return trip.stops.every((stop) => {
    if (stop.position <= earlier.position || stop.position >= later.position) return true;
    const span = stopSpan(stop);
    return span === null || (span.from === day && span.to === day);
  });
}

const TYPE_ORDER = { trip: 0, stop: 1, meeting: 2 } as const;

const isRecord = (r: RecordRef, other: RecordRef | undefined) =>
  other !== undefined && r.type === other.type && r.id === other.id;

/**
 * Identifies a conflict by what collides: its kind, its participant and its records. `unwritten` is a record that
 * a refused write would have created: its id was never written, so the key names it `<type>-new`.
 */
export function conflictKey(
  kind: ConflictKind,
  participantId: number | null,
  records: RecordRef[],
  unwritten?: RecordRef,
): string {
  const parts = [...records]
    .sort((x, y) => TYPE_ORDER[x.type] - TYPE_ORDER[y.type] || x.id - y.id)
    .map((r) => `${r.type}-${isRecord(r, unwritten) ? 'new' : r.id}`);
  return [kind, participantId === null ? 'none' : `participant-${participantId}`, ...parts].join(':');
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const minDate = (a: string, b: string) => (a < b ? a : b);
const maxDate = (a: string, b: string) => (a > b ? a : b);

type Found = Omit<FoundConflict, 'key' | 'samePartOfDay'> & { samePartOfDay?: PartOfDay | null };
const found = (c: Found): FoundConflict => ({
  ...c,
  samePartOfDay: c.samePartOfDay ?? null,
  key: conflictKey(c.kind, c.participantId, c.records),
});

function overlappingMeetings(participantId: number, schedule: Schedule): FoundConflict[] {
  const timed = schedule.meetings
    .filter((m): m is MeetingFacts & { startsAt: string } => m.startsAt !== null)
    .sort((a, b) => ms(a.startsAt) - ms(b.startsAt) || a.id - b.id);
  const out: FoundConflict[] = [];
  for (let i = 0; i < timed.length; i += 1) {
    const a = timed[i] as (typeof timed)[number];
    const aEnd = endOf(a);
    // Sorted by start: once a meeting starts after this one ends, no later one overlaps it.
    for (let j = i + 1; j < timed.length; j += 1) {
      const b = timed[j] as (typeof timed)[number];
      if (ms(b.startsAt) > ms(aEnd)) break;
      if (!meetingsOverlap(a, b)) continue;
      const bEnd = endOf(b);
      out.push(
        found({
          kind: 'overlapping_meetings',
          participantId,
          from: minDate(a.date, b.date),
          to: maxDate(a.date, b.date),
          startsAt: b.startsAt,
          endsAt: ms(aEnd) < ms(bEnd) ? aEnd : bEnd,
          records: [
            { type: 'meeting', id: a.id },
            { type: 'meeting', id: b.id },
          ],
          concerns: [participantId],
        }),
      );
    }
  }
  return out;
}

type Placement = {
  record: RecordRef;
  stop: StopFacts;
  span: Span;
  city: string;
  /** For meetings: whether it has a clock time, and the part of the day it is in. */
  meeting: { timed: boolean; part: PartOfDay | null } | null;
};

function twoPlaces(participantId: number, schedule: Schedule, facts: Facts): FoundConflict[] {
  const placements: Placement[] = [];
  for (const stop of schedule.stops) {
    const span = stopSpan(stop);
    if (span)
      placements.push({
        record: { type: 'stop', id: stop.id },
        stop,
        span,
        city: cityKey(stop),
        meeting: null,
      });
  }
  for (const m of schedule.meetings) {
    const stop = facts.stops.get(m.stopId);
    if (!stop) continue;
    placements.push({
      record: { type: 'meeting', id: m.id },
      stop,
      span: { from: m.date, to: m.date },
      city: cityKey(stop),
      meeting: { timed: m.startsAt !== null, part: meetingPart(m) },
    });
  }
  placements.sort(
    (a, b) =>
      compareText(a.span.from, b.span.from) ||
      compareText(a.span.to, b.span.to) ||
      TYPE_ORDER[a.record.type] - TYPE_ORDER[b.record.type] ||
      a.record.id - b.record.id,
  );
  const out: FoundConflict[] = [];
  for (let i = 0; i < placements.length; i += 1) {
    const a = placements[i] as Placement;
    for (let j = i + 1; j < placements.length; j += 1) {
      const b = placements[j] as Placement;
      if (b.span.from > a.span.to) break;
      if (a.city === b.city) continue;
      // Two timed meetings: their clock times decide (overlapping_meetings).
      if (a.meeting?.timed && b.meeting?.timed) continue;
      // Two stops of one trip: the trip's own inconsistency (overlapping_stops).
      if (!a.meeting && !b.meeting && a.stop.tripId === b.stop.tripId) continue;
      const from = b.span.from;
      const to = minDate(a.span.to, b.span.to);
      let samePart: PartOfDay | null = null;
      const trip = facts.trips.get(a.stop.tripId);
      if (from === to && trip && a.stop.tripId === b.stop.tripId && isTravelDay(trip, a.stop, b.stop, from)) {
        const partA = a.meeting?.part ?? null;
        if (!(partA && partA === b.meeting?.part)) continue;
        samePart = partA;
      }
      // The earlier stop in visit order first, so that explanations read in the order of travel.
      const [first, second] =
        a.stop.tripId === b.stop.tripId && b.stop.position < a.stop.position ? [b, a] : [a, b];
      out.push(
        found({
          kind: 'two_places_same_day',
          participantId,
          from,
          to,
          startsAt: null,
          endsAt: null,
          records: [first.record, second.record],
          concerns: [participantId],
          samePartOfDay: samePart,
        }),
      );
    }
  }
  return out;
}

function meetingsOutsideStops(facts: Facts): FoundConflict[] {
  const seen = new Map<number, { meeting: MeetingFacts; concerns: number[] }>();
  for (const [participantId, schedule] of facts.schedules) {
    for (const meeting of schedule.meetings) {
      const entry = seen.get(meeting.id) ?? { meeting, concerns: [] };
      entry.concerns.push(participantId);
      seen.set(meeting.id, entry);
    }
  }
  const out: FoundConflict[] = [];
  for (const { meeting, concerns } of seen.values()) {
    const stop = facts.stops.get(meeting.stopId);
    if (!stop) continue;
    const early = stop.arrivalDate !== null && meeting.date < stop.arrivalDate;
    const late = stop.departureDate !== null && meeting.date > stop.departureDate;
    if (!early && !late) continue;
    out.push(
      found({
        kind: 'meeting_outside_stop',
        participantId: null,
        from: meeting.date,
        to: meeting.date,
        startsAt: null,
        endsAt: null,
        records: [
          { type: 'meeting', id: meeting.id },
          { type: 'stop', id: stop.id },
        ],
        concerns,
      }),
    );
  }
  return out;
}

function overlappingStops(trip: TripFacts): FoundConflict[] {
  const dated = trip.stops
    .map((stop) => ({ stop, span: stopSpan(stop) }))
    .filter((s): s is { stop: StopFacts; span: Span } => s.span !== null)
    .sort((a, b) => compareText(a.span.from, b.span.from) || a.stop.position - b.stop.position);
  const out: FoundConflict[] = [];
  for (let i = 0; i < dated.length; i += 1) {
    const a = dated[i] as (typeof dated)[number];
    for (let j = i + 1; j < dated.length; j += 1) {
      const b = dated[j] as (typeof dated)[number];
      if (b.span.from > a.span.to) break;
      const from = b.span.from;
      const to = minDate(a.span.to, b.span.to);
      if (from === to && isTravelDay(trip, a.stop, b.stop, from)) continue;
      const [first, second] = a.stop.position < b.stop.position ? [a.stop, b.stop] : [b.stop, a.stop];
      out.push(
        found({
          kind: 'overlapping_stops',
          participantId: trip.travelerId,
          from,
          to,
          startsAt: null,
          endsAt: null,
          records: [
            { type: 'trip', id: trip.id },
            { type: 'stop', id: first.id },
            { type: 'stop', id: second.id },
          ],
          concerns: [trip.travelerId],
        }),
      );
    }
  }
  return out;
}

const KIND_ORDER = Object.fromEntries(CONFLICT_KINDS.map((kind, i) => [kind, i])) as Record<
  ConflictKind,
  number
>;

/** The order conflicts are listed in, as values to compare one by one: first date, last date, kind, participant, key. */
export const conflictSortKey = (c: FoundConflict): [string, string, number, number, string] => [
  c.from,
  c.to,
  KIND_ORDER[c.kind],
  c.participantId ?? 0,
  c.key,
];

export function compareConflicts(a: FoundConflict, b: FoundConflict): number {
  const [x, y] = [conflictSortKey(a), conflictSortKey(b)];
  for (let i = 0; i < x.length; i += 1) {
    if (x[i] !== y[i]) return (x[i] as string | number) < (y[i] as string | number) ? -1 : 1;
  }
  return 0;
}

/** Every conflict the facts hold, in listing order. */
export function findConflicts(facts: Facts): FoundConflict[] {
  const out: FoundConflict[] = [];
  for (const [participantId, schedule] of facts.schedules) {
    out.push(...overlappingMeetings(participantId, schedule), ...twoPlaces(participantId, schedule, facts));
  }
  out.push(...meetingsOutsideStops(facts));
  for (const trip of facts.trips.values()) out.push(...overlappingStops(trip));
  return out.sort(compareConflicts);
}

// Explanations: one sentence a person can act on, naming the records with their ids.

const quoted = (title: string) => `“${title}”`;

const spanText = (stop: StopFacts): string => {
  if (stop.arrivalDate && stop.departureDate) {
    return stop.arrivalDate === stop.departureDate
      ? stop.arrivalDate
      : `${stop.arrivalDate} to ${stop.departureDate}`;
  }
  if (stop.arrivalDate) return `arriving ${stop.arrivalDate}`;
  if (stop.departureDate) return `leaving ${stop.departureDate}`;
  return 'undated';
};

const whenText = (m: MeetingFacts): string => {
  if (m.startTime) return `${m.date} ${m.startTime}${m.endTime ? `–${m.endTime}` : ''}`;
  return m.partOfDay ? `${m.date} ${m.partOfDay}` : m.date;
};

const daysText = (c: { from: string; to: string }) =>
  c.from === c.to ? `on ${c.from}` : `from ${c.from} to ${c.to}`;

export type DescribedRecord = Omit<RecordRef, 'id'> & { id: number | null; label: string };

/**
 * Each record with a short label (a title, or a city and country), and a sentence that explains the conflict.
 * `unwritten` is a record that a refused write would have created: it has no id (null), and the sentence calls it
 * "the new meeting" (or stop), since the id it was given in the rolled-back transaction never existed.
 */
export function describeConflict(
  c: FoundConflict,
  facts: Facts,
  names: ReadonlyMap<number, string>,
  unwritten?: RecordRef,
): { records: DescribedRecord[]; explanation: string } {
  const named = (type: RecordRef['type'], id: number) =>
    isRecord({ type, id }, unwritten) ? `the new ${type}` : `${type} ${id}`;
  const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const meeting = (id: number) => facts.meetings.get(id) as MeetingFacts;
  const stop = (id: number) => facts.stops.get(id) as StopFacts;
  const trip = (id: number) => facts.trips.get(id) as TripFacts;
  const records = c.records.map((r) => ({
    ...r,
    id: isRecord(r, unwritten) ? null : r.id,
    label:
      r.type === 'meeting'
        ? meeting(r.id).title
        : r.type === 'stop'
          ? `${stop(r.id).city}, ${stop(r.id).country}`
          : trip(r.id).title,
  }));
  const who =
    c.participantId === null ? '' : (names.get(c.participantId) ?? `Participant ${c.participantId}`);
  const stopOf = (r: RecordRef) => (r.type === 'meeting' ? stop(meeting(r.id).stopId) : stop(r.id));
  const place = (r: RecordRef) => {
    if (r.type === 'meeting') {
      const m = meeting(r.id);
      return `${named('meeting', m.id)} ${quoted(m.title)}, ${whenText(m)}`;
    }
    const s = stop(r.id);
    return `${named('stop', s.id)} of trip ${s.tripId}, ${spanText(s)}`;
  };
  const [first, second, third] = c.records as [RecordRef, RecordRef, RecordRef | undefined];
  let explanation: string;
  switch (c.kind) {
    case 'overlapping_meetings': {
      const [a, b] = [meeting(first.id), meeting(second.id)];
      const overlap = c.startsAt === c.endsAt ? `at ${c.startsAt}` : `from ${c.startsAt} to ${c.endsAt}`;
      explanation =
        `${who} is due at two meetings at once: ${named('meeting', a.id)} ${quoted(a.title)} in ${stop(a.stopId).city} ` +
        `(${whenText(a)} local time) and ${named('meeting', b.id)} ${quoted(b.title)} in ${stop(b.stopId).city} ` +
        `(${whenText(b)} local time) overlap ${overlap}.`;
      break;
    }
    case 'two_places_same_day': {
      const [sa, sb] = [stopOf(first), stopOf(second)];
      explanation = `${who} is in ${sa.city} (${place(first)}) and in ${sb.city} (${place(second)}) ${daysText(c)}`;
      explanation += c.samePartOfDay
        ? `: it is the travel day from ${sa.city} to ${sb.city}, but both meetings are in the ${c.samePartOfDay}.`
        : '.';
      break;
    }
    case 'meeting_outside_stop': {
      const [m, s] = [meeting(first.id), stop(second.id)];
      explanation =
        `${capitalized(named('meeting', m.id))} ${quoted(m.title)} is dated ${m.date}, outside the dates of its ` +
        `${named('stop', s.id)} in ` +
        `${s.city} (${spanText(s)}).`;
      break;
    }
    case 'overlapping_stops': {
      const t = trip(first.id);
      const [a, b] = [stop(second.id), stop((third as RecordRef).id)];
      explanation =
        `Trip ${t.id} ${quoted(t.title)} is in ${a.city} (${named('stop', a.id)}, ${spanText(a)}) and in ${b.city} ` +
        `(${named('stop', b.id)}, ${spanText(b)}) ${daysText(c)}: the stops overlap beyond a travel day from one to the next.`;
      break;
    }
  }
  return { records, explanation };
}
