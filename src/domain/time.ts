import { DateTime } from 'luxon';

/**
 * The UTC instant of a local wall-clock time at a place, by the zone's rules for that date. A time that does not
 * exist (skipped by a daylight-saving change) moves forward as the clocks did; an ambiguous one takes the first.
 */
export function toUtcInstant(date: string | null, time: string | null, timeZone: string): string | null {
  if (!date || !time) return null;
  const local = DateTime.fromISO(`${date}T${time}`, { zone: timeZone });
  if (!local.isValid) return null;
  return local.toUTC().toISO({ suppressMilliseconds: true });
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
