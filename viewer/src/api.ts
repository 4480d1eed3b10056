// The viewer's data: the API's JSON through the typed client (client/: openapi-fetch over the types generated from
// openapi.yaml), from the page's own origin. Every path, parameter and answer below is checked against the API's
// document at compile time; the pages use only these functions and types.

import { createItineraryClient, isProblem, type Schema } from '../../client/dist/index.js';

export type Source = Schema<'Source'>;
export type Participant = Schema<'Participant'>;
export type Meeting = Schema<'MeetingDetail'>;
/** A stop with its meetings; latitude and longitude are both null for a stop without a known place (Texas). */
export type Stop = Schema<'StopDetail'>;
/** A trip, with its traveler, stops, meetings and participants as far as `include=` asks for them. */
export type Trip = Schema<'TripDetail'>;
export type SearchResult = Schema<'SearchResult'>;
export type CountrySummary = Schema<'Country'>;

/** An answer other than 2xx, with the RFC 9457 problem's detail when the API sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client, on the page's origin (reads need no key). */
const api = createItineraryClient();

/** The body of a 2xx answer; throws ApiError with the problem's detail otherwise. */
function bodyOf<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data !== undefined) return answer.data;
  const { status, statusText } = answer.response;
  throw new ApiError(
    status,
    isProblem(answer.error) && answer.error.detail ? answer.error.detail : `${status} ${statusText}`,
  );
}

/** The filters of the trip list, as the list page's URL and /trips take them. */
export type TripFilters = {
  traveler?: string;
  participant?: string;
  country?: string;
  /** Years (YYYY): trips from 1 January of `from` to 31 December of `to`. */
  fromYear?: string;
  toYear?: string;
};

/** GET /trips with the filters, their travelers included, earliest first (up to 200). */
export async function listTrips(filters: TripFilters, signal?: AbortSignal): Promise<Trip[]> {
  const answer = await api.GET('/trips', {
    params: {
      query: {
        include: 'traveler',
        limit: 200,
        sort: 'startDate',
        traveler: filters.traveler,
        participant: filters.participant,
        country: filters.country,
        from: filters.fromYear ? `${filters.fromYear}-01-01` : undefined,
        to: filters.toYear ? `${filters.toYear}-12-31` : undefined,
      },
    },
    signal,
  });
  return bodyOf(answer).data;
}

/** GET /search?q=: trips, stops, meetings and participants, folded (pena finds Peña). */
export async function search(q: string, signal?: AbortSignal): Promise<SearchResult[]> {
  return bodyOf(await api.GET('/search', { params: { query: { q, limit: 20 } }, signal })).data;
}

/** GET /countries: every visited country with its ISO name. */
export async function listCountries(signal?: AbortSignal): Promise<CountrySummary[]> {
  return bodyOf(await api.GET('/countries', { params: { query: { limit: 200 } }, signal })).data;
}

/** A traveler to choose in the list's filter: the participant id, the name, and how many trips they made. */
export type TravelerChoice = { id: string; name: string; trips: number };

/**
 * GET /trips?facet=traveler: the travelers with the most trips (up to 100, the facet's largest limit), most trips
 * first, in one request whatever the number of trips; each by its participant id and name.
 */
export async function listTravelers(signal?: AbortSignal): Promise<TravelerChoice[]> {
  const answer = await api.GET('/trips', {
    params: { query: { facet: 'traveler', facetLimit: 100, limit: 1 } },
    signal,
  });
  return (bodyOf(answer).facets?.traveler ?? []).map((bucket) => ({
    id: String(bucket.value),
    name: bucket.label,
    trips: bucket.count,
  }));
}

/** GET /trips/{id} with its traveler, stops, meetings and participants: the whole itinerary in one answer. */
export async function getItinerary(id: number, signal?: AbortSignal): Promise<Trip> {
  return bodyOf(
    await api.GET('/trips/{id}', {
      params: { path: { id: String(id) }, query: { include: 'stops,meetings,participants' } },
      signal,
    }),
  );
}

/** The links a trip page offers: its calendar feed (https and webcal), its stops as CSV, its route as GeoJSON. */
export function tripLinks(id: number, origin: string) {
  const calendar = new URL(`/trips/${id}/calendar.ics`, origin);
  return {
    calendar: calendar.href,
    webcal: calendar.href.replace(/^https?:/, 'webcal:'),
    stopsCsv: `/trips/${id}/stops?format=csv&bom=true`,
    routeGeoJson: `/trips/${id}/route.geojson`,
  };
}

/** The path of a trip's page in the viewer: a plain address that opens directly and can be shared. */
export const tripPagePath = (id: number) => `/view/trips/${id}`;
