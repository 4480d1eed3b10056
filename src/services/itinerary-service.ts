import type { Repositories } from '../plugins/database.js';
import type { MeetingScope } from '../repositories/meetings-repository.js';
import type { Meeting, MeetingDetail } from '../schemas/meetings.js';
import type { Include } from '../schemas/queries.js';
import type { Stop, StopWithMeetings } from '../schemas/stops.js';
import type { Trip, TripDetail } from '../schemas/trips.js';

// Assembles nested itineraries for one record or a whole page of them. Each level costs one query whatever the
// number or size of the records (no N+1): the trips, their travelers, their stops, all their meetings, and all
// those meetings' participants.

export type Includes = ReadonlySet<Include>;
const NONE: Includes = new Set();

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}

/** Adds participants to meetings when asked; `scope` names the same meetings, so this is one more query. */
function withParticipants(
  repos: Repositories,
  meetings: Meeting[],
  scope: MeetingScope,
  include: Includes,
): MeetingDetail[] {
  if (!include.has('participants') || meetings.length === 0) return meetings;
  const byMeeting = repos.meetings.participantsByMeeting(scope);
  return meetings.map((m) => ({ ...m, participants: byMeeting.get(m.id) ?? [] }));
}

export function meetingDetails(
  repos: Repositories,
  meetings: Meeting[],
  include: Includes = NONE,
): MeetingDetail[] {
  return withParticipants(repos, meetings, { meetingIds: meetings.map((m) => m.id) }, include);
}

export function stopDetails(
  repos: Repositories,
  stops: Stop[],
  include: Includes = NONE,
): StopWithMeetings[] {
  if (!include.has('meetings') || stops.length === 0) return stops;
  const scope = { stopIds: stops.map((s) => s.id) };
  const byStop = groupBy(
    withParticipants(repos, repos.meetings.list(scope), scope, include),
    (m) => m.stopId,
  );
  return stops.map((stop) => ({ ...stop, meetings: byStop.get(stop.id) ?? [] }));
}

export function tripDetails(repos: Repositories, trips: Trip[], include: Includes = NONE): TripDetail[] {
  if (trips.length === 0) return trips;
  let details: TripDetail[] = trips;
  if (include.has('traveler') || include.has('participants')) {
    const travelers = new Map(
      repos.participants.getMany(trips.map((t) => t.travelerId)).map((p) => [p.id, p]),
    );
    details = details.map((trip) => ({ ...trip, traveler: travelers.get(trip.travelerId) }));
  }
  // Meetings and their participants nest inside stops, so asking for them brings the stops along.
  if (include.has('stops') || include.has('meetings')) {
    const tripIds = trips.map((t) => t.id);
    let stops: StopWithMeetings[] = repos.stops.listByTrips(tripIds);
    if (include.has('meetings')) {
      const scope = { tripIds };
      const byStop = groupBy(
        withParticipants(repos, repos.meetings.list(scope), scope, include),
        (m) => m.stopId,
      );
      stops = stops.map((stop) => ({ ...stop, meetings: byStop.get(stop.id) ?? [] }));
    }
    const byTrip = groupBy(stops, (s) => s.tripId);
    details = details.map((trip) => ({ ...trip, stops: byTrip.get(trip.id) ?? [] }));
  }
  return details;
}

const only = <T>(items: T[]): T => {
  const [item] = items;
  if (item === undefined) throw new Error('expected one item');
  return item;
};

export const tripDetail = (repos: Repositories, id: number, include: Includes = NONE): TripDetail =>
  only(tripDetails(repos, [repos.trips.get(id)], include));

export const stopDetail = (repos: Repositories, id: number, include: Includes = NONE): StopWithMeetings =>
  only(stopDetails(repos, [repos.stops.get(id)], include));

export const meetingDetail = (repos: Repositories, id: number, include: Includes = NONE): MeetingDetail =>
  only(meetingDetails(repos, [repos.meetings.get(id)], include));
