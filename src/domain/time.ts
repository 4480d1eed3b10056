import { DateTime } from 'luxon';
import { offsetAt, steadyTypeBetween, transitionsBetween } from './tzdb.js';

/** Seconds since the epoch of a local date and time read as if it were UTC: the "local seconds" below. */
export const localSeconds = (date: string, time: string): number => Date.parse(`${date}T${time}:00Z`) / 1000;

/** An instant in the stored form: RFC 3339, UTC, whole seconds, `Z`. */
const instantText = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

// Offsets differ by at most a day (Pacific/Apia skipped 30 December 2011: -10:00 to +14:00), so every offset a
// local time can have is one in force within two days of it.
const WINDOW_S = 2 * 86_400;

/**
 * Every instant (seconds since the epoch, in time order) at which a zone's clocks showed a local time given in
 * local seconds: one as a rule, two in the hour repeated when clocks go back, none in a gap when they go forward.
 */
export function occurrencesOf(local: number, timeZone: string): number[] {
  const steady = steadyTypeBetween(timeZone, local - WINDOW_S, local + WINDOW_S);
  if (steady) return [local - steady.offset];
  const offsets = new Set([
    offsetAt(timeZone, local - WINDOW_S),
    ...transitionsBetween(timeZone, local - WINDOW_S, local + WINDOW_S).map((t) => t.after.offset),
  ]);
  return [...offsets]
    .map((offset) => local - offset)
    .filter((at) => offsetAt(timeZone, at) === local - at)
    .sort((a, b) => a - b);
}

/**
 * The instant (seconds since the epoch) of a local wall-clock time in an IANA zone, resolved the way RFC 5545
 * §3.3.5 does, whatever the date the server runs on: a time that occurs twice (clocks set back) is its first
 * occurrence; a time the clocks skipped moves forward by the length of the gap (02:30 on the morning clocks go
 * from 02:00 to 03:00 is 03:30). `local` is local seconds (above).
 */
export function instantOfLocal(local: number, timeZone: string): number {
  const [first] = occurrencesOf(local, timeZone);
  if (first !== undefined) return first;
  // In a gap: read the time with the offset in force before the change, which moves it forward by the gap.
  const gap = transitionsBetween(timeZone, local - WINDOW_S, local + WINDOW_S).find(
    (t) => t.at + t.before.offset <= local && local < t.at + t.after.offset,
  );
  return local - (gap?.before.offset ?? offsetAt(timeZone, local));
}

/**
 * The UTC instant of a local wall-clock time at a place, by the tz database's rules for that date (RFC 3339, UTC,
 * whole seconds), resolved as `instantOfLocal` says; null without a date or a time. `time` is HH:MM.
 */
export function toUtcInstant(date: string | null, time: string | null, timeZone: string): string | null {
  if (!date || !time) return null;
  return instantText(instantOfLocal(localSeconds(date, time), timeZone));
}

/** The local date and time (YYYY-MM-DDTHH:MM:SS, no zone) at a place of an instant given in epoch seconds. */
export function localDateTimeAt(seconds: number, timeZone: string): string {
  return new Date((seconds + offsetAt(timeZone, seconds)) * 1000).toISOString().slice(0, 19);
}

/**
 * Whether a local date happened at a place. Not when the clocks skipped the whole day: Pacific/Apia went from
 * 29 to 31 December 2011, and Pacific/Kwajalein from 20 to 22 August 1993 (tz database).
 */
export function dateExistsIn(date: string, timeZone: string): boolean {
  const midnight = instantOfLocal(localSeconds(date, '00:00'), timeZone);
  // Midnight of a skipped day moves into the next day; of any other day it stays on it.
  return localDateTimeAt(midnight, timeZone).slice(0, 10) === date;
}

export const nowIso = (): string => new Date().toISOString();

/**
 * An RFC 3339 instant in the stored form of meeting instants (UTC, whole seconds, `Z`), so that SQL can compare
 * the text. A `from` bound rounds up to the second and a `to` bound down, which keeps both inclusive and exact.
 */
export function storedInstant(value: string, bound: 'from' | 'to'): string {
  let instant = DateTime.fromISO(value, { setZone: true }).toUTC();
  if (bound === 'from' && instant.millisecond > 0) instant = instant.plus({ seconds: 1 });
  return instant.startOf('second').toISO({ suppressMilliseconds: true }) ?? value;
}

const DAY_MS = 86_400_000;
const FIRST_DAY_MS = Date.parse('0000-01-01T00:00:00Z');
const LAST_DAY_MS = Date.parse('9999-12-31T00:00:00Z');

/** The day of a UTC time in ms, kept within the years 0000–9999 that dates are written in; undefined for NaN. */
function dayOf(ms: number): string | undefined {
  if (Number.isNaN(ms)) return undefined;
  if (ms < FIRST_DAY_MS) return '0000-01-01';
  if (ms > LAST_DAY_MS) return '9999-12-31';
  return new Date(ms).toISOString().slice(0, 10);
}

/** The date `days` after a YYYY-MM-DD date (before, when negative). */
export const addDays = (date: string, days: number): string | undefined =>
  dayOf(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);

/** The UTC date of an RFC 3339 instant, moved by `days`. */
export const utcDatePlus = (instant: string, days: number): string | undefined =>
  dayOf(Math.floor(Date.parse(instant) / DAY_MS) * DAY_MS + days * DAY_MS);
