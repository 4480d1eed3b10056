import ICAL from 'ical.js';
import { type LocalTimeType, localTimeTypeAt, transitionsBetween } from './tzdb.js';

// VTIMEZONE components (RFC 5545 §3.6.5) for the zones a calendar's timed events use, built from the same tz
// database (tzdb.ts) that turns a meeting's local time into its `startsAt`, so a calendar app and the JSON agree
// on every instant.
//
// Ready-made VTIMEZONE collections carry one rule per zone: today's. That is wrong for the past: a meeting in
// New York on 20 March 2005 fell before that year's change to daylight time (3 April, under the rules of the day)
// but after the second Sunday of March, today's rule. Itineraries reach back to 1866, so each zone here lists the
// offset changes that actually happened in the years its events fall in: an observance at the start of each such
// year and one per change within it, without recurrence rules.

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

/** A VTIMEZONE component for a zone, exact for every instant in the given UTC years (and a day either side). */
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

// A zone's VTIMEZONE for a set of years is a function of the tz database alone, so its text is kept: a calendar
// writes each of its zones from here, without working out or writing the observances again. The bound holds a few
// thousand zone and year sets of a few hundred bytes each (about 1 MB); reaching it starts the keeping over.
const texts = new Map<string, string>();
const MAX_TEXTS = 4096;

/**
 * The text of a VTIMEZONE (RFC 5545 §3.6.5, as ical.js writes it inside a VCALENDAR, without the CRLF after its
 * END line) for a zone of the tz database (by its canonical name, as the API stores it), exact for every instant in
 * the given UTC years (and a day either side). Throws for a name the database does not have.
 */
export function vtimezoneText(timeZone: string, years: Iterable<number>): string {
  const sorted = [...new Set(years)].sort((a, b) => a - b);
  const key = `${timeZone}|${sorted.join(',')}`;
  let text = texts.get(key);
  if (text === undefined) {
    if (texts.size >= MAX_TEXTS) texts.clear();
    text = ICAL.stringify.component(vtimezone(timeZone, sorted).toJSON(), ICAL.design.icalendar);
    texts.set(key, text);
  }
  return text;
}
