import type { FieldError } from '../errors.js';

// Rules that span fields of one record. They run on the merged record, so a PATCH that changes only one of two
// related fields is checked against the other's stored value.

export function tripRules(trip: { startDate: string; endDate: string }): FieldError[] {
  return trip.startDate <= trip.endDate
    ? []
    : [{ path: 'body.endDate', message: `must be on or after startDate (${trip.startDate})` }];
}

export function stopRules(stop: {
  arrivalDate: string | null;
  departureDate: string | null;
  latitude: number | null;
  longitude: number | null;
}): FieldError[] {
  const errors: FieldError[] = [];
  if (stop.arrivalDate && stop.departureDate && stop.arrivalDate > stop.departureDate) {
    errors.push({
      path: 'body.departureDate',
      message: `must be on or after arrivalDate (${stop.arrivalDate})`,
    });
  }
  if ((stop.latitude === null) !== (stop.longitude === null)) {
    const missing = stop.latitude === null ? 'latitude' : 'longitude';
    errors.push({
      path: `body.${missing}`,
      message: 'latitude and longitude go together: give both or neither',
    });
  }
  return errors;
}

export function meetingRules(meeting: {
  date: string | null;
  startTime: string | null;
  endTime: string | null;
}): FieldError[] {
  const errors: FieldError[] = [];
  if (meeting.startTime && !meeting.date) {
    errors.push({ path: 'body.date', message: 'is required when startTime is set' });
  }
  if (meeting.endTime && !meeting.startTime) {
    errors.push({ path: 'body.startTime', message: 'is required when endTime is set' });
  }
  if (meeting.startTime && meeting.endTime && meeting.endTime < meeting.startTime) {
    errors.push({ path: 'body.endTime', message: `must not be before startTime (${meeting.startTime})` });
  }
  return errors;
}
