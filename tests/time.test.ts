import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineOf } from '../src/db/connection.js';
import { buildTestApp, newStop, newTrip, PROBLEM, type TestApp } from './helpers.js';
import { runTimeCasesOnNewApp, type TimeCaseResults } from './time-cases.js';

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
    engineOf(first.app.database).sqlite.prepare('update meetings set starts_at = null, ends_at = null').run();
    await first.app.close();
    const second = await buildTestApp({ databasePath: path });
    expect((await second.api.get(`/meetings/${m.id}`).expect(200)).body.startsAt).toBe(
      '2019-03-12T14:00:00Z',
    );
  });
});

// The expected answer to every time case of issue 11 (time-cases.ts), from the tz database and RFC 5545, whatever
// the date the server runs on.
const EXPECTED: TimeCaseResults = {
  json: {
    // The first of the two 01:30s of 7 November 2021 in New York (EDT), not the second (EST, 06:30Z).
    nyRepeated: ['2021-11-07T05:30:00Z', '2021-11-07T05:45:00Z'],
    nyBeforeRepeat: ['2021-11-07T05:00:00Z', '2021-11-07T05:40:00Z'],
    // 02:30 on 14 March 2021 did not happen in New York: it moves forward by the hour skipped.
    nyGap: ['2021-03-14T07:30:00Z', '2021-03-14T07:45:00Z'],
    nyAfterGap: ['2021-03-14T07:40:00Z', '2021-03-14T08:00:00Z'],
    // Norway's summer time of 1960 (UTC+2), which only the tz database's backzone keeps.
    oslo1960: ['1960-07-15T08:00:00Z', '1960-07-15T09:00:00Z'],
    osloBefore: ['1960-07-15T07:30:00Z', '1960-07-15T08:30:00Z'],
    // Samoa's first day at UTC+14.
    apia31: ['2011-12-30T19:00:00Z', '2011-12-30T20:00:00Z'],
    kiev: ['2022-03-01T08:00:00Z', null],
    kyiv: ['2022-03-02T08:00:00Z', null],
    utc: ['2022-03-03T10:00:00Z', null],
  },
  calendar: {} as TimeCaseResults['calendar'],
  conflicts: {
    'nyBeforeRepeat+nyRepeated': ['2021-11-07T05:30:00Z', '2021-11-07T05:40:00Z'],
    'nyAfterGap+nyGap': ['2021-03-14T07:40:00Z', '2021-03-14T07:45:00Z'],
    'oslo1960+osloBefore': ['1960-07-15T08:00:00Z', '1960-07-15T08:30:00Z'],
  },
  // Stored once, as the zone the name links to.
  zones: {
    oslo: 'Europe/Oslo',
    apia: 'Pacific/Apia',
    ny: 'America/New_York',
    kiev: 'Europe/Kyiv',
    kyiv: 'Europe/Kyiv',
    utc: 'Etc/UTC',
  },
  vtimezones: ['America/New_York', 'Etc/UTC', 'Europe/Kyiv', 'Europe/Oslo', 'Pacific/Apia'],
  // 30 December 2011 did not happen in Samoa.
  refused: { apiaMeeting: [400, ['body.date']], apiaStop: [400, ['body.arrivalDate']] },
};
// Calendars give each meeting the instants the JSON gives it.
EXPECTED.calendar = EXPECTED.json;

/** Reads each event's DTSTART and DTEND as UTC instants with python3-vobject (Debian's), by UID without domain. */
const VOBJECT_INSTANTS = `
import sys, json, datetime, vobject
def utc(prop):
    value = prop.value
    if not isinstance(value, datetime.datetime): return None
    return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
calendar = vobject.readOne(sys.stdin.read())
print(json.dumps({e.uid.value.split('@')[0]: [utc(e.dtstart), utc(e.dtend) if hasattr(e, 'dtend') else None]
                  for e in calendar.vevent_list}))
`;

describe('one local time, one instant (issue 11)', () => {
  it('gives each case its instant in the JSON, in conflicts and in the calendar', async () => {
    const { results, ics, meetingIds } = await runTimeCasesOnNewApp();
    expect(results).toEqual(EXPECTED);
    // A second, independent reader of the calendar (python3-vobject, with dateutil's VTIMEZONE rules) agrees.
    const read = spawnSync('/usr/bin/python3', ['-c', VOBJECT_INSTANTS], { input: ics, encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const byUid = JSON.parse(read.stdout) as Record<string, [string | null, string | null]>;
    const byName = Object.fromEntries(
      Object.entries(meetingIds).map(([name, id]) => [name, byUid[`meeting-${id}`]]),
    );
    expect(byName).toEqual(EXPECTED.calendar);
  });

  // The fault this guards against took the offset of the day the server ran on, so the cases run again in
  // processes whose clock faketime sets to winter and to summer. CI installs faketime: there it must not be missing.
  const hasFaketime = spawnSync('faketime', ['--version']).status === 0;
  it.skipIf(!hasFaketime && process.env.CI !== 'true').each([
    ['January', '2026-01-15 12:00:00'],
    ['July', '2026-07-15 12:00:00'],
    ['the morning clocks go back in New York', '2025-11-02 05:45:00'],
  ])('gives the same instants with the process clock in %s', async (_season, clock) => {
    const run = spawnSync(
      'faketime',
      [clock, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'time-cases-run.ts')],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1' } },
    );
    expect(run.error, 'faketime must be installed (apt-get install faketime)').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const { now, results } = JSON.parse(run.stdout) as { now: string; results: TimeCaseResults };
    // The process did run at the date it was given.
    expect(now.slice(0, 10)).toBe(clock.slice(0, 10));
    expect(results).toEqual(EXPECTED);
  });

  it('refuses the day Samoa skipped (30 December 2011) for meetings and stops, and keeps the 31st', async () => {
    const t = await buildTestApp({ seed: false });
    const p = await t.api.post('/participants').send({ kind: 'person', name: 'Apia Host', country: 'WS' });
    const trip = await t.api
      .post('/trips')
      .send(newTrip(p.body.id, { startDate: '2011-12-29', endDate: '2011-12-31' }))
      .expect(201);
    const stop = await t.api
      .post(`/trips/${trip.body.id}/stops`)
      .send(
        newStop({
          city: 'Apia',
          country: 'WS',
          timeZone: 'Pacific/Apia',
          arrivalDate: '2011-12-29',
          departureDate: '2011-12-31',
        }),
      )
      .expect(201);
    const skipped = await t.api
      .post(`/stops/${stop.body.id}/meetings`)
      .send({ kind: 'bilateral', title: 'Skipped day', date: '2011-12-30', startTime: '10:00' })
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(skipped.body.errors).toEqual([
      {
        path: 'body.date',
        message: '2011-12-30 did not happen in Pacific/Apia: its clocks skipped that day',
      },
    ]);
    const m = await t.api
      .post(`/stops/${stop.body.id}/meetings`)
      .send({ kind: 'bilateral', title: 'New Year’s Eve', date: '2011-12-31', startTime: '09:00' })
      .expect(201);
    // Moving a meeting onto the skipped day is refused too.
    await t.api.patch(`/meetings/${m.body.id}`).send({ date: '2011-12-30' }).expect(400);
    await t.api.patch(`/stops/${stop.body.id}`).send({ departureDate: '2011-12-30' }).expect(400);
    // So is a zone, or a stop, in which a meeting's day did not happen: American Samoa kept 30 December 2011.
    const pagoPago = await t.api
      .post(`/trips/${trip.body.id}/stops`)
      .send(newStop({ city: 'Pago Pago', country: 'AS', timeZone: 'Pacific/Pago_Pago', arrivalDate: null }))
      .expect(201);
    const elsewhere = await t.api
      .post(`/stops/${pagoPago.body.id}/meetings`)
      .send({ kind: 'bilateral', title: 'Across the line', date: '2011-12-30' })
      .expect(201);
    const moved = await t.api
      .patch(`/stops/${pagoPago.body.id}`)
      .send({ timeZone: 'Pacific/Apia' })
      .expect(400);
    expect(moved.body.errors).toEqual([
      {
        path: 'body.timeZone',
        message: `meeting ${elsewhere.body.id} is on 2011-12-30, a day Pacific/Apia skipped`,
      },
    ]);
    await t.api.patch(`/meetings/${elsewhere.body.id}`).send({ stopId: stop.body.id }).expect(400);
    const listed = (await t.api.get(`/stops/${stop.body.id}/meetings`).expect(200)).body.data as Meeting[];
    expect(listed.map((x) => [x.date, x.startTime, x.startsAt])).toEqual([
      ['2011-12-31', '09:00', '2011-12-30T19:00:00Z'],
    ]);
  });

  it('corrects stored zone names and instants at start', async () => {
    const path = join(dir, 'reconcile.db');
    const first = await buildTestApp({ databasePath: path, seed: false });
    const p = await first.api
      .post('/participants')
      .send({ kind: 'person', name: 'Kyiv Host', country: 'UA' });
    const trip = await first.api.post('/trips').send(newTrip(p.body.id)).expect(201);
    const kyiv = await first.api
      .post(`/trips/${trip.body.id}/stops`)
      .send(newStop({ city: 'Kyiv', country: 'UA', timeZone: 'Europe/Kyiv' }))
      .expect(201);
    const oslo = await first.api
      .post(`/trips/${trip.body.id}/stops`)
      .send(newStop({ city: 'Oslo', country: 'NO', timeZone: 'Europe/Oslo' }))
      .expect(201);
    const inKyiv = await first.api
      .post(`/stops/${kyiv.body.id}/meetings`)
      .send({ kind: 'bilateral', title: 'Kyiv', date: '2019-03-01', startTime: '10:00' })
      .expect(201);
    const inOslo = await first.api
      .post(`/stops/${oslo.body.id}/meetings`)
      .send({ kind: 'bilateral', title: 'Oslo', date: '2019-03-01', startTime: '10:00' })
      .expect(201);
    // As a version before this one stored them: the link name as sent, and an instant from other zone data.
    const sqlite = engineOf(first.app.database).sqlite;
    sqlite.prepare("update stops set time_zone = 'Europe/Kiev' where id = ?").run(kyiv.body.id);
    sqlite.prepare("update meetings set starts_at = '2019-03-01T10:00:00Z' where id = ?").run(inOslo.body.id);
    sqlite.prepare('delete from time_zone_data').run();
    await first.app.close();

    const second = await buildTestApp({ databasePath: path, seed: false });
    const stop = (await second.api.get(`/stops/${kyiv.body.id}`).expect(200)).body;
    expect([stop.timeZone, stop.version]).toEqual(['Europe/Kyiv', kyiv.body.version + 1]);
    const kyivMeeting = (await second.api.get(`/meetings/${inKyiv.body.id}`).expect(200)).body;
    expect([kyivMeeting.timeZone, kyivMeeting.startsAt, kyivMeeting.version]).toEqual([
      'Europe/Kyiv',
      '2019-03-01T08:00:00Z',
      inKyiv.body.version,
    ]);
    const osloMeeting = (await second.api.get(`/meetings/${inOslo.body.id}`).expect(200)).body;
    expect([osloMeeting.startsAt, osloMeeting.version]).toEqual([
      '2019-03-01T09:00:00Z',
      inOslo.body.version + 1,
    ]);
  });

  it('takes UTC, Etc/UTC and any letter case, and refuses a name the database lacks', async () => {
    const t = await buildTestApp();
    for (const [sent, stored] of [
      ['UTC', 'Etc/UTC'],
      ['Etc/UTC', 'Etc/UTC'],
      ['europe/kiev', 'Europe/Kyiv'],
      ['US/Eastern', 'America/New_York'],
      ['Asia/Calcutta', 'Asia/Kolkata'],
    ]) {
      const res = await t.api
        .post('/trips/1/stops')
        .send(newStop({ timeZone: sent }))
        .expect(201);
      expect(res.body.timeZone, sent).toBe(stored);
      const patched = await t.api.patch(`/stops/${res.body.id}`).send({ timeZone: sent }).expect(200);
      expect(patched.body.timeZone, sent).toBe(stored);
    }
    const bad = await t.api
      .post('/trips/1/stops')
      .send(newStop({ timeZone: 'Europe/Atlantis' }))
      .expect(400);
    expect(bad.body.errors).toEqual([{ path: 'body.timeZone', message: 'is not an IANA time zone name' }]);
  });
});
