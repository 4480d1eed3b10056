import type { Transaction } from '../db/client.js';
import type { CalendarContent, CalendarMeeting, CalendarStop } from '../domain/calendar.js';
import type { Repositories } from '../repositories/index.js';
import type { MeetingScope } from '../repositories/meetings-repository.js';
import type { Stop } from '../schemas/stops.js';

// Gathers what a calendar shows, in a fixed number of queries whatever its size: the meetings, their
// participants, the stops they are at, and the titles of the trips those stops belong to.

async function withPlaces(
  repos: Repositories,
  tx: Transaction,
  scope: MeetingScope,
  knownStops: Stop[],
): Promise<{ meetings: CalendarMeeting[]; stopsById: Map<number, Stop> }> {
  const meetings = await repos.meetings.list(scope, tx);
  const participants =
    meetings.length > 0
      ? await repos.meetings.participantsByMeeting({ meetingIds: meetings.map((m) => m.id) }, tx)
      : new Map();
  const stopsById = new Map(knownStops.map((s) => [s.id, s]));
  const missing = [...new Set(meetings.map((m) => m.stopId))].filter((id) => !stopsById.has(id));
  for (const stop of await repos.stops.getMany(missing, tx)) stopsById.set(stop.id, stop);
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
export async function tripCalendar(
  repos: Repositories,
  tx: Transaction,
  tripId: number,
): Promise<CalendarContent> {
  const trip = await repos.trips.get(tripId, tx);
  const stops = await repos.stops.listByTrips([trip.id], tx);
  const { meetings } = await withPlaces(repos, tx, { tripIds: [trip.id] }, stops);
  return {
    name: trip.title,
    description: `Stops and meetings of the trip “${trip.title}” (${trip.startDate} to ${trip.endDate}).`,
    stops: titled(stops, new Map([[trip.id, trip.title]])),
    meetings,
    updatedAt: latest([trip, ...stops, ...meetings]),
  };
}

/** A participant: the stops of the trips they travel on, and every meeting they attend or that is on those trips. */
export async function participantCalendar(
  repos: Repositories,
  tx: Transaction,
  participantId: number,
): Promise<CalendarContent> {
  const participant = await repos.participants.get(participantId, tx);
  const stops = await repos.stops.listByTraveler(participant.id, tx);
  const { meetings, stopsById } = await withPlaces(repos, tx, { involving: participant.id }, stops);
  const tripIds = [...new Set([...stopsById.values()].map((s) => s.tripId))];
  const titles = new Map((await repos.trips.getMany(tripIds, tx)).map((t) => [t.id, t.title]));
  return {
    name: `${participant.name}: itinerary`,
    description: `Where ${participant.name} travels, and the meetings they attend or that are on their trips.`,
    stops: titled(stops, titles),
    meetings,
    updatedAt: latest([participant, ...stops, ...meetings]),
  };
}

/** One meeting. */
export async function meetingCalendar(
  repos: Repositories,
  tx: Transaction,
  meetingId: number,
): Promise<CalendarContent> {
  const meeting = await repos.meetings.get(meetingId, tx);
  const { meetings } = await withPlaces(repos, tx, { meetingIds: [meeting.id] }, []);
  return {
    name: meeting.title,
    description: `The meeting “${meeting.title}”.`,
    stops: [],
    meetings,
    updatedAt: latest([meeting]),
  };
}
