import { describe, expect, it } from 'vitest';
import { buildTestApp, countRows, locationOf, newStop, newTrip, PROBLEM } from './helpers.js';

describe('trips', () => {
  it('lists the seeded trip', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .get('/trips')
      .expect(200)
      .expect('content-type', /application\/json/);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      id: 1,
      travelerId: 1,
      startDate: '2018-02-01',
      endDate: '2018-02-07',
      status: 'completed',
      version: 1,
    });
    expect(res.body.data[0].stops).toBeUndefined();
  });

  it('creates, reads, updates and deletes a trip', async () => {
    const { api } = await buildTestApp();
    const created = await api
      .post('/trips')
      .send(newTrip(1, { topics: ['trade'] }))
      .expect(201);
    expect(created.headers.location).toBe(`/trips/${created.body.id}`);
    expect(created.body).toMatchObject({
      title: 'Test trip',
      status: 'planned',
      topics: ['trade'],
      summary: null,
    });

    const read = await api.get(locationOf(created)).expect(200);
    expect(read.body).toEqual(created.body);

    const patched = await api
      .patch(locationOf(created))
      .send({ status: 'confirmed', summary: 'Short.' })
      .expect(200);
    expect(patched.body).toMatchObject({
      status: 'confirmed',
      summary: 'Short.',
      title: 'Test trip',
      version: 2,
    });

    await api.delete(locationOf(created)).expect(204, '');
    const gone = await api.get(locationOf(created)).expect(404).expect('content-type', PROBLEM);
    expect(gone.body).toMatchObject({
      status: 404,
      code: 'trip_not_found',
      detail: `No trip has the id ${created.body.id}.`,
    });
  });

  it('accepts a JSON Merge Patch body', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .patch('/trips/1')
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ summary: null }))
      .expect(200);
    expect(res.body.summary).toBeNull();
  });

  it('validates the merged trip on PATCH', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .patch('/trips/1')
      .send({ endDate: '2018-01-31' })
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body.errors).toEqual([
      { path: 'body.endDate', message: 'must be on or after startDate (2018-02-01)' },
    ]);
    const unchanged = await api.get('/trips/1').expect(200);
    expect(unchanged.body.endDate).toBe('2018-02-07');
    expect(unchanged.body.version).toBe(1);
  });

  it('rejects a trip whose traveler does not exist, naming the field', async () => {
    const { api } = await buildTestApp();
    const res = await api.post('/trips').send(newTrip(999)).expect(400);
    expect(res.body.errors).toEqual([{ path: 'body.travelerId', message: 'no participant has the id 999' }]);
  });

  it('names every bad field of a body, unknown fields included', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .post('/trips')
      .send({
        title: '',
        travelerId: 1,
        startDate: '2018-02-30',
        endDate: '2018-13-01',
        status: 'done',
        colour: 'red',
      })
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body).toMatchObject({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'validation_failed',
    });
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['body.colour', 'body.endDate', 'body.startDate', 'body.status', 'body.title']);
    expect(res.body.errors.find((e: { path: string }) => e.path === 'body.colour').message).toBe(
      'is not a known field',
    );
    expect(res.body.errors.find((e: { path: string }) => e.path === 'body.startDate').message).toBe(
      'is not a day of the calendar',
    );
  });

  it('rejects an unknown query parameter and an unknown include', async () => {
    const { api } = await buildTestApp();
    const unknown = await api.get('/trips/1?expand=stops').expect(400);
    expect(unknown.body.errors).toEqual([{ path: 'query.expand', message: 'is not a known field' }]);
    const badInclude = await api.get('/trips/1?include=stops,hotels').expect(400);
    expect(badInclude.body.errors[0].path).toBe('query.include');
    expect(badInclude.body.errors[0].message).toContain('stops, meetings, participants, traveler');
  });

  it('answers 400 for an id that is not a positive whole number', async () => {
    const { api } = await buildTestApp();
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const res = await api.get(`/trips/${id}`).expect(400);
      expect(res.body.errors[0].path).toBe('path.id');
    }
  });

  it('deleting a trip deletes its stops, meetings and attendance, and nothing else', async () => {
    const { api, app } = await buildTestApp();
    const count = (table: string) => countRows(app, table);
    expect(await count('stops')).toBe(7);
    const trip = await api.post('/trips').send(newTrip(1)).expect(201);
    const stop = await api.post(`/trips/${trip.body.id}/stops`).send(newStop()).expect(201);
    const meeting = await api
      .post(`/stops/${stop.body.id}/meetings`)
      .send({ kind: 'press', title: 'Press conference', participants: [{ participantId: 2, role: 'host' }] })
      .expect(201);
    const attendance = await count('meeting_participants');

    await api.delete(`/trips/${trip.body.id}`).expect(204);
    await api.get(`/stops/${stop.body.id}`).expect(404);
    await api.get(`/meetings/${meeting.body.id}`).expect(404);
    expect(await count('meeting_participants')).toBe(attendance - 1);
    expect(await count('stops')).toBe(7);
    await api.get('/participants/2').expect(200);
  });
});

describe('the whole itinerary in one response', () => {
  it('nests stops, meetings, participants and the traveler with include', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/1?include=stops,meetings,participants').expect(200);
    expect(res.body.traveler).toMatchObject({ id: 1, name: 'Rex Tillerson', title: 'Secretary of State' });
    expect(res.body.stops.map((s: { position: number }) => s.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const stop of res.body.stops) {
      expect(Array.isArray(stop.meetings)).toBe(true);
      for (const meeting of stop.meetings) {
        expect(meeting.stopId).toBe(stop.id);
        expect(meeting.tripId).toBe(1);
        expect(meeting.timeZone).toBe(stop.timeZone);
        expect(meeting.participants.length).toBeGreaterThan(0);
        for (const p of meeting.participants)
          expect(p.role).toMatch(/^(host|counterpart|attendee|delegation_member|other)$/);
      }
    }
  });

  it('without include there is no nesting', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/1').expect(200);
    expect(res.body.stops).toBeUndefined();
    expect(res.body.traveler).toBeUndefined();
  });

  it('include=meetings brings the stops along; include=stops alone has no meetings', async () => {
    const { api } = await buildTestApp();
    const meetings = await api.get('/trips/1?include=meetings').expect(200);
    expect(meetings.body.stops[1].meetings.length).toBe(2);
    expect(meetings.body.stops[1].meetings[0].participants).toBeUndefined();
    const stops = await api.get('/trips/1?include=stops').expect(200);
    expect(stops.body.stops[1].meetings).toBeUndefined();
  });

  it('costs the same number of queries whatever the size of the trip', async () => {
    const { api, queries } = await buildTestApp();
    const selects = () => queries.filter((q) => /^\s*select/i.test(q)).length;

    queries.length = 0;
    await api.get('/trips/1?include=stops,meetings,participants').expect(200);
    const small = selects();

    const trip = await api.post('/trips').send(newTrip(1)).expect(201);
    for (let i = 0; i < 12; i += 1) {
      const stop = await api
        .post(`/trips/${trip.body.id}/stops`)
        .send(newStop({ city: `City ${i}` }))
        .expect(201);
      for (let j = 0; j < 4; j += 1) {
        await api
          .post(`/stops/${stop.body.id}/meetings`)
          .send({
            kind: 'bilateral',
            title: `M${j}`,
            participants: [{ participantId: 1 + (j % 5), role: 'attendee' }],
          })
          .expect(201);
      }
    }
    queries.length = 0;
    const big = await api.get(`/trips/${trip.body.id}?include=stops,meetings,participants`).expect(200);
    expect(big.body.stops).toHaveLength(12);
    expect(big.body.stops.flatMap((s: { meetings: unknown[] }) => s.meetings)).toHaveLength(48);
    expect(selects()).toBe(small);
    // The trip, its traveler, stops, meetings and participants, plus the API key's lookup and the itinerary
    // cache's two looks for writes (before the build, and after it, to know whether it may keep the answer).
    expect(small).toBeLessThanOrEqual(8);
  });
});
