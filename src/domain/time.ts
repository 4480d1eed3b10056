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
