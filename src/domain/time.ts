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
