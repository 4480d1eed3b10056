import type { FieldIssue } from '../errors.js';
import { dateExistsIn } from './time.js';

// Rules that span fields of one record. They run on the merged record, so a PATCH that changes only one of two
// related fields is checked against the other's stored value.

export function tripRules(trip: { startDate: string; endDate: string }): FieldIssue[] {
  return trip.startDate <= trip.endDate
    ? []
    : [{ field: 'endDate', message: `must be on or after startDate (${trip.startDate})` }];
}

/**
 * A local date the clocks skipped at the place (Pacific/Apia went from 29 to 31 December 2011) is no date there:
 * a record on it would be stored on the next day. One issue per such field, named by the field.
 */
function datesHappened(timeZone: string, dates: Record<string, string | null>): FieldIssue[] {
  return Object.entries(dates).flatMap(([field, date]) =>
    date !== null && !dateExistsIn(date, timeZone)
      ? [{ field, message: `${date} did not happen in ${timeZone}: its clocks skipped that day` }]
      : [],
  );
}

export function stopRules(stop: {
  arrivalDate: string | null;
  departureDate: string | null;
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
}): FieldIssue[] {
  const errors = datesHappened(stop.timeZone, {
    arrivalDate: stop.arrivalDate,
    departureDate: stop.departureDate,
  });
  if (stop.arrivalDate && stop.departureDate && stop.arrivalDate > stop.departureDate) {
    errors.push({
      field: 'departureDate',
      message: `must be on or after arrivalDate (${stop.arrivalDate})`,
    });
  }
  if ((stop.latitude === null) !== (stop.longitude === null)) {
    const missing = stop.latitude === null ? 'latitude' : 'longitude';
    errors.push({
      field: missing,
      message: 'latitude and longitude go together: give both or neither',
    });
  }
  return errors;
}

export function meetingRules(meeting: {
  date: string | null;
  startTime: string | null;
  endTime: string | null;
  /** The zone of the meeting's stop. */
  timeZone: string;
}): FieldIssue[] {
  const errors = datesHappened(meeting.timeZone, { date: meeting.date });
  if (meeting.startTime && !meeting.date) {
    errors.push({ field: 'date', message: 'is required when startTime is set' });
  }
  if (meeting.endTime && !meeting.startTime) {
    errors.push({ field: 'startTime', message: 'is required when endTime is set' });
  }
  if (meeting.startTime && meeting.endTime && meeting.endTime < meeting.startTime) {
    errors.push({ field: 'endTime', message: `must not be before startTime (${meeting.startTime})` });
  }
  return errors;
}
