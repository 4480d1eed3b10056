import { describe, expect, it } from 'vitest';
import { buildTestApp, newStop, newTrip } from './helpers.js';

type Place = { stop: { city: string }; trip: { id: number }; basis: string };

describe('a participant’s schedule', () => {
  it('lists every meeting the traveler travels to or attends, chronologically, with trip, stop and role', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/participants/1/schedule?limit=200').expect(200);
    expect(res.body.data).toHaveLength(11);
    const dated = res.body.data.map((m: { date: string | null }) => m.date).filter(Boolean);
    expect(dated).toEqual([...dated].sort());
    const macri = res.body.data.find((m: { id: number }) => m.id === 8);
    expect(macri).toMatchObject({
      trip: { id: 1 },
      stop: { id: 4, city: 'Buenos Aires', country: 'AR' },
      role: 'delegation_member',
      partOfDay: 'morning',
    });
  });

  it('shows an attendee only their own meetings, and the traveler meetings they are not listed at', async () => {
    const { api } = await buildTestApp();
    const macri = await api.get('/participants/7/schedule').expect(200);
    expect(macri.body.data.map((m: { id: number; role: string }) => [m.id, m.role])).toEqual([[8, 'host']]);
    // A meeting on Tillerson's trip without him listed is still on his schedule, with role null.
    await api
      .post('/stops/5/meetings')
      .send({ kind: 'press', title: 'Press briefing', date: '2018-02-06' })
      .expect(201);
    const tillerson = await api.get('/participants/1/schedule?from=2018-02-06&to=2018-02-06').expect(200);
    expect(
      tillerson.body.data.map((m: { title: string; role: string | null }) => [m.title, m.role]),
    ).toContainEqual(['Press briefing', null]);
  });

  it('pages, filters by window, and answers 404 for an unknown participant', async () => {
    const { api } = await buildTestApp();
    const first = await api.get('/participants/1/schedule?limit=4').expect(200);
    expect(first.body.data).toHaveLength(4);
    const second = await api
      .get(`/participants/1/schedule?limit=4&cursor=${first.body.nextCursor}`)
      .expect(200);
    const ids = [...first.body.data, ...second.body.data].map((m: { id: number }) => m.id);
    expect(new Set(ids).size).toBe(8);
    const window = await api.get('/participants/1/schedule?from=2018-02-05&to=2018-02-05').expect(200);
    expect(window.body.data.map((m: { id: number }) => m.id)).toEqual([8]);
    await api.get('/participants/999/schedule').expect(404);
    // 404 before a cursor or a window is judged; someone with nothing on their schedule has an empty one.
    await api.get('/participants/999/schedule?cursor=not-a-cursor').expect(404);
    await api.get('/participants/999/schedule?from=2018-02-05').expect(404);
    await api.get('/participants/1/schedule?cursor=not-a-cursor').expect(400);
    const nobody = await api.post('/participants').send({ kind: 'person', name: 'Nobody Yet' }).expect(201);
    const empty = await api.get(`/participants/${nobody.body.id}/schedule?count=true`).expect(200);
    expect(empty.body).toEqual({ data: [], nextCursor: null, total: 0 });
  });
});

describe('whereabouts', () => {
  it('Tillerson on 4 February 2018 was in Buenos Aires; on a travel day, in both places', async () => {
    const { api } = await buildTestApp();
    const cities = async (date: string) =>
      ((await api.get(`/participants/1/whereabouts?date=${date}`).expect(200)).body.data as Place[]).map(
        (p) => p.stop.city,
      );
    expect(await cities('2018-02-04')).toEqual(['Buenos Aires']);
    expect(await cities('2018-02-05')).toEqual(['Buenos Aires', 'Lima']);
    expect(await cities('2018-02-03')).toEqual(['Bariloche']);
    expect(await cities('2018-02-01')).toEqual(['Mexico City']);
    expect(await cities('2018-03-01')).toEqual([]);
  });

  it('places an attendee where they attend a meeting that day', async () => {
    const { api } = await buildTestApp();
    const macri = await api.get('/participants/7/whereabouts?date=2018-02-05').expect(200);
    expect(macri.body.data).toEqual([
      expect.objectContaining({ stop: expect.objectContaining({ city: 'Buenos Aires' }), basis: 'meeting' }),
    ]);
    expect((await api.get('/participants/7/whereabouts?date=2018-02-04').expect(200)).body.data).toEqual([]);
  });

  it('needs a valid date, and a known participant', async () => {
    const { api } = await buildTestApp();
    const missing = await api.get('/participants/1/whereabouts').expect(400);
    expect(missing.body.errors[0].path).toBe('query.date');
    await api.get('/participants/1/whereabouts?date=2018-02-30').expect(400);
    await api.get('/participants/999/whereabouts?date=2018-02-04').expect(404);
  });
});

describe('counterparts', () => {
  it('Macri’s counterparts include Tillerson; Tillerson met each official once, most frequent first', async () => {
    const { api } = await buildTestApp();
    const macri = await api.get('/participants/7/counterparts').expect(200);
    expect(macri.body.data).toEqual([
      expect.objectContaining({
        id: 1,
        name: 'Rex Tillerson',
        meetings: 1,
        firstDate: '2018-02-05',
        lastDate: '2018-02-05',
      }),
    ]);
    const tillerson = await api.get('/participants/1/counterparts?limit=200').expect(200);
    const names = tillerson.body.data.map((c: { name: string }) => c.name);
    expect(names).toContain('Mauricio Macri');
    expect(names).toContain('Heads of US missions in South America');
    expect(names).not.toContain('Rex Tillerson');
    const videgaray = tillerson.body.data.find((c: { id: number }) => c.id === 2);
    expect(videgaray).toMatchObject({ meetings: 1, firstDate: null, lastDate: null });
  });

  it('counts shared meetings, ranks by them, and pages', async () => {
    const { api } = await buildTestApp();
    // Faurie meets Tillerson twice more, on a new trip.
    const trip = await api
      .post('/trips')
      .send(newTrip(1, { startDate: '2018-11-29', endDate: '2018-12-01' }))
      .expect(201);
    const stop = await api
      .post(`/trips/${trip.body.id}/stops`)
      .send(newStop({ city: 'Buenos Aires', country: 'AR', timeZone: 'America/Argentina/Buenos_Aires' }))
      .expect(201);
    for (const date of ['2018-11-30', '2018-12-01']) {
      await api
        .post(`/stops/${stop.body.id}/meetings`)
        .send({
          kind: 'bilateral',
          title: 'G20 talks',
          date,
          participants: [{ participantId: 4, role: 'counterpart' }],
        })
        .expect(201);
    }
    const res = await api.get('/participants/1/counterparts?limit=1&count=true').expect(200);
    expect(res.body.data[0]).toMatchObject({
      id: 4,
      name: 'Jorge Faurie',
      meetings: 3,
      firstDate: '2018-02-04',
      lastDate: '2018-12-01',
    });
    expect(res.body.total).toBe(12);
    const next = await api
      .get(`/participants/1/counterparts?limit=1&cursor=${res.body.nextCursor}`)
      .expect(200);
    expect(next.body.data[0].meetings).toBe(1);
    expect(next.body.data[0].id).not.toBe(4);
  });
});

describe('countries', () => {
  it('lists each visited country with its name, visits, trips and first and last visit', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/countries').expect(200);
    const byCode = Object.fromEntries(res.body.data.map((c: { code: string }) => [c.code, c]));
    expect(Object.keys(byCode)).toEqual(['AR', 'CO', 'JM', 'MX', 'PE', 'US']);
    expect(byCode.AR).toEqual({
      code: 'AR',
      name: 'Argentina',
      visits: 2,
      trips: 1,
      firstVisit: '2018-02-03',
      lastVisit: '2018-02-05',
    });
    expect(byCode.US).toMatchObject({
      name: 'United States of America',
      visits: 1,
      firstVisit: null,
      lastVisit: null,
    });
    const paged = await api.get('/countries?limit=4').expect(200);
    const rest = await api.get(`/countries?limit=4&cursor=${paged.body.nextCursor}`).expect(200);
    expect([...paged.body.data, ...rest.body.data].map((c: { code: string }) => c.code)).toEqual(
      Object.keys(byCode),
    );
  });

  it('lists a country’s stops across trips, chronologically; an invalid code is a 400', async () => {
    const { api } = await buildTestApp();
    const ar = await api.get('/countries/AR/stops?include=meetings').expect(200);
    expect(ar.body.data.map((s: { city: string }) => s.city)).toEqual(['Bariloche', 'Buenos Aires']);
    expect(ar.body.data[1].meetings).toHaveLength(4);
    expect((await api.get('/countries/FR/stops').expect(200)).body.data).toEqual([]);
    const bad = await api.get('/countries/XX/stops').expect(400);
    expect(bad.body.errors[0].path).toBe('path.code');
  });
});
