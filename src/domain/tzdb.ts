import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The IANA time zone database as the system keeps it: compiled zone files (TZif, RFC 8536) under TZDIR, by
// default /usr/share/zoneinfo, and the same data as zic input in its tzdata.zi, which lists every zone and link.
//
// Why not Node's own zone data (Intl, and luxon over it): ICU leaves out the tz database's `backzone` file, so
// the zones merged since 2022 (Europe/Oslo into Europe/Berlin, Europe/Stockholm, Atlantic/Reykjavik, …) lose
// their own history before 1970; itineraries reach back to 1866. No maintained npm package ships the database
// with `backzone` (moment-timezone, tzdata for timezonecomplete and @tubular/time were checked, none has Oslo's
// summer time of 1960); Debian's tzdata package does (its tzdata.zi says `# ddeps backzone`), and the image
// installs it. Every instant, conflict and VTIMEZONE of the API comes from this one module.

/** A local time type of a zone: its offset from UTC in seconds (east positive), and what it is called. */
export type LocalTimeType = { offset: number; isDst: boolean; abbreviation: string };
/** A change of local time type at `at` (seconds since the epoch, UTC). */
export type Transition = { at: number; before: LocalTimeType; after: LocalTimeType };

/** The part of a POSIX TZ string (RFC 8536 §3.3) that gives a zone's rules after its last transition. */
type PosixRule = {
  std: LocalTimeType;
  dst: LocalTimeType | null;
  /** When daylight time starts and ends, in local time (the start in standard time, the end in daylight). */
  start: RuleDate | null;
  end: RuleDate | null;
};
/** A day of the year (`J` without Feb 29, `n` from 0 with it) or of a month (week 1–5, 5 = last), and a time. */
type RuleDate =
  | { kind: 'julian'; day: number; time: number }
  | { kind: 'zero-based'; day: number; time: number }
  | { kind: 'month'; month: number; week: number; weekday: number; time: number };

type Zone = {
  name: string;
  times: number[];
  typeOf: LocalTimeType[];
  first: LocalTimeType;
  rule: PosixRule | null;
};

const DAY_S = 86_400;

/** The folder of the database: TZDIR, as the C library reads it, or the usual place. */
const tzdir = (): string => process.env.TZDIR || '/usr/share/zoneinfo';

// ---- names ----

type Names = { version: string; backzone: boolean; canonical: Map<string, string> };
let names: Names | undefined;

/** Zones (`Z name …`) and links (`L target name`) of tzdata.zi, with its version and whether it has backzone. */
function loadNames(): Names {
  if (names) return names;
  const path = join(tzdir(), 'tzdata.zi');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`the time zone database is missing: cannot read ${path} (install tzdata, or set TZDIR)`, {
      cause: error,
    });
  }
  const canonical = new Map<string, string>();
  const links: [string, string][] = [];
  let version = 'unknown';
  let backzone = false;
  for (const line of text.split('\n')) {
    // Only zones, links and comments matter here: the rule lines, most of the file, are skipped unsplit (a tenth of
    // the time, which every start pays).
    const first = line.trimStart()[0];
    if (first !== 'Z' && first !== 'L' && first !== '#') continue;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '#' && fields[1] === 'version') version = fields[2] ?? version;
    else if (fields[0] === '#' && fields[1] === 'ddeps') backzone = fields.includes('backzone');
    else if (fields[0] === 'Z' && fields[1]) canonical.set(fields[1].toLowerCase(), fields[1]);
    else if (fields[0] === 'L' && fields[1] && fields[2]) links.push([fields[1], fields[2]]);
  }
  // A link names a zone; a name that is a zone of its own (with backzone, Europe/Oslo) stays one.
  for (const [target, link] of links) {
    const zone = canonical.get(target.toLowerCase());
    if (zone && !canonical.has(link.toLowerCase())) canonical.set(link.toLowerCase(), zone);
  }
  names = { version, backzone, canonical };
  return names;
}

/**
 * The canonical name of a tz database name, zone or link, matched without regard to case (`utc` → `Etc/UTC`,
 * `Europe/Kiev` → `Europe/Kyiv`); undefined for a name the database does not have.
 */
export const canonicalZone = (name: string): string | undefined =>
  loadNames().canonical.get(name.toLowerCase());

/** The database's release (such as 2025b) and whether it holds the `backzone` history before 1970. */
export function tzdbRelease(): { version: string; backzone: boolean; zones: number } {
  const { version, backzone, canonical } = loadNames();
  return { version, backzone, zones: new Set(canonical.values()).size };
}

// ---- TZif (RFC 8536) ----

/** The version 2+ data block of a TZif file, after the version 1 block that it supersedes, and its footer. */
function parseTzif(name: string, bytes: Buffer): Zone {
  if (bytes.toString('latin1', 0, 4) !== 'TZif' || bytes[4] === 0) {
    throw new Error(`${name}: not a TZif file of version 2 or later`);
  }
  const counts = (at: number) => {
    const [isut, isstd, leap, time, type, char] = [0, 1, 2, 3, 4, 5].map((i) =>
      bytes.readUInt32BE(at + 20 + i * 4),
    );
    return { isut, isstd, leap, time, type, char } as Record<
      'isut' | 'isstd' | 'leap' | 'time' | 'type' | 'char',
      number
    >;
  };
  const v1 = counts(0);
  let at = 44 + v1.time * 5 + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isut;
  const c = counts(at);
  at += 44;
  const times: number[] = [];
  for (let i = 0; i < c.time; i += 1) times.push(Number(bytes.readBigInt64BE(at + i * 8)));
  at += c.time * 8;
  const indices = [...bytes.subarray(at, at + c.time)];
  at += c.time;
  const charsAt = at + c.type * 6;
  const types: LocalTimeType[] = [];
  for (let i = 0; i < c.type; i += 1) {
    const start = charsAt + (bytes[at + i * 6 + 5] as number);
    const end = bytes.indexOf(0, start);
    types.push({
      offset: bytes.readInt32BE(at + i * 6),
      isDst: bytes[at + i * 6 + 4] === 1,
      abbreviation: bytes.toString('latin1', start, end),
    });
  }
  at = charsAt + c.char + c.leap * 12 + c.isstd + c.isut;
  const footer = bytes.toString('latin1', at).split('\n')[1] ?? '';
  return {
    name,
    times,
    typeOf: indices.map((i) => types[i] as LocalTimeType),
    // Before the first transition the zone keeps its first type (RFC 8536 §3.2).
    first: types[0] as LocalTimeType,
    rule: footer === '' ? null : parsePosix(footer, name),
  };
}

/** `[+-]hh[:mm[:ss]]` in seconds. */
function hms(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const [h = 0, m = 0, s = 0] = text.replace(/^[+-]/, '').split(':').map(Number);
  return sign * (h * 3600 + m * 60 + s);
}

const POSIX = /^(<[^>]+>|[A-Za-z]+)([+-]?[\d:]+)(?:(<[^>]+>|[A-Za-z]+)([+-]?[\d:]+)?(?:,([^,]+),([^,]+))?)?$/;

function parseRuleDate(text: string): RuleDate {
  const [date = '', time] = text.split('/');
  const at = time === undefined ? 2 * 3600 : hms(time);
  const month = /^M(\d+)\.(\d)\.(\d)$/.exec(date);
  if (month)
    return {
      kind: 'month',
      month: Number(month[1]),
      week: Number(month[2]),
      weekday: Number(month[3]),
      time: at,
    };
  if (date.startsWith('J')) return { kind: 'julian', day: Number(date.slice(1)), time: at };
  return { kind: 'zero-based', day: Number(date), time: at };
}

/** A TZif footer: POSIX offsets count west of UTC, so their signs are turned round. */
function parsePosix(text: string, name: string): PosixRule {
  const match = POSIX.exec(text);
  if (!match) throw new Error(`${name}: cannot read the TZ string ${JSON.stringify(text)}`);
  const [, stdName = '', stdOffset = '', dstName, dstOffset, start, end] = match;
  const label = (s: string) => s.replace(/^<|>$/g, '');
  const std = { offset: 0 - hms(stdOffset), isDst: false, abbreviation: label(stdName) };
  if (!dstName) return { std, dst: null, start: null, end: null };
  const dst = {
    offset: dstOffset === undefined ? std.offset + 3600 : 0 - hms(dstOffset),
    isDst: true,
    abbreviation: label(dstName),
  };
  // Without a rule POSIX says M3.2.0,M11.1.0; zic always writes one.
  return { std, dst, start: parseRuleDate(start ?? 'M3.2.0'), end: parseRuleDate(end ?? 'M11.1.0') };
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Seconds since the epoch of local midnight (as if UTC) on the rule's day in `year`, plus the rule's time. */
function ruleLocal(rule: RuleDate, year: number): number {
  const jan1 = Date.UTC(year, 0, 1) / 1000;
  if (rule.kind === 'julian') {
    // J1–J365, never counting 29 February.
    const day = rule.day - 1 + (isLeap(year) && rule.day >= 60 ? 1 : 0);
    return jan1 + day * DAY_S + rule.time;
  }
  if (rule.kind === 'zero-based') return jan1 + rule.day * DAY_S + rule.time;
  const firstOfMonth = Date.UTC(year, rule.month - 1, 1);
  const firstWeekday = new Date(firstOfMonth).getUTCDay();
  let day = 1 + ((rule.weekday - firstWeekday + 7) % 7) + (rule.week - 1) * 7;
  const monthLength = new Date(Date.UTC(year, rule.month, 0)).getUTCDate();
  while (day > monthLength) day -= 7;
  return firstOfMonth / 1000 + (day - 1) * DAY_S + rule.time;
}

/** The rule's changes in `year`, in UTC, in time order. */
function ruleTransitions(rule: PosixRule, year: number): Transition[] {
  if (!rule.dst || !rule.start || !rule.end) return [];
  const { std, dst } = rule;
  const list: Transition[] = [
    { at: ruleLocal(rule.start, year) - std.offset, before: std, after: dst },
    { at: ruleLocal(rule.end, year) - dst.offset, before: dst, after: std },
  ];
  return list.sort((a, b) => a.at - b.at);
}

const utcYear = (seconds: number) => new Date(seconds * 1000).getUTCFullYear();

const zones = new Map<string, Zone>();

function zoneOf(name: string): Zone {
  const known = zones.get(name);
  if (known) return known;
  const canonical = canonicalZone(name);
  if (canonical === undefined) throw new Error(`${name} is not a name of the time zone database`);
  let zone = zones.get(canonical);
  if (!zone) {
    zone = parseTzif(canonical, readFileSync(join(tzdir(), canonical)));
    zones.set(canonical, zone);
  }
  return zone;
}

/** The index of the last transition at or before `at`, or -1. */
function lastIndexAtOrBefore(times: number[], at: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The zone's local time type at `at` (seconds since the epoch, UTC). Throws for a name the database lacks. */
export function localTimeTypeAt(name: string, at: number): LocalTimeType {
  const zone = zoneOf(name);
  const i = lastIndexAtOrBefore(zone.times, at);
  if (i < 0) return zone.first;
  if (i === zone.times.length - 1 && zone.rule) {
    const { rule } = zone;
    if (!rule.dst) return rule.std;
    const year = utcYear(at);
    const changes = [year - 1, year, year + 1].flatMap((y) => ruleTransitions(rule, y));
    return changes.filter((t) => t.at <= at).at(-1)?.after ?? rule.std;
  }
  return zone.typeOf[i] as LocalTimeType;
}

/**
 * The zone's local time type throughout `[from, to]` (seconds since the epoch, UTC) when it does not change then
 * and the zone file lists it (before the TZ string takes over); undefined otherwise. A shortcut for the usual case.
 */
export function steadyTypeBetween(name: string, from: number, to: number): LocalTimeType | undefined {
  const zone = zoneOf(name);
  const i = lastIndexAtOrBefore(zone.times, from);
  if (i !== lastIndexAtOrBefore(zone.times, to)) return undefined;
  if (i < 0) return zone.first;
  return i < zone.times.length - 1 || !zone.rule?.dst ? zone.typeOf[i] : undefined;
}

/** The zone's offset from UTC in seconds (east positive) at `at` (seconds since the epoch, UTC). */
export const offsetAt = (name: string, at: number): number => localTimeTypeAt(name, at).offset;

/**
 * The changes of local time type in `[from, to)` (seconds since the epoch, UTC), in time order: those the zone
 * file lists, then those its TZ string gives after its last listed one.
 */
export function transitionsBetween(name: string, from: number, to: number): Transition[] {
  const zone = zoneOf(name);
  const list: Transition[] = [];
  for (let i = lastIndexAtOrBefore(zone.times, from - 1) + 1; i < zone.times.length; i += 1) {
    const at = zone.times[i] as number;
    if (at >= to) break;
    const before = i === 0 ? zone.first : (zone.typeOf[i - 1] as LocalTimeType);
    list.push({ at, before, after: zone.typeOf[i] as LocalTimeType });
  }
  const last = zone.times.at(-1) ?? Number.NEGATIVE_INFINITY;
  if (zone.rule?.dst && to > last) {
    for (let year = utcYear(Math.max(from, last)) - 1; year <= utcYear(to) + 1; year += 1) {
      for (const t of ruleTransitions(zone.rule, year))
        if (t.at > last && t.at >= from && t.at < to) list.push(t);
    }
  }
  // A change that changes nothing (a rule's own first application) is no change.
  return list.filter(
    (t) =>
      t.before.offset !== t.after.offset ||
      t.before.isDst !== t.after.isDst ||
      t.before.abbreviation !== t.after.abbreviation,
  );
}
