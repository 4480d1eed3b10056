// The viewer's data: the API's JSON, read from the same origin. The shapes are those of openapi.yaml (Trip, Stop,
// Meeting, Source, SearchResult, CountrySummary), cut down to the fields the viewer shows. One module, so that the
// typed client (client/, generated from openapi.yaml) can take its place without touching the pages.

export type Source = {
  title: string;
  publisher: string | null;
  publishedAt: string | null;
  url: string | null;
  quote: string | null;
  recordId: string | null;
};

export type Participant = {
  id: number;
  kind: string;
  name: string;
  title: string | null;
  country: string | null;
  organization: string | null;
  role?: string | null;
};

export type Meeting = {
  id: number;
  stopId: number;
  kind: string;
  title: string;
  description: string | null;
  status: string;
  /** Local date at the stop (YYYY-MM-DD), or null when the sources give none. */
  date: string | null;
  /** Local clock time (HH:MM), or null. */
  startTime: string | null;
  endTime: string | null;
  /** morning, afternoon, evening, night: when the sources give a part of the day but no clock time. */
  partOfDay: string | null;
  /** The stop's IANA zone, in which date and times are read. */
  timeZone: string;
  /** UTC instants (RFC 3339), when there is a clock time. */
  startsAt: string | null;
  endsAt: string | null;
  sources: Source[];
  participants?: Participant[];
};

export type Stop = {
  id: number;
  position: number;
  city: string;
  country: string;
  countryName?: string | null;
  /** WGS 84 degrees; both null for a stop whose place is not known precisely (Texas in the seed). */
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
  arrivalDate: string | null;
  departureDate: string | null;
  notes: string | null;
  sources: Source[];
  meetings?: Meeting[];
};

export type Trip = {
  id: number;
  title: string;
  summary: string | null;
  travelerId: number;
  startDate: string | null;
  endDate: string | null;
  status: string;
  topics: string[];
  sources: Source[];
  version: number;
  traveler?: Participant;
  stops?: Stop[];
};

export type SearchResult = {
  type: 'trip' | 'stop' | 'meeting' | 'participant';
  id: number;
  title: string;
  /** HTML-escaped text with the matched words in <mark>. */
  snippet: string;
  tripId: number | null;
};

export type CountrySummary = { code: string; name: string; visits: number; trips: number };

export type Page<T> = { data: T[]; nextCursor: string | null };

/** An answer other than 2xx, with the RFC 9457 problem's detail when the API sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs a path of the API (with its query) and answers the parsed JSON; throws ApiError on a non-2xx answer. */
async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = (await response.json()) as { detail?: string };
      if (problem.detail) detail = problem.detail;
    } catch {
      // Not a problem document: the status says enough.
    }
    throw new ApiError(response.status, detail);
  }
  return (await response.json()) as T;
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
export function listTrips(filters: TripFilters, signal?: AbortSignal): Promise<Page<Trip>> {
  const query = new URLSearchParams({ include: 'traveler', limit: '200', sort: 'startDate' });
  if (filters.traveler) query.set('traveler', filters.traveler);
  if (filters.participant) query.set('participant', filters.participant);
  if (filters.country) query.set('country', filters.country);
  if (filters.fromYear) query.set('from', `${filters.fromYear}-01-01`);
  if (filters.toYear) query.set('to', `${filters.toYear}-12-31`);
  return getJson(`/trips?${query}`, signal);
}

/** GET /search?q=: trips, stops, meetings and participants, folded (pena finds Peña). */
export function search(q: string, signal?: AbortSignal): Promise<Page<SearchResult>> {
  return getJson(`/search?${new URLSearchParams({ q, limit: '20' })}`, signal);
}

/** GET /countries: every visited country with its ISO name. */
export function listCountries(signal?: AbortSignal): Promise<Page<CountrySummary>> {
  return getJson('/countries?limit=200', signal);
}

/** GET /trips/{id} with its traveler, stops, meetings and participants: the whole itinerary in one answer. */
export function getItinerary(id: number, signal?: AbortSignal): Promise<Trip> {
  return getJson(`/trips/${id}?include=stops,meetings,participants`, signal);
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
