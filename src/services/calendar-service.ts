import type { CalendarContent, CalendarMeeting, CalendarStop } from '../domain/calendar.js';
import type { Repositories } from '../plugins/database.js';
import type { MeetingScope } from '../repositories/meetings-repository.js';
import type { Stop } from '../schemas/stops.js';

// Gathers what a calendar shows, in a fixed number of queries whatever its size: the meetings, their
// participants, the stops they are at, and the titles of the trips those stops belong to.

function withPlaces(
  repos: Repositories,
  scope: MeetingScope,
  knownStops: Stop[],
): { meetings: CalendarMeeting[]; stopsById: Map<number, Stop> } {
  const meetings = repos.meetings.list(scope);
  const participants = meetings.length > 0 ? repos.meetings.participantsByMeeting(scope) : new Map();
  const stopsById = new Map(knownStops.map((s) => [s.id, s]));
  const missing = [...new Set(meetings.map((m) => m.stopId))].filter((id) => !stopsById.has(id));
  for (const stop of repos.stops.getMany(missing)) stopsById.set(stop.id, stop);
  return {
    stopsById,
    meetings: meetings.flatMap((m) => {
      const stop = stopsById.get(m.stopId);
      return stop ? [{ ...m, participants: participants.get(m.id) ?? [], stop }] : [];
    }),
  };
}

/** The latest `updatedAt` of the records shown (ISO timestamps compare as text). */
const latest = (records: { updatedAt: string }[]): string =>
  records
    .map((r) => r.updatedAt)
    .sort()
    .at(-1) ?? '';

const titled = (stops: Stop[], titles: Map<number, string>): CalendarStop[] =>
  stops.map((s) => ({ ...s, tripTitle: titles.get(s.tripId) ?? `trip ${s.tripId}` }));

/** A trip: its stops and all its meetings. */
export function tripCalendar(repos: Repositories, tripId: number): CalendarContent {
  const trip = repos.trips.get(tripId);
  const stops = repos.stops.listByTrips([trip.id]);
  const { meetings } = withPlaces(repos, { tripIds: [trip.id] }, stops);
  return {
    name: trip.title,
    description: `Stops and meetings of the trip “${trip.title}” (${trip.startDate} to ${trip.endDate}).`,
    stops: titled(stops, new Map([[trip.id, trip.title]])),
    meetings,
    updatedAt: latest([trip, ...stops, ...meetings]),
  };
}

/** A participant: the stops of the trips they travel on, and every meeting they attend or that is on those trips. */
export function participantCalendar(repos: Repositories, participantId: number): CalendarContent {
  const participant = repos.participants.get(participantId);
  const stops = repos.stops.listByTraveler(participant.id);
  const { meetings, stopsById } = withPlaces(repos, { involving: participant.id }, stops);
  const tripIds = [...new Set([...stopsById.values()].map((s) => s.tripId))];
  const titles = new Map(repos.trips.getMany(tripIds).map((t) => [t.id, t.title]));
  return {
    name: `${participant.name}: itinerary`,
    description: `Where ${participant.name} travels, and the meetings they attend or that are on their trips.`,
    stops: titled(stops, titles),
    meetings,
    updatedAt: latest([participant, ...stops, ...meetings]),
  };
}

/** One meeting. */
export function meetingCalendar(repos: Repositories, meetingId: number): CalendarContent {
  const meeting = repos.meetings.get(meetingId);
  const { meetings } = withPlaces(repos, { meetingIds: [meeting.id] }, []);
  return {
    name: meeting.title,
    description: `The meeting “${meeting.title}”.`,
    stops: [],
    meetings,
    updatedAt: latest([meeting]),
  };
}
