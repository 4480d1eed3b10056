import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  buildTestApp,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  PROBLEM,
  type TestApp,
} from './helpers.js';

// Every calendar is read back with ical.js's parser, independent of how it was written, and compared with what the
// JSON API says of the same records.

type Meeting = {
  id: number;
  title: string;
  date: string | null;
  startTime: string | null;
  status: string;
  startsAt: string | null;
  endsAt: string | null;
  version: number;
};
type Stop = { id: number; arrivalDate: string | null; departureDate: string | null };

const CALENDAR = /^text\/calendar; charset=utf-8$/;

function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents('vevent').map((component) => ({
    component,
    event: new ICAL.Event(component),
    uid: String(component.getFirstPropertyValue('uid')),
  }));
  return { calendar, events, byUid: new Map(events.map((e) => [e.uid, e])) };
}

const iso = (time: ICAL.Time): string =>
  new Date(time.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');

type Parsed = ReturnType<typeof parse>['events'][number];

/** The event of a meeting or a stop (`meeting-8`), whatever the deployment's UID domain. */
const uidOf = (events: Parsed[], prefix: string): Parsed | undefined =>
  events.find((e) => e.uid.startsWith(`${prefix}@`));

async function getCalendar(t: TestApp, path: string) {
  const res = await t.api.get(path).expect(200).expect('content-type', CALENDAR);
  return { res, text: res.text, ...parse(res.text) };
}

describe('iCalendar feeds', () => {
  it('gives the seeded trip’s stops and meetings, as the JSON dates them', async () => {
    const t = await buildTestApp();
    const { text, calendar, events } = await getCalendar(t, '/trips/1/calendar.ics');
    const trip = (await t.api.get('/trips/1?include=stops,meetings').expect(200)).body as {
      title: string;
      stops: (Stop & { meetings: Meeting[] })[];
    };
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(trip.title);

    // Each stop with dates is an all-day, transparent event from arrival to the day after departure.
    const dated = trip.stops.filter((s) => s.arrivalDate ?? s.departureDate);
    for (const stop of dated) {
      const found = uidOf(events, `stop-${stop.id}`);
      expect(found, `stop ${stop.id}`).toBeDefined();
      const { event, component } = found as NonNullable<typeof found>;
      expect(event.startDate.isDate).toBe(true);
      expect(event.startDate.toString()).toBe(stop.arrivalDate ?? stop.departureDate);
      const last = new Date(`${stop.departureDate ?? stop.arrivalDate}T00:00:00Z`);
      last.setUTCDate(last.getUTCDate() + 1);
      expect(event.endDate.toString()).toBe(last.toISOString().slice(0, 10));
      expect(component.getFirstPropertyValue('transp')).toBe('TRANSPARENT');
    }
    expect(calendar.getFirstPropertyValue('x-itinerary-undated-stops')).toBe(
      String(trip.stops.length - dated.length),
    );

    // Each dated meeting is an event; the undated are counted.
    const meetings = trip.stops.flatMap((s) => s.meetings);
    const undated = meetings.filter((m) => m.date === null);
    expect(undated.length).toBeGreaterThan(0);
    expect(calendar.getFirstPropertyValue('x-itinerary-undated-meetings')).toBe(String(undated.length));
    expect(events.filter((e) => e.uid.startsWith('meeting-'))).toHaveLength(meetings.length - undated.length);
    for (const m of undated) expect(uidOf(events, `meeting-${m.id}`)).toBeUndefined();

    // The Super Bowl is tentative; the Macri meeting is all-day on 5 February, "(morning)".
    const superBowl = meetings.find((m) => /Super Bowl/.test(m.title));
    expect(uidOf(events, `meeting-${superBowl?.id}`)?.component.getFirstPropertyValue('status')).toBe(
      'TENTATIVE',
    );
    const macri = meetings.find((m) => /Macri/.test(m.title));
    const macriEvent = uidOf(events, `meeting-${macri?.id}`);
    expect(macriEvent?.event.summary).toBe('Meeting with President Mauricio Macri (morning)');
    expect(macriEvent?.event.startDate.isDate).toBe(true);
    expect(macriEvent?.event.startDate.toString()).toBe('2018-02-05');
    expect(macriEvent?.event.endDate.toString()).toBe('2018-02-06');
    expect(macriEvent?.event.location).toBe('Buenos Aires, Argentina');
    expect(macriEvent?.event.description).toContain('Mauricio Macri (host)');
    expect(macriEvent?.event.description).toContain('The Bubble');

    // No floating times: every date-time is UTC or carries a TZID. Nothing else needs a VTIMEZONE here.
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    const times = unfolded
      .split('\r\n')
      .filter((l) => /^(DTSTART|DTEND|DTSTAMP|CREATED|LAST-MODIFIED)[;:]/.test(l));
    expect(times.length).toBeGreaterThan(0);
    for (const line of times)
      expect(line).toMatch(/VALUE=DATE:\d{8}$|TZID=[^:]+:\d{8}T\d{6}$|:\d{8}T\d{6}Z$/);
  });

  it('writes RFC 5545 text: CRLF line ends, lines of at most 75 octets, required properties, escaped text', async () => {
    const t = await buildTestApp();
    const title =
      'Talks; agenda: trade, Venezuela\\ and “visas” — São Paulo, Bogotá, Zürich, 北京 and more words';
    const meeting = await t.api
      .post('/stops/5/meetings')
      .send(
        newMeeting({
          title,
          date: '2018-02-06',
          description: 'Line one\nLine two, with a comma; and a semicolon',
        }),
      )
      .expect(201);
    for (const path of [
      '/trips/1/calendar.ics',
      '/participants/1/calendar.ics',
      `/meetings/${meeting.body.id}/calendar.ics`,
    ]) {
      const { text, events } = await getCalendar(t, path);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      for (const { component } of events) {
        for (const name of ['uid', 'dtstamp', 'dtstart', 'summary'])
          expect(component.hasProperty(name)).toBe(true);
      }
      const written = uidOf(events, `meeting-${meeting.body.id}`);
      expect(written?.event.summary).toBe(title);
      expect(written?.event.description).toContain('Line one\nLine two, with a comma; and a semicolon');
    }
  });

  it('keeps UIDs across requests and edits, and raises SEQUENCE with each change of a meeting', async () => {
    // Without the cache of rendered calendars, so that both answers are rendered: the same records, the same bytes.
    const t = await buildTestApp({ config: { ITINERARY_CACHE_MB: 0 } });
    const first = await getCalendar(t, '/trips/1/calendar.ics');
    const again = await getCalendar(t, '/trips/1/calendar.ics');
    expect(again.text).toBe(first.text);
    expect(again.res.headers.etag).toBe(first.res.headers.etag);

    const meeting = (await t.api.get('/meetings/8').expect(200)).body as Meeting;
    await t.api.patch('/meetings/8').send({ title: 'Meeting with President Macri' }).expect(200);
    await t.api.patch('/meetings/8').send({ startTime: '10:00' }).expect(200);
    const after = await getCalendar(t, '/trips/1/calendar.ics');
    expect(after.res.headers.etag).not.toBe(first.res.headers.etag);
    expect(after.events.map((e) => e.uid)).toEqual(first.events.map((e) => e.uid));
    const before = uidOf(first.events, 'meeting-8')?.component.getFirstPropertyValue('sequence');
    const now = uidOf(after.events, 'meeting-8')?.component.getFirstPropertyValue('sequence');
    expect(before).toBe(meeting.version - 1);
    expect(now).toBe(meeting.version + 1);
  });

  it('answers 304 to a poll with the current ETag, with Last-Modified from the newest record', async () => {
    const t = await buildTestApp();
    const { res } = await getCalendar(t, '/trips/1/calendar.ics');
    expect(res.headers['last-modified']).toBeDefined();
    await t.api.get('/trips/1/calendar.ics').set('if-none-match', String(res.headers.etag)).expect(304);
    await t.api.patch('/stops/4').send({ notes: 'Changed' }).expect(200);
    const changed = await t.api
      .get('/trips/1/calendar.ics')
      .set('if-none-match', String(res.headers.etag))
      .expect(200);
    const stop = (await t.api.get('/stops/4').expect(200)).body as { updatedAt: string };
    expect(changed.headers['last-modified']).toBe(new Date(stop.updatedAt).toUTCString());
  });

  it('puts a meeting with a time in Buenos Aires at the instant of its startsAt, in its zone', async () => {
    const t = await buildTestApp();
    const moved = await t.api.patch('/meetings/8').send({ startTime: '09:30', endTime: '10:45' }).expect(200);
    const json = moved.body as Meeting;
    expect(json.startsAt).toBe('2018-02-05T12:30:00Z');
    const { text, calendar, events } = await getCalendar(t, '/trips/1/calendar.ics');
    const found = uidOf(events, 'meeting-8');
    expect(found?.event.startDate.isDate).toBe(false);
    expect(found?.event.startDate.zone?.tzid).toBe('America/Argentina/Buenos_Aires');
    expect(iso((found as NonNullable<typeof found>).event.startDate)).toBe(json.startsAt);
    expect(iso((found as NonNullable<typeof found>).event.endDate)).toBe(json.endsAt);
    // A clock time replaces the part of the day in the summary.
    expect(found?.event.summary).toBe('Meeting with President Mauricio Macri');
    const zones = calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'));
    expect(zones).toEqual(['America/Argentina/Buenos_Aires']);
    expect(text).toContain('DTSTART;TZID=America/Argentina/Buenos_Aires:20180205T093000');
  });

  it('converts timed meetings west and east of UTC and across daylight-saving changes to the JSON’s instants', async () => {
    const t = await buildTestApp();
    const traveler = await t.api.post('/participants').send(newParticipant()).expect(201);
    const trip = await t.api
      .post('/trips')
      .send(newTrip(traveler.body.id, { startDate: '2005-01-01', endDate: '2020-12-31' }))
      .expect(201);
    const cases: [zone: string, date: string, start: string, end: string | null][] = [
      ['America/Los_Angeles', '2019-07-04', '09:00', '10:30'], // west, daylight time
      ['Pacific/Honolulu', '2019-01-15', '23:30', '23:59'], // west, the UTC date is the next day
      ['Asia/Tokyo', '2019-01-15', '00:15', '01:00'], // east, the UTC date is the day before
      ['Asia/Kolkata', '2019-03-01', '09:00', '17:00'], // a half-hour offset
      ['Pacific/Chatham', '2019-04-07', '02:30', '04:00'], // +13:45 to +12:45 that night, repeated 2:45–3:45
      ['America/New_York', '2018-03-11', '01:30', '03:30'], // spans the change to daylight time
      ['America/New_York', '2018-03-11', '02:30', null], // a time the clocks skipped
      ['America/New_York', '2018-11-04', '01:30', '02:30'], // a time that happens twice
      ['America/New_York', '2005-03-20', '10:00', '11:00'], // 2005 rules: still standard time
      ['Europe/London', '2018-10-28', '00:30', '03:00'], // spans the change back
      ['Australia/Sydney', '2018-04-01', '02:30', '03:30'], // a repeated hour, southern hemisphere
      ['America/Sao_Paulo', '2018-11-04', '12:00', '13:00'], // a change at midnight, since abolished
      ['America/New_York', '2017-12-31', '23:30', '23:59'], // with 2018 and 2019 below: consecutive years…
      ['America/New_York', '2019-01-01', '00:30', '01:00'], // …share one VTIMEZONE, each change once
    ];
    const stopIds: number[] = [];
    const expected = new Map<number, Meeting>();
    for (const [index, [timeZone, date, startTime, endTime]] of cases.entries()) {
      const stop = await t.api
        .post(`/trips/${trip.body.id}/stops`)
        .send(newStop({ position: index + 1, timeZone, arrivalDate: date, departureDate: date }))
        .expect(201);
      stopIds.push(stop.body.id);
      const meeting = await t.api
        .post(`/stops/${stop.body.id}/meetings`)
        .send(newMeeting({ date, startTime, endTime }))
        .expect(201);
      expected.set(meeting.body.id, meeting.body as Meeting);
    }
    const { events, calendar } = await getCalendar(t, `/trips/${trip.body.id}/calendar.ics`);
    for (const [id, json] of expected) {
      const found = uidOf(events, `meeting-${id}`);
      expect(found, `meeting ${id}`).toBeDefined();
      const { event, component } = found as NonNullable<typeof found>;
      expect(iso(event.startDate), `${json.startTime} on ${json.date}`).toBe(json.startsAt);
      if (json.endsAt) expect(iso(event.endDate), `end on ${json.date}`).toBe(json.endsAt);
      else expect(component.hasProperty('dtend')).toBe(false);
    }
    // Each zone used by a timed event has one VTIMEZONE, listing each change of offset once.
    const newYork = calendar
      .getAllSubcomponents('vtimezone')
      .find((z) => z.getFirstPropertyValue('tzid') === 'America/New_York');
    const starts = (newYork?.getAllSubcomponents() ?? []).map((o) =>
      String(o.getFirstPropertyValue('dtstart')),
    );
    expect(new Set(starts).size).toBe(starts.length);
    const zones = calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'));
    expect(new Set(zones)).toEqual(new Set(cases.map(([zone]) => zone)));
  });

  // CALENDAR_RUNS raises the number of runs (about 100 a second), FUZZ_SEED replays one.
  const runs = Number(process.env.CALENDAR_RUNS ?? 150);
  it('agrees with the JSON on the instant of any time, in any zone, on any date (property)', {
    // A bound on a hung run, not a speed check: generous, as CI runs every file at once on two cores.
    timeout: 60_000 + runs * 200,
  }, async () => {
    const t = await buildTestApp();
    const traveler = await t.api.post('/participants').send(newParticipant()).expect(201);
    const trip = await t.api
      .post('/trips')
      .send(newTrip(traveler.body.id, { startDate: '1900-01-01', endDate: '2037-12-31' }))
      .expect(201);
    const zones = Intl.supportedValuesOf('timeZone').filter((z) => z.includes('/'));
    const stops = new Map<string, number>();
    let position = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...zones),
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2037-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 12 * 60 }),
        async (timeZone, day, startMinute, length) => {
          const date = day.toISOString().slice(0, 10);
          const hhmm = (m: number) =>
            `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
          const endMinute = Math.min(startMinute + length, 23 * 60 + 59);
          let stopId = stops.get(timeZone);
          if (stopId === undefined) {
            position += 1;
            const stop = await t.api
              .post(`/trips/${trip.body.id}/stops`)
              .send(newStop({ position, timeZone, arrivalDate: null, departureDate: null }))
              .expect(201);
            stopId = stop.body.id as number;
            stops.set(timeZone, stopId);
          }
          const meeting = await t.api
            .post(`/stops/${stopId}/meetings`)
            .send(newMeeting({ date, startTime: hhmm(startMinute), endTime: hhmm(endMinute) }))
            .expect(201);
          const json = meeting.body as Meeting;
          const { events } = await getCalendar(t, `/meetings/${json.id}/calendar.ics`);
          expect(events).toHaveLength(1);
          const [only] = events;
          expect(iso((only as NonNullable<typeof only>).event.startDate)).toBe(json.startsAt);
          expect(iso((only as NonNullable<typeof only>).event.endDate)).toBe(json.endsAt);
        },
      ),
      {
        numRuns: runs,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      },
    );
  });

  it('gives a participant the stops of the trips they travel on and every meeting they attend', async () => {
    const t = await buildTestApp();
    // Macri (seeded) travels on no trip: his calendar is the meeting he hosts.
    const participants = (await t.api.get('/meetings/8/participants').expect(200)).body as {
      data: { id: number; name: string }[];
    };
    const macri = participants.data.find((p) => p.name === 'Mauricio Macri');
    const his = await getCalendar(t, `/participants/${macri?.id}/calendar.ics`);
    expect(his.events.map((e) => e.uid.split('@')[0])).toEqual(['meeting-8']);
    expect(his.calendar.getFirstPropertyValue('x-wr-calname')).toBe('Mauricio Macri: itinerary');

    // Tillerson travels on trip 1: all its dated stops and meetings.
    const trip = await getCalendar(t, '/trips/1/calendar.ics');
    const tillerson = await getCalendar(t, '/participants/1/calendar.ics');
    expect(new Set(tillerson.events.map((e) => e.uid))).toEqual(new Set(trip.events.map((e) => e.uid)));

    // An attended meeting on someone else's trip joins their calendar, with its stop's place.
    const other = await t.api
      .post('/participants')
      .send(newParticipant({ name: 'Another Traveler' }))
      .expect(201);
    const otherTrip = await t.api.post('/trips').send(newTrip(other.body.id)).expect(201);
    const stop = await t.api.post(`/trips/${otherTrip.body.id}/stops`).send(newStop()).expect(201);
    const meeting = await t.api.post(`/stops/${stop.body.id}/meetings`).send(newMeeting()).expect(201);
    await t.api
      .put(`/meetings/${meeting.body.id}/participants/${macri?.id}`)
      .send({ role: 'counterpart' })
      .expect(201);
    const updated = await getCalendar(t, `/participants/${macri?.id}/calendar.ics`);
    const attended = uidOf(updated.events, `meeting-${meeting.body.id}`);
    expect(attended?.event.location).toBe('Lima, Peru');
    expect(attended?.event.startDate.toString()).toBe('2019-03-01');
    // …but not that trip's stops: Macri does not travel on it.
    expect(uidOf(updated.events, `stop-${stop.body.id}`)).toBeUndefined();
  });

  it('gives one meeting as a calendar, and an undated one as an empty calendar that counts it', async () => {
    const t = await buildTestApp();
    const macri = await getCalendar(t, '/meetings/8/calendar.ics');
    expect(macri.events.map((e) => e.uid.split('@')[0])).toEqual(['meeting-8']);
    expect(macri.res.headers['content-disposition']).toBe('inline; filename="meeting-8.ics"');
    const undated = (await t.api.get('/meetings/1').expect(200)).body as Meeting;
    expect(undated.date).toBeNull();
    const empty = await getCalendar(t, '/meetings/1/calendar.ics');
    expect(empty.events).toHaveLength(0);
    expect(empty.calendar.getFirstPropertyValue('x-itinerary-undated-meetings')).toBe('1');
  });

  it('answers problems for unknown records, bad ids and unknown parameters', async () => {
    const t = await buildTestApp();
    for (const path of [
      '/trips/999/calendar.ics',
      '/participants/999/calendar.ics',
      '/meetings/999/calendar.ics',
    ]) {
      await t.api.get(path).expect(404).expect('content-type', PROBLEM);
    }
    const bad = await t.api.get('/trips/abc/calendar.ics').expect(400).expect('content-type', PROBLEM);
    expect(bad.body.errors[0].path).toBe('path.id');
    const unknown = await t.api
      .get('/trips/1/calendar.ics?tz=UTC')
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(JSON.stringify(unknown.body.errors)).toContain('tz');
  });

  it('costs the same number of queries whatever the size of the calendar', async () => {
    const t = await buildTestApp();
    const selects = () => t.queries.filter((q) => /^\s*select/i.test(q)).length;
    const count = async (path: string) => {
      t.queries.length = 0;
      await t.api.get(path).expect(200);
      return selects();
    };
    const small = {
      trip: await count('/trips/1/calendar.ics'),
      person: await count('/participants/7/calendar.ics'),
    };
    const trip = await t.api.post('/trips').send(newTrip(7)).expect(201);
    for (let i = 0; i < 10; i += 1) {
      const stop = await t.api
        .post(`/trips/${trip.body.id}/stops`)
        .send(newStop({ city: `City ${i}` }))
        .expect(201);
      for (let j = 0; j < 3; j += 1) {
        await t.api
          .post(`/stops/${stop.body.id}/meetings`)
          .send(
            newMeeting({
              startTime: `0${j + 1}:00`,
              participants: [{ participantId: 1 + j, role: 'attendee' }],
            }),
          )
          .expect(201);
      }
    }
    expect(await count(`/trips/${trip.body.id}/calendar.ics`)).toBe(small.trip);
    expect(await count('/participants/7/calendar.ics')).toBe(small.person);
    // The trip, its stops, meetings and participants, the API key's lookup, and the cache's two checks for writes
    // (before the build, and after it).
    expect(small.trip).toBeLessThanOrEqual(7);
  });

  it('uses the deployment’s UID domain', async () => {
    const t = await buildTestApp({ config: { CALENDAR_UID_DOMAIN: 'itinerary.example.org' } });
    const { events } = await getCalendar(t, '/meetings/8/calendar.ics');
    expect(events[0]?.uid).toBe('meeting-8@itinerary.example.org');
  });
});
