// The calendar builder as it was before calendars were written from jCal (src/domain/calendar.ts and vtimezone.ts
// at commit e572a45): every property an ICAL.Property, every time an ICAL.Time, the whole VCALENDAR an
// ICAL.Component turned into text. Kept, unchanged but for its imports, as the reference whose bytes the builder
// in src/ must give for the same content (calendar-builder.test.ts).

import ICAL from 'ical.js';
import type { CalendarContent, CalendarMeeting, CalendarStop } from '../../src/domain/calendar.js';
import { countryName } from '../../src/domain/countries.js';
import { withoutControlCharacters } from '../../src/domain/output-text.js';
import {
  addDays,
  instantOfLocal,
  localDateTimeAt,
  localSeconds,
  occurrencesOf,
} from '../../src/domain/time.js';
import { type LocalTimeType, localTimeTypeAt, offsetAt, transitionsBetween } from '../../src/domain/tzdb.js';
import type { Source } from '../../src/schemas/common.js';
import type { MeetingDetail } from '../../src/schemas/meetings.js';
import type { Stop } from '../../src/schemas/stops.js';

// iCalendar (RFC 5545) for trips, people and meetings, written with ical.js, which folds lines at 75 octets,
// ends them with CRLF and escapes text: nothing here does any of that by hand.
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

const PRODUCT_ID = '-//Diplomatic Itinerary API//Itineraries 1.0//EN';

const STATUS = {
  confirmed: 'CONFIRMED',
  planned: 'TENTATIVE',
  tentative: 'TENTATIVE',
  cancelled: 'CANCELLED',
} as const satisfies Record<MeetingDetail['status'], string>;

const utc = (iso: string): ICAL.Time => ICAL.Time.fromJSDate(new Date(iso), true);

const day = (date: string): ICAL.Time => ICAL.Time.fromDateString(date);

/** The day after a date: DTEND of an all-day event is exclusive. */
const dayAfter = (date: string): ICAL.Time => day(addDays(date, 1) ?? date);

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
function addText(component: ICAL.Component, name: string, value: string | null | undefined) {
  const text = value === null || value === undefined ? '' : withoutControlCharacters(value);
  if (text.trim().length > 0) component.addPropertyWithValue(name, text);
}

/** UID, DTSTAMP, CREATED, LAST-MODIFIED and SEQUENCE, from the record's id, timestamps and version. */
function identify(
  event: ICAL.Component,
  uid: string,
  record: { createdAt: string; updatedAt: string; version: number },
) {
  event.addPropertyWithValue('uid', uid);
  event.addPropertyWithValue('dtstamp', utc(record.updatedAt));
  event.addPropertyWithValue('created', utc(record.createdAt));
  event.addPropertyWithValue('last-modified', utc(record.updatedAt));
  // Versions start at 1 and SEQUENCE at 0; both grow by one with every change.
  event.addPropertyWithValue('sequence', record.version - 1);
}

function geo(event: ICAL.Component, stop: Pick<Stop, 'latitude' | 'longitude'>) {
  if (stop.latitude !== null && stop.longitude !== null) {
    event.addPropertyWithValue('geo', [stop.latitude, stop.longitude]);
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

/**
 * DTSTART or DTEND of a timed meeting: its local time with its zone's TZID, so that calendar apps show and edit it
 * in the zone it happens in. A time the clocks skipped is written as the time it moved to (3:30 for 2:30 on the
 * morning clocks go forward an hour), the instant RFC 5545 also gives it, but which readers treat differently.
 * A time that cannot be written in its zone exactly (above) is written in UTC, which every reader reads the same.
 */
function zoned(event: ICAL.Component, name: 'dtstart' | 'dtend', local: LocalDateTime, zone: string) {
  if (!writableInZone(local)) {
    event.addPropertyWithValue(name, ICAL.Time.fromJSDate(new Date(local.at * 1000), true));
    return;
  }
  event.addPropertyWithValue(name, ICAL.Time.fromDateTimeString(local.wall)).setParameter('tzid', zone);
}

function meetingEvent(meeting: CalendarMeeting, uidDomain: string): ICAL.Component | null {
  if (meeting.date === null) return null;
  const event = new ICAL.Component('vevent');
  identify(event, `meeting-${meeting.id}@${uidDomain}`, meeting);
  if (meeting.startTime !== null) {
    zoned(
      event,
      'dtstart',
      localDateTime(meeting.date, meeting.startTime, meeting.timeZone),
      meeting.timeZone,
    );
    // Without an end time the event takes no time (RFC 5545 §3.6.1): no duration is made up.
    if (meeting.endTime !== null) {
      zoned(event, 'dtend', localDateTime(meeting.date, meeting.endTime, meeting.timeZone), meeting.timeZone);
    }
  } else {
    event.addPropertyWithValue('dtstart', day(meeting.date));
    event.addPropertyWithValue('dtend', dayAfter(meeting.date));
  }
  const partOfDay = meeting.startTime === null && meeting.partOfDay ? ` (${meeting.partOfDay})` : '';
  addText(event, 'summary', `${meeting.title}${partOfDay}`);
  const participants = meeting.participants ?? [];
  addText(
    event,
    'description',
    paragraphs(
      meeting.description,
      participants.length > 0 &&
        ['Participants:', ...participants.map((p) => `- ${p.name} (${p.role.replace('_', ' ')})`)].join('\n'),
      meeting.topics.length > 0 && `Topics: ${meeting.topics.join(', ')}`,
      sourcesBlock(meeting.sources),
    ),
  );
  addText(event, 'location', place(meeting.stop));
  geo(event, meeting.stop);
  event.addPropertyWithValue('status', STATUS[meeting.status]);
  addText(event, 'categories', meeting.kind);
  return event;
}

function stopEvent(stop: CalendarStop, uidDomain: string): ICAL.Component | null {
  const first = stop.arrivalDate ?? stop.departureDate;
  const last = stop.departureDate ?? stop.arrivalDate;
  if (first === null || last === null) return null;
  const event = new ICAL.Component('vevent');
  identify(event, `stop-${stop.id}@${uidDomain}`, stop);
  event.addPropertyWithValue('dtstart', day(first));
  event.addPropertyWithValue('dtend', dayAfter(last));
  addText(event, 'summary', `In ${place(stop)}`);
  addText(
    event,
    'description',
    paragraphs(`Stop ${stop.position} of “${stop.tripTitle}”.`, stop.notes, sourcesBlock(stop.sources)),
  );
  addText(event, 'location', place(stop));
  geo(event, stop);
  // A stay does not make anyone busy: the meetings do.
  event.addPropertyWithValue('transp', 'TRANSPARENT');
  event.addPropertyWithValue('categories', 'stop');
  return event;
}

/** The zones the timed events use, each with the UTC years their local dates fall in. */
function zonesOf(meetings: CalendarMeeting[]): Map<string, Set<number>> {
  const zones = new Map<string, Set<number>>();
  for (const m of meetings) {
    if (m.date === null || m.startTime === null) continue;
    const times = [m.startTime, m.endTime].flatMap((time) =>
      time === null ? [] : [localDateTime(m.date as string, time, m.timeZone)],
    );
    const inZone = times.filter(writableInZone);
    if (inZone.length === 0) continue;
    const years = zones.get(m.timeZone) ?? new Set<number>();
    for (const local of inZone) years.add(Number(local.wall.slice(0, 4)));
    zones.set(m.timeZone, years);
  }
  return zones;
}

export function renderCalendarWithObjects(content: CalendarContent, options: { uidDomain: string }): string {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', PRODUCT_ID);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('calscale', 'GREGORIAN');
  // NAME and REFRESH-INTERVAL are RFC 7986's; X-WR-CALNAME and X-PUBLISHED-TTL are what older clients read.
  addText(calendar, 'name', content.name);
  addText(calendar, 'x-wr-calname', content.name);
  addText(calendar, 'description', content.description);
  addText(calendar, 'x-wr-caldesc', content.description);
  calendar.addPropertyWithValue('refresh-interval', ICAL.Duration.fromString('PT1H'));
  calendar.addPropertyWithValue('x-published-ttl', 'PT1H');

  const zones = [...zonesOf(content.meetings)].sort(([a], [b]) => a.localeCompare(b));
  for (const [zone, years] of zones) calendar.addSubcomponent(vtimezone(zone, years));

  let undatedStops = 0;
  for (const stop of content.stops) {
    const event = stopEvent(stop, options.uidDomain);
    if (event) calendar.addSubcomponent(event);
    else undatedStops += 1;
  }
  let undatedMeetings = 0;
  for (const meeting of content.meetings) {
    const event = meetingEvent(meeting, options.uidDomain);
    if (event) calendar.addSubcomponent(event);
    else undatedMeetings += 1;
  }
  calendar.addPropertyWithValue('x-itinerary-undated-meetings', String(undatedMeetings));
  calendar.addPropertyWithValue('x-itinerary-undated-stops', String(undatedStops));
  return `${calendar.toString()}\r\n`;
}

// ---- vtimezone.ts as it was ----

const DAY_S = 86_400;

type Observance = { at: number; from: number; to: LocalTimeType };

/** A year's opening observance, then one per change, from a day before the year to a day after it. */
function scanYear(zone: string, year: number): Observance[] {
  // A day either side, so that local dates at either end of the year are covered in any zone.
  const start = Date.UTC(year, 0, 1) / 1000 - DAY_S;
  const end = Date.UTC(year + 1, 0, 1) / 1000 + DAY_S;
  const opening = {
    at: start,
    from: localTimeTypeAt(zone, start - 1).offset,
    to: localTimeTypeAt(zone, start),
  };
  const changes = transitionsBetween(zone, start + 1, end).map((t) => ({
    at: t.at,
    from: t.before.offset,
    to: t.after,
  }));
  return [opening, ...changes];
}

// The tz rules of a year do not change while the process runs, so scans are kept; the cache is emptied when it
// reaches its bound (about a thousand zone-years of a few rows each).
const scans = new Map<string, Observance[]>();
const MAX_SCANS = 1024;

function yearObservances(zone: string, year: number): Observance[] {
  const key = `${zone}|${year}`;
  let found = scans.get(key);
  if (!found) {
    if (scans.size >= MAX_SCANS) scans.clear();
    found = scanYear(zone, year);
    scans.set(key, found);
  }
  return found;
}

/** The observances of one zone covering the given UTC years, in time order, each change once. */
function observances(zone: string, years: Iterable<number>): Observance[] {
  const list: Observance[] = [];
  let previous: number | undefined;
  for (const year of [...new Set(years)].sort((a, b) => a - b)) {
    const [opening, ...changes] = yearObservances(zone, year);
    // After the year before, the opening offset is already in force; after a gap, it has to be stated.
    if (opening && previous !== year - 1) list.push(opening);
    for (const change of changes)
      if (change.at > (list.at(-1)?.at ?? Number.NEGATIVE_INFINITY)) list.push(change);
    previous = year;
  }
  return list;
}

/** A local DATE-TIME (no zone) for the instant `seconds` seen at an offset of `offset` seconds. */
function localTime(seconds: number, offset: number): ICAL.Time {
  const d = new Date((seconds + offset) * 1000);
  return ICAL.Time.fromData({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isDate: false,
  });
}

// Offsets of local mean time had seconds, which ical.js cannot hold; times then are written in UTC (calendar.ts).
const utcOffset = (seconds: number): ICAL.UtcOffset => ICAL.UtcOffset.fromSeconds(seconds);

/**
 * A VTIMEZONE for a zone of the tz database (by its canonical name, as the API stores it), exact for every
 * instant in the given UTC years (and a day either side). Throws for a name the database does not have.
 */
function vtimezone(timeZone: string, years: Iterable<number>): ICAL.Component {
  const component = new ICAL.Component('vtimezone');
  component.addPropertyWithValue('tzid', timeZone);
  for (const o of observances(timeZone, years)) {
    const sub = new ICAL.Component(o.to.isDst ? 'daylight' : 'standard');
    // DTSTART is the local time at which the observance begins, in the offset in force just before it.
    sub.addPropertyWithValue('dtstart', localTime(o.at, o.from));
    sub.addPropertyWithValue('tzoffsetfrom', utcOffset(o.from));
    sub.addPropertyWithValue('tzoffsetto', utcOffset(o.to.offset));
    sub.addPropertyWithValue('tzname', o.to.abbreviation);
    component.addSubcomponent(sub);
  }
  return component;
}
