import type { Repositories } from '../plugins/database.js';
import type { MeetingScope } from '../repositories/meetings-repository.js';
import type { MeetingDetail } from '../schemas/meetings.js';
import type { StopWithMeetings } from '../schemas/stops.js';
import type { Include, TripDetail } from '../schemas/trips.js';

// Assembles nested itineraries. Each level costs one query whatever the trip's size (no N+1): the trip, its
// traveler, its stops, all its meetings, and all their participants.

export type Includes = ReadonlySet<Include>;

function meetingsWithParticipants(
  repos: Repositories,
  scope: MeetingScope,
  include: Includes,
): MeetingDetail[] {
  const meetings = repos.meetings.list(scope);
  if (!include.has('participants')) return meetings;
  const byMeeting = repos.meetings.participantsByMeeting(scope);
  return meetings.map((m) => ({ ...m, participants: byMeeting.get(m.id) ?? [] }));
}

function groupByStop(meetings: MeetingDetail[]): Map<number, MeetingDetail[]> {
  const byStop = new Map<number, MeetingDetail[]>();
  for (const meeting of meetings) {
    const list = byStop.get(meeting.stopId) ?? [];
    list.push(meeting);
    byStop.set(meeting.stopId, list);
  }
  return byStop;
}

export function tripDetail(repos: Repositories, id: number, include: Includes = new Set()): TripDetail {
  const trip: TripDetail = repos.trips.get(id);
  if (include.has('traveler') || include.has('participants')) {
    trip.traveler = repos.participants.get(trip.travelerId);
  }
  // Meetings and their participants nest inside stops, so asking for them brings the stops along.
  if (include.has('stops') || include.has('meetings')) {
    const stops: StopWithMeetings[] = repos.stops.listByTrip(id);
    if (include.has('meetings')) {
      const byStop = groupByStop(meetingsWithParticipants(repos, { tripId: id }, include));
      for (const stop of stops) stop.meetings = byStop.get(stop.id) ?? [];
    }
    trip.stops = stops;
  }
  return trip;
}

export function stopDetail(repos: Repositories, id: number, include: Includes = new Set()): StopWithMeetings {
  const stop: StopWithMeetings = repos.stops.get(id);
  if (include.has('meetings')) stop.meetings = meetingsWithParticipants(repos, { stopId: id }, include);
  return stop;
}

export function meetingDetail(repos: Repositories, id: number, include: Includes = new Set()): MeetingDetail {
  const meeting: MeetingDetail = repos.meetings.get(id);
  if (include.has('participants')) meeting.participants = repos.meetings.listParticipants(id);
  return meeting;
}

export function meetingsOf(
  repos: Repositories,
  scope: MeetingScope,
  include: Includes = new Set(),
): MeetingDetail[] {
  return meetingsWithParticipants(repos, scope, include);
}
