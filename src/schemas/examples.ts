import { tillersonSeed } from '../../seeds/tillerson-2018.js';

// OpenAPI examples, drawn from the seeded itinerary so the reference shows real records.

const [trip] = tillersonSeed.trips;
if (!trip) throw new Error('the seed has no trip');
const buenosAires = trip.stops.find((s) => s.city === 'Buenos Aires');
const macri = buenosAires?.meetings.find((m) => m.partOfDay === 'morning');
const faurie = tillersonSeed.participants.find((p) => p.name === 'Jorge Faurie');
if (!buenosAires || !macri || !faurie) throw new Error('the seed lacks the records the examples show');

const stamps = { createdAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-11-29T10:00:00.000Z', version: 1 };

const { stops: _stops, ...tripFields } = trip;
export const tripExample = { ...tripFields, ...stamps };
export const createTripExample = {
  title: trip.title,
  travelerId: trip.travelerId,
  startDate: trip.startDate,
  endDate: trip.endDate,
  status: trip.status,
  topics: trip.topics.slice(0, 3),
};

const { meetings: _meetings, ...stopFields } = buenosAires;
export const stopExample = { ...stopFields, tripId: trip.id, countryName: null, ...stamps };
export const createStopExample = {
  city: buenosAires.city,
  country: buenosAires.country,
  latitude: buenosAires.latitude,
  longitude: buenosAires.longitude,
  timeZone: buenosAires.timeZone,
  arrivalDate: buenosAires.arrivalDate,
  departureDate: buenosAires.departureDate,
};

const { participants: macriParticipants, ...meetingFields } = macri;
export const meetingExample = {
  ...meetingFields,
  stopId: buenosAires.id,
  tripId: trip.id,
  timeZone: buenosAires.timeZone,
  startsAt: null,
  endsAt: null,
  ...stamps,
};
export const createMeetingExample = {
  kind: macri.kind,
  title: macri.title,
  status: macri.status,
  date: macri.date,
  partOfDay: macri.partOfDay,
  participants: macriParticipants,
};

export const participantExample = { ...faurie, ...stamps };
export const createParticipantExample = {
  kind: faurie.kind,
  name: faurie.name,
  title: faurie.title,
  country: faurie.country,
};
