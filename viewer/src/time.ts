// Dates and times as the data gives them. A local date (YYYY-MM-DD) is a day on the calendar of the place, never
// moved through the reader's zone; a clock time is shown in the place's zone, and its UTC instant is one hover away.

import type { Meeting } from './api.js';

/** A local date (YYYY-MM-DD) in English words, read as a calendar day: no zone shifts it. */
function formatLocalDate(date: string, options: Intl.DateTimeFormatOptions): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(
    new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1)),
  );
}

/** "Sunday 4 February 2018" for a local date. */
export const formatDay = (date: string) =>
  formatLocalDate(date, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** "1 Feb 2018" for a local date. */
export const formatShortDate = (date: string) =>
  formatLocalDate(date, { day: 'numeric', month: 'short', year: 'numeric' });

/** "1–7 Feb 2018", or the one date, or "dates not known". */
export function formatRange(from: string | null, to: string | null): string {
  if (!from && !to) return 'dates not known';
  if (!from || !to || from === to) return formatShortDate((from ?? to) as string);
  return `${formatShortDate(from)} – ${formatShortDate(to)}`;
}

/** The zone's short name at an instant ("GMT-3", "EST"), in English. */
export function zoneName(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(
    new Date(instant),
  );
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
}

/** "2018-02-04 21:30 UTC" for an RFC 3339 instant. */
export function formatUtc(instant: string): string {
  return `${new Date(instant).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Where a part of the day falls among clock times, in minutes after midnight, for ordering only. */
const PART_MINUTES: Record<string, number> = {
  morning: 9 * 60,
  afternoon: 14 * 60,
  evening: 19 * 60,
  night: 22 * 60,
};

/** Orders the meetings of one local day: by local clock time, a part of the day among them, the rest last. */
export function byTimeOfDay(a: Meeting, b: Meeting): number {
  const minutes = (m: Meeting) => {
    if (m.startTime) {
      const [h, min] = m.startTime.split(':').map(Number);
      return (h ?? 0) * 60 + (min ?? 0);
    }
    return m.partOfDay ? (PART_MINUTES[m.partOfDay] ?? 24 * 60) : 24 * 60 + 1;
  };
  return minutes(a) - minutes(b) || a.id - b.id;
}
