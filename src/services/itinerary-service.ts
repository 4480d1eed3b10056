import type { Transaction } from '../db/client.js';
import { CONTEXT_ITEM_PROPERTIES, SOURCE_PROPERTIES } from '../domain/vocabulary.js';
import type { Repositories } from '../repositories/index.js';
import type { Source } from '../schemas/common.js';
import type { Meeting, MeetingDetail } from '../schemas/meetings.js';
import type { Include } from '../schemas/queries.js';
import type { Stop, StopWithMeetings } from '../schemas/stops.js';
import type { ContextItem, Trip, TripDetail } from '../schemas/trips.js';

// Assembles nested itineraries for one record or a whole page of them. Each level costs one query whatever the
// number or size of the records (no N+1): the trips, their travelers, their stops, all their meetings, and all
// those meetings' participants.

export type Includes = ReadonlySet<Include>;
const NONE: Includes = new Set();

// Every object of an itinerary is built here, or selected column by column, in its schema's order, so that
// JSON.stringify writes what the schema's serializer writes (serialization.ts: shapedSerializerFor). The objects
// of the JSON columns are the exception: they keep the order they were written in (the seed's sources, rows of
// older versions or of the importer), so they are copied in their schema's order, with its properties only.

function inOrder<T extends object>(keys: readonly (keyof T)[], value: T): T {
  const copy = {} as T;
  for (const key of keys) copy[key] = value[key];
  return copy;
}

const sourcesInOrder = (sources: Source[]): Source[] =>
  sources.length === 0 ? sources : sources.map((source) => inOrder(SOURCE_PROPERTIES, source));

/** A record with its `sources` (and a trip's `context`) in their schema's order; the record is changed. */
function jsonInOrder<T extends { sources: Source[]; context?: ContextItem[] }>(record: T): T {
  record.sources = sourcesInOrder(record.sources);
  if (record.context && record.context.length > 0) {
    record.context = record.context.map((item) => {
      const copy = inOrder(CONTEXT_ITEM_PROPERTIES, item);
      copy.sources = sourcesInOrder(item.sources);
      return copy;
    });
  }
  return record;
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}

/**
 * Adds participants to meetings when asked: one more query, by the meetings' ids (the primary key of attendances,
 * which is cheaper than the scope the meetings came from, joined again).
 */
async function withParticipants(
  repos: Repositories,
  tx: Transaction,
  meetings: Meeting[],
  include: Includes,
): Promise<MeetingDetail[]> {
  if (!include.has('participants') || meetings.length === 0) return meetings;
  const byMeeting = await repos.meetings.participantsByMeeting({ meetingIds: meetings.map((m) => m.id) }, tx);
  return meetings.map((m) => ({ ...m, participants: byMeeting.get(m.id) ?? [] }));
}

/** These meetings, each with its `participants` when `include` asks for them (one query). */
export function meetingDetails(
  repos: Repositories,
  tx: Transaction,
  meetings: Meeting[],
  include: Includes = NONE,
): Promise<MeetingDetail[]> {
  return withParticipants(repos, tx, meetings, include);
}

/** These stops, each with its `meetings` (and their participants) when `include` asks for them. */
export async function stopDetails(
  repos: Repositories,
  tx: Transaction,
  stops: Stop[],
  include: Includes = NONE,
): Promise<StopWithMeetings[]> {
  if (!include.has('meetings') || stops.length === 0) return stops;
  const scope = { stopIds: stops.map((s) => s.id) };
  const byStop = groupBy(
    await withParticipants(repos, tx, await repos.meetings.list(scope, tx), include),
    (m) => m.stopId,
  );
  return stops.map((stop) => ({ ...stop, meetings: byStop.get(stop.id) ?? [] }));
}

/** These trips with what `include` asks for: `traveler`, `stops`, their `meetings` and those meetings' participants. */
export async function tripDetails(
  repos: Repositories,
  tx: Transaction,
  trips: Trip[],
  include: Includes = NONE,
): Promise<TripDetail[]> {
  if (trips.length === 0) return trips;
  let details: TripDetail[] = trips.map(jsonInOrder);
  if (include.has('traveler') || include.has('participants')) {
    const travelers = new Map(
      (
        await repos.participants.getMany(
          trips.map((t) => t.travelerId),
          tx,
        )
      ).map((p) => [p.id, p]),
    );
    details = details.map((trip) => ({ ...trip, traveler: travelers.get(trip.travelerId) }));
  }
  // Meetings and their participants nest inside stops, so asking for them brings the stops along.
  if (include.has('stops') || include.has('meetings')) {
    const tripIds = trips.map((t) => t.id);
    let stops: StopWithMeetings[] = (await repos.stops.listByTrips(tripIds, tx)).map(jsonInOrder);
    if (include.has('meetings')) {
      const meetings = (await repos.meetings.list({ tripIds }, tx)).map(jsonInOrder);
      const byStop = groupBy(await withParticipants(repos, tx, meetings, include), (m) => m.stopId);
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

/** One trip with what `include` asks for; NotFoundError when there is no such trip. */
export const tripDetail = async (
  repos: Repositories,
  tx: Transaction,
  id: number,
  include: Includes = NONE,
): Promise<TripDetail> => only(await tripDetails(repos, tx, [await repos.trips.get(id, tx)], include));

/** One stop with what `include` asks for; NotFoundError when there is no such stop. */
export const stopDetail = async (
  repos: Repositories,
  tx: Transaction,
  id: number,
  include: Includes = NONE,
): Promise<StopWithMeetings> => only(await stopDetails(repos, tx, [await repos.stops.get(id, tx)], include));

/** One meeting with what `include` asks for; NotFoundError when there is no such meeting. */
export const meetingDetail = async (
  repos: Repositories,
  tx: Transaction,
  id: number,
  include: Includes = NONE,
): Promise<MeetingDetail> =>
  only(await meetingDetails(repos, tx, [await repos.meetings.get(id, tx)], include));
