import { describe, expect, it } from 'vitest';
import { buildTestApp, locationOf, newStop, newTrip, PROBLEM } from './helpers.js';

describe('stops', () => {
  it('lists a trip’s stops in visit order', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/1/stops').expect(200);
    expect(res.body.data.map((s: { city: string }) => s.city)).toEqual([
      'Texas',
      'Mexico City',
      'Bariloche',
      'Buenos Aires',
      'Lima',
      'Bogotá',
      'Kingston',
    ]);
    await api.get('/trips/999/stops').expect(404);
  });

  it('creates a stop after the last one, reads, updates and deletes it', async () => {
    const { api } = await buildTestApp();
    const created = await api
      .post('/trips/1/stops')
      .send(newStop({ notes: 'A test stop' }))
      .expect(201);
    expect(created.headers.location).toBe(`/stops/${created.body.id}`);
    expect(created.body).toMatchObject({
      tripId: 1,
      position: 8,
      city: 'Lima',
      country: 'PE',
      notes: 'A test stop',
    });

    const read = await api.get(locationOf(created)).expect(200);
    expect(read.body).toEqual(created.body);

    const patched = await api.patch(locationOf(created)).send({ city: 'Cusco', position: 9 }).expect(200);
    expect(patched.body).toMatchObject({ city: 'Cusco', position: 9, version: 2 });

    await api.delete(locationOf(created)).expect(204);
    await api.get(locationOf(created)).expect(404);
  });

  it('answers 409, naming the holder, for a position already taken', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .post('/trips/1/stops')
      .send(newStop({ position: 2 }))
      .expect(409)
      .expect('content-type', PROBLEM);
    expect(res.body.code).toBe('stop_position_taken');
    expect(res.body.detail).toContain('stop 2 (Mexico City)');
    const patch = await api.patch('/stops/3').send({ position: 4 }).expect(409);
    expect(patch.body.detail).toContain('Position 4 of trip 1');
  });

  it('validates countries, time zones, coordinates and the merged dates', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .post('/trips/1/stops')
      .send(newStop({ country: 'XX', timeZone: 'Mars/Olympus', latitude: 95 }))
      .expect(400);
    const byPath = Object.fromEntries(
      res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath['body.country']).toBe('is not an ISO 3166-1 alpha-2 country code');
    expect(byPath['body.timeZone']).toBe('is not an IANA time zone name');
    expect(byPath['body.latitude']).toMatch(/90/);

    const lower = await api
      .post('/trips/1/stops')
      .send(newStop({ country: 'pe' }))
      .expect(400);
    expect(lower.body.errors[0].message).toContain('upper case');

    const onlyLat = await api
      .post('/trips/1/stops')
      .send(newStop({ longitude: null }))
      .expect(400);
    expect(onlyLat.body.errors).toEqual([
      { path: 'body.longitude', message: 'latitude and longitude go together: give both or neither' },
    ]);

    // Stop 4 (Buenos Aires) arrives 2018-02-04: a departure before that is refused, and nothing changes.
    const merged = await api.patch('/stops/4').send({ departureDate: '2018-02-03' }).expect(400);
    expect(merged.body.errors).toEqual([
      { path: 'body.departureDate', message: 'must be on or after arrivalDate (2018-02-04)' },
    ]);
    expect((await api.get('/stops/4')).body.departureDate).toBe('2018-02-05');
  });

  it('answers 404 for a stop of an unknown trip', async () => {
    const { api } = await buildTestApp();
    const res = await api.post('/trips/999/stops').send(newStop()).expect(404);
    expect(res.body.detail).toBe('No trip has the id 999.');
  });

  it('embeds meetings and participants on request', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/stops/4?include=meetings,participants').expect(200);
    expect(res.body.city).toBe('Buenos Aires');
    expect(res.body.meetings.length).toBe(4);
    expect(res.body.meetings[0].participants.length).toBeGreaterThan(0);
  });

  it('deleting a stop deletes its meetings', async () => {
    const { api } = await buildTestApp();
    const trip = await api.post('/trips').send(newTrip(1)).expect(201);
    const stop = await api.post(`/trips/${trip.body.id}/stops`).send(newStop()).expect(201);
    const meeting = await api
      .post(`/stops/${stop.body.id}/meetings`)
      .send({ kind: 'tour', title: 'A tour' })
      .expect(201);
    await api.delete(`/stops/${stop.body.id}`).expect(204);
    await api.get(`/meetings/${meeting.body.id}`).expect(404);
    await api.get(`/trips/${trip.body.id}`).expect(200);
  });
});
