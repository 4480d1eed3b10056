import ICAL from 'ical.js';
import type { Source } from '../schemas/common.js';
import type { MeetingDetail } from '../schemas/meetings.js';
import type { Stop } from '../schemas/stops.js';
import { countryName } from './countries.js';
import { withoutControlCharacters } from './output-text.js';
import { addDays, instantOfLocal, localDateTimeAt, localSeconds, occurrencesOf } from './time.js';
import { offsetAt } from './tzdb.js';
import { vtimezoneText } from './vtimezone.js';

// iCalendar (RFC 5545) for trips, people and meetings, written with ical.js, which folds lines at 75 octets,
// ends them with CRLF, escapes text and writes each value type: nothing here does any of that by hand.
//
// Each property is given to ical.js as jCal (RFC 7265: name, parameters, value type, value) and written with
// ICAL.stringify, rather than built as ICAL.Component, ICAL.Property and ICAL.Time objects first: those objects
// cost more than the writing itself (a benchmark trip's calendar took 1.2–1.5 ms of CPU to render that way), and
// the jCal they held is the same. Each VTIMEZONE is written once per zone and set of years (vtimezone.ts).
// tests/calendar-builder.test.ts checks that the bytes are those the object-built calendar had.
//
// Precision stays what the record knows:
// - a meeting with a clock time starts at that local time in its stop's zone (TZID, with a VTIMEZONE built from
//   the tz database for the years concerned), and ends at its end time, or takes no time when that is unknown;
// - a meeting with only a date, or a date and a part of the day, is an all-day event (the part of the day is
//   written in its summary);
// - a meeting without a date is left out, and counted in X-ITINERARY-UNDATED-MEETINGS;
// - a stop is an all-day, transparent event from its arrival to its departure date (stops without dates are
//   counted in X-ITINERARY-UNDATED-STOPS).
// Every value comes from the records, the DTSTAMP included (their `updatedAt`), so the same data always gives the
// same bytes and the same ETag: a calendar app polling an unchanged feed is answered 304.

// ical.js starts a continuation line with a space and then up to foldLength octets, so 74 keeps every line,
// the space included, within RFC 5545's 75.
ICAL.foldLength = 74;

// ical.js escapes a value (RFC 5545 §3.3.11: backslash, semicolon, comma, line break) only when its design set
// knows the property as TEXT; one it does not know is written raw. NAME and DESCRIPTION of a calendar are RFC
// 7986's TEXT properties, and X-WR-CALNAME and X-WR-CALDESC are read as TEXT by the clients that read them, so
// they are declared here: ical.js then escapes them like SUMMARY, with no VALUE parameter.
for (const name of ['name', 'x-wr-calname', 'x-wr-caldesc']) {
  ICAL.design.icalendar.property[name] = { defaultType: 'text' };
}

export const PRODUCT_ID = '-//Diplomatic Itinerary API//Itineraries 1.0//EN';

export type CalendarStop = Stop & { tripTitle: string };
export type CalendarMeeting = MeetingDetail & {
  stop: Pick<Stop, 'city' | 'country' | 'latitude' | 'longitude'>;
};
export type CalendarContent = {
  name: string;
  description: string;
  stops: CalendarStop[];
  meetings: CalendarMeeting[];
  /** When the newest record shown last changed; for Last-Modified. */
  updatedAt: string;
};

const STATUS = {
  confirmed: 'CONFIRMED',
  planned: 'TENTATIVE',
  tentative: 'TENTATIVE',
  cancelled: 'CANCELLED',
} as const satisfies Record<MeetingDetail['status'], string>;

/** A jCal property (RFC 7265 §3.4): name, parameters, value type, value(s), as ical.js holds and writes it. */
type JCalProperty = [name: string, parameters: Record<string, string>, type: string, ...values: unknown[]];
type JCalComponent = [name: string, properties: JCalProperty[], components: JCalComponent[]];

/** ical.js's design set of iCalendar: what it knows of each property's value type. */
const ICALENDAR = ICAL.design.icalendar;

const property = (name: string, type: string, value: unknown): JCalProperty => [name, {}, type, value];

/** A timestamp as the API stores it (`toISOString()`), whose first 19 characters are the second it falls in. */
const STORED_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/** A UTC DATE-TIME in jCal (`2018-08-21T13:10:05Z`): the record's instant to the second, as ICAL.Time writes it. */
const utc = (iso: string): string =>
  `${(STORED_TIMESTAMP.test(iso) ? iso : new Date(iso).toISOString()).slice(0, 19)}Z`;

/** The day after a date: DTEND of an all-day event is exclusive. */
const dayAfter = (date: string): string => addDays(date, 1) ?? date;

const place = (stop: Pick<Stop, 'city' | 'country'>): string => `${stop.city}, ${countryName(stop.country)}`;

function sourceLine(source: Source): string {
  const parts = [source.publisher, `“${source.title}”`, source.publishedAt, source.url].filter(Boolean);
  return `- ${parts.join(', ')}`;
}

const paragraphs = (...blocks: (string | null | false | undefined)[]): string =>
  blocks.filter((b): b is string => typeof b === 'string' && b.length > 0).join('\n\n');

function sourcesBlock(sources: Source[]): string | null {
  // One line per work cited: a record often cites the same article for several sentences.
  return sources.length === 0 ? null : ['Sources:', ...new Set(sources.map(sourceLine))].join('\n');
}

/**
 * Adds a TEXT property, which ical.js escapes (§3.3.11), with its line ends as `\n` and without the control
 * characters no TEXT value may hold; and not at all when it has nothing to say (no empty `DESCRIPTION:`).
 */
function addText(properties: JCalProperty[], name: string, value: string | null | undefined) {
  const text = value === null || value === undefined ? '' : withoutControlCharacters(value);
  if (text.trim().length > 0) properties.push(property(name, 'text', text));
}

/** UID, DTSTAMP, CREATED, LAST-MODIFIED and SEQUENCE, from the record's id, timestamps and version. */
function identify(
  properties: JCalProperty[],
  uid: string,
  record: { createdAt: string; updatedAt: string; version: number },
) {
  const updated = utc(record.updatedAt);
  properties.push(
    property('uid', 'text', uid),
    property('dtstamp', 'date-time', updated),
    property('created', 'date-time', utc(record.createdAt)),
    property('last-modified', 'date-time', updated),
    // Versions start at 1 and SEQUENCE at 0; both grow by one with every change.
    property('sequence', 'integer', record.version - 1),
  );
}

function geo(properties: JCalProperty[], stop: Pick<Stop, 'latitude' | 'longitude'>) {
  if (stop.latitude !== null && stop.longitude !== null) {
    properties.push(property('geo', 'float', [stop.latitude, stop.longitude]));
  }
}

/** A meeting's time: its instant (epoch seconds), the wall-clock time then (YYYY-MM-DDTHH:MM:SS) and its offset. */
type LocalDateTime = { at: number; wall: string; offset: number; zone: string };

/**
 * The local time of a meeting as the JSON reads it (`toUtcInstant`): a time skipped by a change of offset moves
 * forward as the clocks did, and a time that occurs twice is the first of the two.
 */
function localDateTime(date: string, time: string, zone: string): LocalDateTime {
  const at = instantOfLocal(localSeconds(date, time), zone);
  return { at, wall: localDateTimeAt(at, zone), offset: offsetAt(zone, at), zone };
}

/**
 * Whether a local time can be written with its zone's TZID and read back as the same instant everywhere. Not when
 * it occurs twice (the hour repeated when clocks go back): RFC 5545 §3.3.5 takes the first occurrence, as the API
 * does, but readers differ (ical.js takes the second in some zones). Nor when the zone's offset then was not a
 * whole number of minutes (local mean time, before standard zones): ical.js drops the seconds of offsets.
 */
const writableInZone = (local: LocalDateTime): boolean =>
  local.offset % 60 === 0 && occurrencesOf(Date.parse(`${local.wall}Z`) / 1000, local.zone).length === 1;

/** A timed meeting's start and end (null without an end time), each with whether it is written in its zone. */
type MeetingTimes = {
  start: LocalDateTime & { inZone: boolean };
  end: (LocalDateTime & { inZone: boolean }) | null;
};

function meetingTimes(meeting: CalendarMeeting): MeetingTimes | null {
  if (meeting.date === null || meeting.startTime === null) return null;
  const local = (time: string) => {
    const value = localDateTime(meeting.date as string, time, meeting.timeZone);
    return { ...value, inZone: writableInZone(value) };
  };
  return { start: local(meeting.startTime), end: meeting.endTime === null ? null : local(meeting.endTime) };
}

/**
 * DTSTART or DTEND of a timed meeting: its local time with its zone's TZID, so that calendar apps show and edit it
 * in the zone it happens in. A time the clocks skipped is written as the time it moved to (3:30 for 2:30 on the
 * morning clocks go forward an hour), the instant RFC 5545 also gives it, but which readers treat differently.
 * A time that cannot be written in its zone exactly (above) is written in UTC, which every reader reads the same.
 */
function zoned(name: 'dtstart' | 'dtend', local: LocalDateTime & { inZone: boolean }): JCalProperty {
  if (!local.inZone) return property(name, 'date-time', utc(new Date(local.at * 1000).toISOString()));
  return [name, { tzid: local.zone }, 'date-time', local.wall];
}

function meetingEvent(
  meeting: CalendarMeeting,
  times: MeetingTimes | null,
  uidDomain: string,
): JCalComponent | null {
  if (meeting.date === null) return null;
  const properties: JCalProperty[] = [];
  identify(properties, `meeting-${meeting.id}@${uidDomain}`, meeting);
  if (times) {
    properties.push(zoned('dtstart', times.start));
    // Without an end time the event takes no time (RFC 5545 §3.6.1): no duration is made up.
    if (times.end) properties.push(zoned('dtend', times.end));
  } else {
    properties.push(
      property('dtstart', 'date', meeting.date),
      property('dtend', 'date', dayAfter(meeting.date)),
    );
  }
  const partOfDay = meeting.startTime === null && meeting.partOfDay ? ` (${meeting.partOfDay})` : '';
  addText(properties, 'summary', `${meeting.title}${partOfDay}`);
  const participants = meeting.participants ?? [];
  addText(
    properties,
    'description',
    paragraphs(
      meeting.description,
      participants.length > 0 &&
        ['Participants:', ...participants.map((p) => `- ${p.name} (${p.role.replace('_', ' ')})`)].join('\n'),
      meeting.topics.length > 0 && `Topics: ${meeting.topics.join(', ')}`,
      sourcesBlock(meeting.sources),
    ),
  );
  addText(properties, 'location', place(meeting.stop));
  geo(properties, meeting.stop);
  properties.push(property('status', 'text', STATUS[meeting.status]));
  addText(properties, 'categories', meeting.kind);
  return ['vevent', properties, []];
}

function stopEvent(stop: CalendarStop, uidDomain: string): JCalComponent | null {
  const first = stop.arrivalDate ?? stop.departureDate;
  const last = stop.departureDate ?? stop.arrivalDate;
  if (first === null || last === null) return null;
  const properties: JCalProperty[] = [];
  identify(properties, `stop-${stop.id}@${uidDomain}`, stop);
  properties.push(property('dtstart', 'date', first), property('dtend', 'date', dayAfter(last)));
  addText(properties, 'summary', `In ${place(stop)}`);
  addText(
    properties,
    'description',
    paragraphs(`Stop ${stop.position} of “${stop.tripTitle}”.`, stop.notes, sourcesBlock(stop.sources)),
  );
  addText(properties, 'location', place(stop));
  geo(properties, stop);
  // A stay does not make anyone busy: the meetings do.
  properties.push(property('transp', 'text', 'TRANSPARENT'), property('categories', 'text', 'stop'));
  return ['vevent', properties, []];
}

/** The zones the timed events use, each with the years (of their local dates) written in that zone. */
function zonesOf(times: (MeetingTimes | null)[]): Map<string, Set<number>> {
  const zones = new Map<string, Set<number>>();
  for (const meeting of times) {
    if (meeting === null) continue;
    for (const local of [meeting.start, meeting.end]) {
      if (local === null || !local.inZone) continue;
      let years = zones.get(local.zone);
      if (!years) {
        years = new Set<number>();
        zones.set(local.zone, years);
      }
      years.add(Number(local.wall.slice(0, 4)));
    }
  }
  return zones;
}

const CRLF = '\r\n';

/**
 * A property's content line as ICAL.stringify writes it: written unfolded, then folded by ical.js's own foldline,
 * which leaves a line of at most foldLength octets as it is, so most lines (short ones) skip its walk over every
 * character (a sixth of the rendering's time).
 */
function contentLine(p: JCalProperty): string {
  const line = ICAL.stringify.property(p, ICALENDAR, true);
  const short = line.length * 3 <= ICAL.foldLength || Buffer.byteLength(line) <= ICAL.foldLength;
  return short ? line : ICAL.helpers.foldline(line);
}

/**
 * The iCalendar text (RFC 5545, CRLF line ends, folded) of a calendar: its stops and dated meetings as VEVENTs,
 * with a VTIMEZONE for each zone its timed meetings are written in. The same content always gives the same bytes.
 */
export function renderCalendar(content: CalendarContent, options: { uidDomain: string }): string {
  const properties: JCalProperty[] = [
    property('prodid', 'text', PRODUCT_ID),
    property('version', 'text', '2.0'),
    property('calscale', 'text', 'GREGORIAN'),
  ];
  // NAME and REFRESH-INTERVAL are RFC 7986's; X-WR-CALNAME and X-PUBLISHED-TTL are what older clients read.
  addText(properties, 'name', content.name);
  addText(properties, 'x-wr-calname', content.name);
  addText(properties, 'description', content.description);
  addText(properties, 'x-wr-caldesc', content.description);
  properties.push(
    property('refresh-interval', 'duration', 'PT1H'),
    property('x-published-ttl', 'unknown', 'PT1H'),
  );

  const events: JCalComponent[] = [];
  let undatedStops = 0;
  for (const stop of content.stops) {
    const event = stopEvent(stop, options.uidDomain);
    if (event) events.push(event);
    else undatedStops += 1;
  }
  const times = content.meetings.map(meetingTimes);
  let undatedMeetings = 0;
  for (const [i, meeting] of content.meetings.entries()) {
    const event = meetingEvent(meeting, times[i] ?? null, options.uidDomain);
    if (event) events.push(event);
    else undatedMeetings += 1;
  }
  properties.push(
    property('x-itinerary-undated-meetings', 'unknown', String(undatedMeetings)),
    property('x-itinerary-undated-stops', 'unknown', String(undatedStops)),
  );

  // What ICAL.stringify.component writes for the whole VCALENDAR (its properties, then its components), with each
  // zone's VTIMEZONE as written once (vtimezone.ts).
  let text = `BEGIN:VCALENDAR${CRLF}`;
  for (const p of properties) text += contentLine(p) + CRLF;
  const zones = [...zonesOf(times)].sort(([a], [b]) => a.localeCompare(b));
  for (const [zone, years] of zones) text += vtimezoneText(zone, years) + CRLF;
  for (const [name, eventProperties] of events) {
    const upper = name.toUpperCase();
    text += `BEGIN:${upper}${CRLF}`;
    for (const p of eventProperties) text += contentLine(p) + CRLF;
    text += `END:${upper}${CRLF}`;
  }
  return `${text}END:VCALENDAR${CRLF}`;
}
