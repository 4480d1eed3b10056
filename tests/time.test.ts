import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, newStop, newTrip, type TestApp } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-time-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Meeting = { id: number; title: string; date: string; startTime: string | null; startsAt: string | null };

/**
 * One trip with stops west of UTC across the US daylight-saving start (2019-03-10), and east of UTC in Tokyo
 * (no DST) and Sydney (DST ends 2019-04-07).
 */
async function world(t: TestApp) {
  const { api } = t;
  const trip = await api
    .post('/trips')
    .send(newTrip(1, { startDate: '2019-03-09', endDate: '2019-04-08' }))
    .expect(201);
  const stop = async (city: string, country: string, timeZone: string) =>
    (
      await api
        .post(`/trips/${trip.body.id}/stops`)
        .send(newStop({ city, country, timeZone, arrivalDate: '2019-03-09', departureDate: '2019-04-08' }))
        .expect(201)
    ).body.id as number;
  const ny = await stop('New York', 'US', 'America/New_York');
  const tokyo = await stop('Tokyo', 'JP', 'Asia/Tokyo');
  const sydney = await stop('Sydney', 'AU', 'Australia/Sydney');
  const meeting = async (stopId: number, title: string, date: string, startTime: string, endTime?: string) =>
    (
      await api
        .post(`/stops/${stopId}/meetings`)
        .send({ kind: 'bilateral', title, date, startTime, ...(endTime ? { endTime } : {}) })
        .expect(201)
    ).body as Meeting & { endsAt: string | null };
  return { trip: trip.body.id as number, ny, tokyo, sydney, meeting };
}

describe('time zones and instants', () => {
  it('computes instants west and east of UTC, across daylight-saving changes', async () => {
    const t = await buildTestApp();
    const { ny, tokyo, sydney, meeting } = await world(t);
    expect((await meeting(ny, 'NY before DST', '2019-03-09', '09:00')).startsAt).toBe('2019-03-09T14:00:00Z');
    expect((await meeting(ny, 'NY after DST', '2019-03-10', '09:00')).startsAt).toBe('2019-03-10T13:00:00Z');
    // 02:30 does not exist on 2019-03-10 in New York: the clocks jumped from 02:00 to 03:00.
    expect((await meeting(ny, 'NY in the gap', '2019-03-10', '02:30')).startsAt).toBe('2019-03-10T07:30:00Z');
    const tokyoMeeting = await meeting(tokyo, 'Tokyo morning', '2019-03-10', '08:00', '09:30');
    expect([tokyoMeeting.startsAt, tokyoMeeting.endsAt]).toEqual([
      '2019-03-09T23:00:00Z',
      '2019-03-10T00:30:00Z',
    ]);
    expect((await meeting(sydney, 'Sydney DST', '2019-04-06', '10:00')).startsAt).toBe(
      '2019-04-05T23:00:00Z',
    );
    expect((await meeting(sydney, 'Sydney standard', '2019-04-07', '10:00')).startsAt).toBe(
      '2019-04-07T00:00:00Z',
    );
  });

  it('a local-date window means that day wherever it is; an instant window compares instants', async () => {
    const t = await buildTestApp();
    const { trip, ny, tokyo, meeting } = await world(t);
    await meeting(tokyo, 'Tokyo morning', '2019-03-10', '08:00');
    await meeting(ny, 'NY evening', '2019-03-09', '20:00');
    await meeting(ny, 'NY next morning', '2019-03-10', '09:00');
    const titles = async (query: string) =>
      ((await t.api.get(`/meetings?trip=${trip}&${query}`).expect(200)).body.data as Meeting[]).map(
        (m) => m.title,
      );
    // The local date 10 March: Tokyo's morning (still 9 March in UTC) and New York's morning.
    expect(await titles('from=2019-03-10&to=2019-03-10')).toEqual(['Tokyo morning', 'NY next morning']);
    // Sorted by local date, then local time.
    expect(await titles('from=2019-03-09')).toEqual(['NY evening', 'Tokyo morning', 'NY next morning']);
    // Between 23:00Z and 01:00Z on 9–10 March: Tokyo 08:00 (23:00Z) and New York 20:00 EST (01:00Z), both ends in.
    expect(await titles('from=2019-03-09T23:00:00Z&to=2019-03-10T01:00:00Z')).toEqual([
      'NY evening',
      'Tokyo morning',
    ]);
    // The same window written with an offset.
    expect(await titles('from=2019-03-09T20:00:00-03:00&to=2019-03-10T10:00:00%2B09:00')).toEqual([
      'NY evening',
      'Tokyo morning',
    ]);
    expect(await titles('from=2019-03-10T00:59:59.500Z&to=2019-03-10T01:00:00Z')).toEqual(['NY evening']);
    const bad = await t.api.get('/meetings?from=10/03/2019').expect(400);
    expect(bad.body.errors[0].path).toBe('query.from');
    const reversed = await t.api
      .get('/meetings?from=2019-03-10T01:00:00Z&to=2019-03-10T00:00:00Z')
      .expect(400);
    expect(reversed.body.errors[0].path).toBe('query.to');
    // Trips take local dates only.
    await t.api.get('/trips?from=2019-03-10T00:00:00Z').expect(400);
  });

  it('keeps instants in step when a meeting moves or its stop changes zone', async () => {
    const t = await buildTestApp();
    const { ny, tokyo, meeting } = await world(t);
    const m = await meeting(ny, 'Moving', '2019-03-12', '10:00');
    expect(m.startsAt).toBe('2019-03-12T14:00:00Z');
    const moved = await t.api.patch(`/meetings/${m.id}`).send({ stopId: tokyo }).expect(200);
    expect(moved.body.startsAt).toBe('2019-03-12T01:00:00Z');
    await t.api
      .patch(`/stops/${tokyo}`)
      .send({ timeZone: 'Asia/Seoul', city: 'Seoul', country: 'KR' })
      .expect(200);
    expect((await t.api.get(`/meetings/${m.id}`)).body.startsAt).toBe('2019-03-12T01:00:00Z');
    await t.api.patch(`/stops/${tokyo}`).send({ timeZone: 'Asia/Kolkata' }).expect(200);
    expect((await t.api.get(`/meetings/${m.id}`)).body.startsAt).toBe('2019-03-12T04:30:00Z');
    const untimed = await t.api.patch(`/meetings/${m.id}`).send({ startTime: null }).expect(200);
    expect(untimed.body.startsAt).toBeNull();
  });

  it('fills in instants a migration could not compute, at start', async () => {
    const path = join(dir, 'backfill.db');
    const first = await buildTestApp({ databasePath: path });
    const { ny, meeting } = await world(first);
    const m = await meeting(ny, 'Backfilled', '2019-03-12', '10:00');
    first.app.database.sqlite.prepare('update meetings set starts_at = null, ends_at = null').run();
    await first.app.close();
    const second = await buildTestApp({ databasePath: path });
    expect((await second.api.get(`/meetings/${m.id}`).expect(200)).body.startsAt).toBe(
      '2019-03-12T14:00:00Z',
    );
  });
});
