import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';

// VTIMEZONE components (RFC 5545 §3.6.5) for the zones a calendar's timed events use, built from the same tz
// database (through luxon and Intl) that turns a meeting's local time into its `startsAt`, so a calendar app and
// the JSON agree on every instant.
//
// Ready-made VTIMEZONE collections carry one rule per zone: today's. That is wrong for the past: a meeting in
// New York on 20 March 2005 fell before that year's change to daylight time (3 April, under the rules of the day)
// but after the second Sunday of March, today's rule. Itineraries reach back to 1866, so each zone here lists the
// offset changes that actually happened in the years its events fall in: an observance at the start of each such
// year and one per change within it, without recurrence rules.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

type Observance = { kind: 'standard' | 'daylight'; at: number; from: number; to: number; name: string };

const offsetAt = (zone: IANAZone, ms: number): number => zone.offset(ms);

/** The first minute at which the offset differs from the offset at `low`, searching up to `high`. */
function changeBetween(zone: IANAZone, low: number, high: number): number {
  const before = offsetAt(zone, low);
  let lo = low;
  let hi = high;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

function observance(zone: IANAZone, at: number, from: number): Observance {
  const local = DateTime.fromMillis(at, { zone });
  return {
    kind: local.isInDST ? 'daylight' : 'standard',
    at,
    from,
    to: offsetAt(zone, at),
    name: local.offsetNameShort ?? local.toFormat('ZZ'),
  };
}

/** A year's opening observance, then one per change of offset, from a day before the year to a day after it. */
function scanYear(zone: IANAZone, year: number): Observance[] {
  // A day either side, so that local dates at either end of the year are covered in any zone.
  const start = Date.UTC(year, 0, 1) - DAY_MS;
  const end = Date.UTC(year + 1, 0, 1) + DAY_MS;
  const list = [observance(zone, start, offsetAt(zone, start - 1))];
  for (let day = start; day < end; day += DAY_MS) {
    const next = Math.min(day + DAY_MS, end);
    if (offsetAt(zone, day) === offsetAt(zone, next)) continue;
    const at = changeBetween(zone, day, next);
    list.push(observance(zone, at, offsetAt(zone, at - MINUTE_MS)));
  }
  return list;
}

// The tz rules of a year do not change while the process runs, and a scan costs a few hundred offset lookups, so
// scans are kept; the cache is emptied when it reaches its bound (about a thousand zone-years of a few rows each).
const scans = new Map<string, Observance[]>();
const MAX_SCANS = 1024;

function yearObservances(zone: IANAZone, year: number): Observance[] {
  const key = `${zone.name}|${year}`;
  let found = scans.get(key);
  if (!found) {
    if (scans.size >= MAX_SCANS) scans.clear();
    found = scanYear(zone, year);
    scans.set(key, found);
  }
  return found;
}

/** The observances of one zone covering the given UTC years, in time order, each change once. */
function observances(zone: IANAZone, years: Iterable<number>): Observance[] {
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

/** A local DATE-TIME (no zone) for the instant `ms` seen at an offset of `offsetMinutes`. */
function localTime(ms: number, offsetMinutes: number): ICAL.Time {
  const d = new Date(ms + offsetMinutes * MINUTE_MS);
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
const utcOffset = (minutes: number): ICAL.UtcOffset => ICAL.UtcOffset.fromSeconds(Math.round(minutes * 60));

/**
 * A VTIMEZONE for an IANA zone, exact for every instant in the given UTC years (and a day either side). The
 * zone name must be one the tz database knows (the API only stores those).
 */
export function vtimezone(timeZone: string, years: Iterable<number>): ICAL.Component {
  const zone = IANAZone.create(timeZone);
  const component = new ICAL.Component('vtimezone');
  component.addPropertyWithValue('tzid', timeZone);
  for (const o of observances(zone, years)) {
    const sub = new ICAL.Component(o.kind);
    // DTSTART is the local time at which the observance begins, in the offset in force just before it.
    sub.addPropertyWithValue('dtstart', localTime(o.at, o.from));
    sub.addPropertyWithValue('tzoffsetfrom', utcOffset(o.from));
    sub.addPropertyWithValue('tzoffsetto', utcOffset(o.to));
    sub.addPropertyWithValue('tzname', o.name);
    component.addSubcomponent(sub);
  }
  return component;
}
