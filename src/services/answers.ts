import type { DatabaseHandle, Transaction } from '../db/handle.js';
import { type CalendarContent, renderCalendar } from '../domain/calendar.js';
import type { Repositories } from '../repositories/index.js';
import type { Include } from '../schemas/queries.js';
import { TripDetailSchema } from '../schemas/trips.js';
import { shapedSerializerFor } from '../serialization.js';
import { meetingCalendar, participantCalendar, tripCalendar } from './calendar-service.js';
import { type CachedAnswer, createItineraryCache } from './itinerary-cache.js';
import { tripDetail } from './itinerary-service.js';

// The answers worth keeping whole: itineraries (`GET /trips/{id}?include=…`) and calendars (`…/calendar.ics`),
// which frontends and calendar apps ask for again and again. Each method owns its answer's key, builds it on a
// miss (in one read of the database handle), serializes it, and keeps the bytes with their ETag and
// Last-Modified in an itinerary cache (itinerary-cache.ts: emptied by any write). Routes only send what it answers.

declare module 'fastify' {
  interface FastifyInstance {
    /** Whole answers kept serialized: itineraries and calendars. */
    answers: Answers;
  }
}

/** A resource with a subscribable calendar. */
export type CalendarResource = 'trip' | 'participant' | 'meeting';

export type Answers = {
  /**
   * The trip `id` with the parts `include` names, as the UTF-8 JSON bytes of TripDetailSchema (what the route's
   * own serializer writes), with a strong ETag over them and the trip's updatedAt as Last-Modified.
   * NotFoundError when there is no such trip.
   */
  trip(id: number, include: ReadonlySet<Include>): Promise<CachedAnswer>;
  /**
   * The iCalendar (RFC 5545) text of a trip, a participant or a meeting, with a strong ETag and the newest
   * updatedAt of what it shows as Last-Modified. NotFoundError when there is no such record.
   */
  calendar(resource: CalendarResource, id: number): Promise<CachedAnswer>;
};

export type AnswersOptions = {
  /** Bytes of each kind of answer kept (ITINERARY_CACHE_MB); 0 keeps none. */
  maxBytes: number;
  /** The domain of calendar UIDs (CALENDAR_UID_DOMAIN). */
  uidDomain: string;
  /** Check each itinerary against its zod schema before serializing it (outside production). */
  verify: boolean;
};

const CALENDARS: Record<
  CalendarResource,
  (repos: Repositories, tx: Transaction, id: number) => Promise<CalendarContent>
> = {
  trip: tripCalendar,
  participant: participantCalendar,
  meeting: meetingCalendar,
};

const httpDate = (iso: string): string => new Date(iso).toUTCString();

/** The answers of this database, kept in two caches of `maxBytes` each (itineraries and calendars). */
export function createAnswers(
  database: Pick<DatabaseHandle, 'generation' | 'uncommitted' | 'read'>,
  repos: Repositories,
  options: AnswersOptions,
): Answers {
  const itineraries = createItineraryCache(database, { maxBytes: options.maxBytes });
  const calendars = createItineraryCache(database, { maxBytes: options.maxBytes });
  // tripDetail builds each trip in TripDetailSchema's shape, so JSON.stringify writes the schema's bytes.
  const serializeTrip = shapedSerializerFor(TripDetailSchema, { verify: options.verify });
  return {
    trip: (id, include) =>
      itineraries.answer(`${id}?${[...include].sort().join(',')}`, async (tx) => {
        const trip = await tripDetail(repos, tx, id, include);
        return { body: Buffer.from(serializeTrip(trip)), lastModified: httpDate(trip.updatedAt) };
      }),
    calendar: (resource, id) =>
      calendars.answer(`${resource}/${id}`, async (tx) => {
        const content = await CALENDARS[resource](repos, tx, id);
        return {
          body: Buffer.from(renderCalendar(content, { uidDomain: options.uidDomain })),
          lastModified: content.updatedAt ? httpDate(content.updatedAt) : undefined,
        };
      }),
  };
}
