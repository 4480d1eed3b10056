/// <reference types="vite/client" />
import { createItineraryClient, isProblem } from 'diplomatic-itinerary-client';

// A page's script in a Vite app: the API's address and a key come from .env.local
// (VITE_API_URL=http://127.0.0.1:3000, VITE_API_TOKEN=itk_…); the server lists the page's origin in CORS_ORIGINS.
const api = createItineraryClient({
  baseUrl: import.meta.env.VITE_API_URL,
  token: import.meta.env.VITE_API_TOKEN,
});

// List the trips (a page of them; `nextCursor` asks for the next).
const trips = await api.GET('/trips', { params: { query: { limit: 10 } } });
for (const trip of trips.data?.data ?? []) console.log(`trip ${trip.id}: ${trip.title}`);

// A whole itinerary in one request: the stops, each stop's meetings, each meeting's participants and roles.
const { data: trip } = await api.GET('/trips/{id}', {
  params: { path: { id: '1' }, query: { include: 'stops,meetings,participants' } },
});
for (const stop of trip?.stops ?? []) {
  console.log(`${stop.city} (${stop.arrivalDate ?? 'no date'}): ${stop.meetings?.length ?? 0} meeting(s)`);
}

// Bad input comes back as an RFC 9457 problem whose errors[] names each bad field.
const { error } = await api.POST('/trips/{id}/stops', {
  params: { path: { id: '1' } },
  body: {
    city: 'Quito',
    country: 'ec',
    timeZone: 'America/Quito',
    arrivalDate: '2018-02-08',
    departureDate: '2018-02-08',
  },
});
if (isProblem(error)) {
  console.log(`${error.status} ${error.code}`);
  for (const field of error.errors ?? []) console.log(`  ${field.path}: ${field.message}`);
}

// A safe edit: If-Match sends the ETag that was read, so a change made meanwhile is not overwritten (412), and an
// Idempotency-Key lets the same request be retried after a network failure without applying it twice.
const meeting = await api.GET('/meetings/{id}', { params: { path: { id: '8' } } });
const etag = meeting.response.headers.get('etag') ?? '';
const edit = {
  params: { path: { id: '8' }, header: { 'if-match': etag, 'idempotency-key': crypto.randomUUID() } },
  body: { topics: ['Venezuela', 'trade'] },
};
const first = await api.PATCH('/meetings/{id}', edit);
if (isProblem(first.error)) console.log(`${first.error.status} ${first.error.code}: ${first.error.detail}`);
else console.log(`edited: version ${first.data?.version}, ETag ${first.response.headers.get('etag')}`);
const retry = await api.PATCH('/meetings/{id}', edit);
console.log(`retried: version ${retry.data?.version}`);
const stale = await api.PATCH('/meetings/{id}', {
  params: { path: { id: '8' }, header: { 'if-match': etag } },
  body: { description: 'Made on an old copy' },
});
if (stale.error?.status === 412) console.log(`${stale.error.code}: read the meeting again and redo the edit`);
