import { describe, expect, it } from 'vitest';
import { generateDatasetOn, scaledDataset } from '../scripts/dataset.js';
import { isTravelDay, meetingsOverlap, partOfDayAt, type StopFacts } from '../src/domain/conflicts.js';
import { preferences } from '../src/routes/conflict-checks.js';
import type { ConflictListQuery } from '../src/schemas/conflicts.js';
import {
  buildTestApp,
  countRows,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  PROBLEM,
  sqlRows,
} from './helpers.js';

type Conflict = {
  key: string;
  kind: string;
  participant: { id: number; name: string } | null;
  from: string;
  to: string;
  startsAt: string | null;
  endsAt: string | null;
  records: { type: string; id: number; label: string }[];
  explanation: string;
};

const BUENOS_AIRES = {
  city: 'Buenos Aires',
  country: 'AR',
  timeZone: 'America/Argentina/Buenos_Aires',
  latitude: -34.6037,
  longitude: -58.3816,
};
const LIMA = {
  city: 'Lima',
  country: 'PE',
  timeZone: 'America/Lima',
  latitude: -12.0464,
  longitude: -77.0428,
};
const BOGOTA = {
  city: 'Bogotá',
  country: 'CO',
  timeZone: 'America/Bogota',
  latitude: 4.711,
  longitude: -74.0721,
};
const QUITO = {
  city: 'Quito',
  country: 'EC',
  timeZone: 'America/Guayaquil',
  latitude: -0.1807,
  longitude: -78.4678,
};
const SANTIAGO = {
  city: 'Santiago',
  country: 'CL',
  timeZone: 'America/Santiago',
  latitude: -33.4489,
  longitude: -70.6693,
};

/** A fresh world on the seeded database: new people, so the seed's records never get in the way. */
async function world() {
  const app = await buildTestApp();
  const { api } = app;
  const person = async (name: string) =>
    (await api.post('/participants').send(newParticipant({ name })).expect(201)).body.id as number;
  const trip = async (travelerId: number, over: Record<string, unknown> = {}) =>
    (await api.post('/trips').send(newTrip(travelerId, over)).expect(201)).body.id as number;
  const stop = async (tripId: number, over: Record<string, unknown>) =>
    (await api.post(`/trips/${tripId}/stops`).send(newStop(over)).expect(201)).body as {
      id: number;
      warnings?: Conflict[];
    };
  const meeting = async (stopId: number, over: Record<string, unknown>) =>
    (await api.post(`/stops/${stopId}/meetings`).send(newMeeting(over)).expect(201)).body as {
      id: number;
      version: number;
      warnings?: Conflict[];
    };
  const conflicts = async (query = '') =>
    (await api.get(`/conflicts${query ? `?${query}` : ''}`).expect(200)).body.data as Conflict[];
  const attending = (...ids: number[]) => ids.map((participantId) => ({ participantId, role: 'attendee' }));
  return { ...app, person, trip, stop, meeting, conflicts, attending };
}

const recordIds = (c: Conflict) => c.records.map((r) => `${r.type}-${r.id}`);

describe('GET /conflicts', () => {
  it('finds nothing in the seed: its travel days (Buenos Aires → Lima, Lima → Bogotá) are not conflicts', async () => {
    const { conflicts } = await world();
    expect(await conflicts('from=2018-01-01&to=2018-12-31')).toEqual([]);
    expect(await conflicts('participant=1')).toEqual([]);
    expect(await conflicts('trip=1')).toEqual([]);
  });

  it('overlapping timed meetings conflict; meetings that only touch (end = start) do not', async () => {
    const { person, trip, stop, meeting, conflicts, attending } = await world();
    const traveler = await person('Ana Traveler');
    const aide = await person('Ben Aide');
    const lima = await stop(await trip(traveler), {
      ...LIMA,
      arrivalDate: '2019-03-01',
      departureDate: '2019-03-02',
    });
    const first = await meeting(lima.id, {
      startTime: '10:00',
      endTime: '11:00',
      participants: attending(aide),
    });
    const touching = await meeting(lima.id, {
      startTime: '11:00',
      endTime: '12:00',
      participants: attending(aide),
    });
    expect(touching.warnings).toBeUndefined();
    expect(await conflicts(`participant=${aide}`)).toEqual([]);

    const overlapping = await meeting(lima.id, {
      title: 'Press briefing',
      startTime: '10:30',
      endTime: '10:45',
      participants: attending(aide),
    });
    const found = await conflicts(`participant=${aide}`);
    expect(found).toEqual([
      {
        key: `overlapping_meetings:participant-${aide}:meeting-${first.id}:meeting-${overlapping.id}`,
        kind: 'overlapping_meetings',
        participant: { id: aide, name: 'Ben Aide' },
        from: '2019-03-01',
        to: '2019-03-01',
        // Lima is UTC-5: 10:30–10:45 local.
        startsAt: '2019-03-01T15:30:00Z',
        endsAt: '2019-03-01T15:45:00Z',
        records: [
          { type: 'meeting', id: first.id, label: 'Talks with the Foreign Minister' },
          { type: 'meeting', id: overlapping.id, label: 'Press briefing' },
        ],
        explanation: expect.stringContaining('Ben Aide is due at two meetings at once'),
      },
    ]);
    expect(found[0]?.explanation).toContain('overlap from 2019-03-01T15:30:00Z to 2019-03-01T15:45:00Z');
    // The traveler is placed by every meeting of their trip (as on their schedule), so they are double-booked too.
    expect((await conflicts(`participant=${traveler}`)).map((c) => c.kind)).toEqual(['overlapping_meetings']);
  });

  it('compares clock times as UTC instants across zones (Buenos Aires is UTC-3, Lima UTC-5)', async () => {
    const { person, trip, stop, meeting, conflicts, attending } = await world();
    const traveler = await person('Ana Traveler');
    const aide = await person('Ben Aide');
    const tripId = await trip(traveler);
    // 1 March is the travel day from Buenos Aires to Lima: being in both cities that day is expected.
    const ba = await stop(tripId, {
      ...BUENOS_AIRES,
      arrivalDate: '2019-02-28',
      departureDate: '2019-03-01',
    });
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    // They look apart on the clocks (10:00 after 09:30) but overlap in UTC: 13:00–14:00Z and 13:30–14:30Z.
    const baMorning = await meeting(ba.id, {
      startTime: '10:00',
      endTime: '11:00',
      participants: attending(aide),
    });
    const limaMorning = await meeting(lima.id, {
      startTime: '08:30',
      endTime: '09:30',
      participants: attending(aide),
    });
    expect(limaMorning.warnings?.map(recordIds)).toEqual([
      [`meeting-${baMorning.id}`, `meeting-${limaMorning.id}`],
      [`meeting-${baMorning.id}`, `meeting-${limaMorning.id}`],
    ]);
    // They look overlapping on the clocks (14:30 inside 14:00–15:00) but are apart in UTC: 17–18Z and 19:30–20:30Z.
    const baAfternoon = await meeting(ba.id, {
      startTime: '14:00',
      endTime: '15:00',
      participants: attending(aide),
    });
    const limaAfternoon = await meeting(lima.id, {
      startTime: '14:30',
      endTime: '15:30',
      participants: attending(aide),
    });
    expect(limaAfternoon.warnings).toBeUndefined();
    const found = await conflicts(`participant=${aide}`);
    expect(found.map((c) => [c.kind, c.startsAt, c.endsAt])).toEqual([
      ['overlapping_meetings', '2019-03-01T13:30:00Z', '2019-03-01T14:00:00Z'],
    ]);
    expect(found.flatMap(recordIds)).not.toContain(`meeting-${baAfternoon.id}`);
  });

  it('a travel day between consecutive stops is not a conflict, nor are several hops in one day', async () => {
    const { person, trip, stop, meeting, conflicts, attending } = await world();
    const traveler = await person('Ana Traveler');
    const tripId = await trip(traveler);
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    await stop(tripId, { ...QUITO, arrivalDate: '2019-03-02', departureDate: '2019-03-02' });
    const bogota = await stop(tripId, { ...BOGOTA, arrivalDate: '2019-03-02', departureDate: '2019-03-04' });
    // Date-only meetings on the travel day, in Lima in the morning and in Bogotá in the evening.
    await meeting(lima.id, { date: '2019-03-02', partOfDay: 'morning', participants: attending(traveler) });
    const evening = await meeting(bogota.id, {
      date: '2019-03-02',
      partOfDay: 'evening',
      participants: attending(traveler),
    });
    expect(evening.warnings).toBeUndefined();
    expect(await conflicts(`trip=${tripId}`)).toEqual([]);
  });

  it('two cities on one day by date-only meetings or stops conflict, unless it is the same city', async () => {
    const { person, trip, stop, meeting, conflicts, attending } = await world();
    const traveler = await person('Ana Traveler');
    const other = await person('Carla Other');
    const envoy = await person('Dora Envoy');
    const lima = await stop(await trip(traveler), {
      ...LIMA,
      arrivalDate: '2019-03-01',
      departureDate: '2019-03-03',
    });
    const santiago = await stop(await trip(other), {
      ...SANTIAGO,
      arrivalDate: '2019-03-02',
      departureDate: '2019-03-02',
    });
    const limaTalks = await meeting(lima.id, { date: '2019-03-02', participants: attending(envoy) });
    const santiagoTalks = await meeting(santiago.id, { date: '2019-03-02', participants: attending(envoy) });
    expect(santiagoTalks.warnings?.map((w) => [w.kind, w.participant?.id, recordIds(w)])).toEqual([
      ['two_places_same_day', envoy, [`meeting-${limaTalks.id}`, `meeting-${santiagoTalks.id}`]],
    ]);
    const [found] = await conflicts(`participant=${envoy}`);
    expect(found?.explanation).toBe(
      `Dora Envoy is in Lima (meeting ${limaTalks.id} “Talks with the Foreign Minister”, 2019-03-02) and in ` +
        `Santiago (meeting ${santiagoTalks.id} “Talks with the Foreign Minister”, 2019-03-02) on 2019-03-02.`,
    );
    // The traveler of the Lima trip is placed there by their stop; a meeting in Santiago on one of those days conflicts.
    const travelerTalks = await meeting(santiago.id, {
      date: '2019-03-02',
      participants: attending(traveler),
    });
    expect(travelerTalks.warnings?.map(recordIds)).toEqual([
      [`meeting-${limaTalks.id}`, `meeting-${travelerTalks.id}`],
      [`stop-${lima.id}`, `meeting-${travelerTalks.id}`],
    ]);

    // The same city on two trips is no conflict, whatever the case or accents of its name.
    const bogotaOne = await stop(await trip(other), {
      ...BOGOTA,
      arrivalDate: '2019-04-01',
      departureDate: '2019-04-01',
    });
    const bogotaTwo = await stop(await trip(other), {
      ...BOGOTA,
      city: 'BOGOTA',
      arrivalDate: '2019-04-01',
      departureDate: '2019-04-01',
    });
    await meeting(bogotaOne.id, { date: '2019-04-01', participants: attending(envoy) });
    const same = await meeting(bogotaTwo.id, { date: '2019-04-01', participants: attending(envoy) });
    expect(same.warnings).toBeUndefined();
  });

  it('a meeting dated outside its stop’s dates is inconsistent; an unknown date leaves that side open', async () => {
    const { person, trip, stop, meeting, conflicts } = await world();
    const traveler = await person('Ana Traveler');
    const tripId = await trip(traveler);
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    const late = await meeting(lima.id, { title: 'Late talks', date: '2019-03-05' });
    expect(late.warnings?.map((w) => [w.kind, w.participant, w.from, recordIds(w)])).toEqual([
      ['meeting_outside_stop', null, '2019-03-05', [`meeting-${late.id}`, `stop-${lima.id}`]],
    ]);
    expect(late.warnings?.[0]?.explanation).toBe(
      `Meeting ${late.id} “Late talks” is dated 2019-03-05, outside the dates of its stop ${lima.id} in Lima ` +
        '(2019-03-01 to 2019-03-02).',
    );
    // Bariloche-like: an arrival and no departure. Later meetings are not outside it.
    const open = await stop(tripId, { ...BOGOTA, arrivalDate: '2019-03-10', departureDate: null });
    expect((await meeting(open.id, { date: '2019-03-20' })).warnings).toBeUndefined();
    expect((await meeting(open.id, { date: '2019-03-09' })).warnings?.map((w) => w.kind)).toEqual([
      'meeting_outside_stop',
    ]);
    expect((await conflicts(`trip=${tripId}&kind=meeting_outside_stop`)).length).toBe(2);
  });

  it('stops of a trip that overlap beyond a shared travel day are inconsistent', async () => {
    const { person, trip, stop, conflicts } = await world();
    const traveler = await person('Ana Traveler');
    const tripId = await trip(traveler);
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    const bogota = await stop(tripId, { ...BOGOTA, arrivalDate: '2019-03-02', departureDate: '2019-03-04' });
    expect(bogota.warnings).toBeUndefined();
    const quito = await stop(tripId, { ...QUITO, arrivalDate: '2019-03-03', departureDate: '2019-03-05' });
    expect(quito.warnings?.map((w) => [w.kind, w.participant?.id, w.from, w.to, recordIds(w)])).toEqual([
      [
        'overlapping_stops',
        traveler,
        '2019-03-03',
        '2019-03-04',
        [`trip-${tripId}`, `stop-${bogota.id}`, `stop-${quito.id}`],
      ],
    ]);
    expect(quito.warnings?.[0]?.explanation).toBe(
      `Trip ${tripId} “Test trip” is in Bogotá (stop ${bogota.id}, 2019-03-02 to 2019-03-04) and in Quito (stop ` +
        `${quito.id}, 2019-03-03 to 2019-03-05) from 2019-03-03 to 2019-03-04: the stops overlap beyond a travel ` +
        'day from one to the next.',
    );
    // Only stop pairs of the trip, not the traveler's two_places, report it.
    expect((await conflicts(`participant=${traveler}`)).map((c) => c.kind)).toEqual(['overlapping_stops']);
    expect(recordIds((await conflicts(`trip=${tripId}`))[0] as Conflict)).not.toContain(`stop-${lima.id}`);
  });

  it('cancelled meetings and cancelled trips take no part', async () => {
    const { api, person, trip, stop, meeting, conflicts, attending } = await world();
    const aide = await person('Ben Aide');
    const tripId = await trip(await person('Ana Traveler'));
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    await meeting(lima.id, { startTime: '10:00', endTime: '11:00', participants: attending(aide) });
    const cancelled = await meeting(lima.id, {
      status: 'cancelled',
      startTime: '10:00',
      endTime: '11:00',
      participants: attending(aide),
    });
    expect(cancelled.warnings).toBeUndefined();
    expect(await conflicts(`participant=${aide}`)).toEqual([]);
    // Un-cancelling it brings the conflict back, as a warning of that write.
    const revived = await api.patch(`/meetings/${cancelled.id}`).send({ status: 'planned' }).expect(200);
    expect(revived.body.warnings.map((w: Conflict) => w.kind)).toEqual([
      'overlapping_meetings',
      'overlapping_meetings',
    ]);
    await api.patch(`/trips/${tripId}`).send({ status: 'cancelled' }).expect(200);
    expect(await conflicts(`participant=${aide}`)).toEqual([]);
  });

  it('filters by participant, trip, kind and window, pages, and answers 400 to bad parameters', async () => {
    const { api, person, trip, stop, meeting, conflicts, attending } = await world();
    const aide = await person('Ben Aide');
    const tripId = await trip(await person('Ana Traveler'));
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-10' });
    for (const date of ['2019-03-02', '2019-03-05', '2019-03-08']) {
      await meeting(lima.id, { date, startTime: '10:00', endTime: '11:00', participants: attending(aide) });
      await meeting(lima.id, { date, startTime: '10:30', endTime: '11:30', participants: attending(aide) });
    }
    expect((await conflicts(`participant=${aide}`)).map((c) => c.from)).toEqual([
      '2019-03-02',
      '2019-03-05',
      '2019-03-08',
    ]);
    expect((await conflicts(`participant=${aide}&from=2019-03-03&to=2019-03-08`)).map((c) => c.from)).toEqual(
      ['2019-03-05', '2019-03-08'],
    );
    expect(await conflicts(`participant=${aide}&to=2019-03-01`)).toEqual([]);
    // The traveler is double-booked on the same days; the trip filter sees both.
    expect((await conflicts(`trip=${tripId}`)).length).toBe(6);
    expect((await conflicts(`trip=${tripId}&participant=${aide}&from=2019-03-05&to=2019-03-05`)).length).toBe(
      1,
    );
    expect(await conflicts(`trip=${tripId}&kind=overlapping_stops,meeting_outside_stop`)).toEqual([]);
    expect(await conflicts('trip=1')).toEqual([]);
    expect(await conflicts('participant=999999')).toEqual([]);
    expect((await conflicts('from=2019-03-01&to=2019-03-31')).length).toBe(6);

    // Pages, with the same cursors as any collection.
    const first = await api.get(`/conflicts?trip=${tripId}&limit=4&count=true`).expect(200);
    expect(first.body).toMatchObject({ total: 6, nextCursor: expect.any(String) });
    expect(first.headers.link).toMatch(/rel="next"/);
    const second = await api
      .get(`/conflicts?trip=${tripId}&limit=4&cursor=${encodeURIComponent(first.body.nextCursor)}`)
      .expect(200);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.data, ...second.body.data].map((c: Conflict) => c.key)).toEqual(
      (await conflicts(`trip=${tripId}`)).map((c) => c.key),
    );
    const csv = await api.get(`/conflicts?participant=${aide}&format=csv`).expect(200);
    expect(csv.text.split('\r\n')[0]).toBe(
      'key,kind,participant,from,to,startsAt,endsAt,records,explanation',
    );

    for (const [query, path] of [
      ['participant=abc', 'query.participant'],
      ['trip=0', 'query.trip'],
      ['from=2019-02-30', 'query.from'],
      ['from=2019-03-05&to=2019-03-01', 'query.to'],
      ['kind=double_booking', 'query.kind.0'],
      ['limit=0', 'query.limit'],
      ['stop=1', 'query.stop'],
      // Everyone's conflicts are asked a year at a time.
      ['', 'query.from'],
      ['kind=overlapping_stops', 'query.from'],
      ['from=2019-01-01', 'query.to'],
      ['from=2019-01-01&to=2020-01-02', 'query.to'],
      [`participant=${aide}&cursor=${encodeURIComponent(first.body.nextCursor)}`, 'query.cursor'],
    ] as const) {
      const res = await api.get(`/conflicts?${query}`).expect(400).expect('content-type', PROBLEM);
      expect(
        res.body.errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(path);
    }
    // 366 days, both ends counted, is a year's window; a participant or a trip needs none.
    await api.get('/conflicts?from=2019-01-01&to=2020-01-01').expect(200);
    await api.get(`/conflicts?participant=${aide}`).expect(200);
  });
});

describe('GET /conflicts on a generated dataset', () => {
  it('answers each filter with what the whole list holds', { timeout: 60_000 }, async () => {
    const { app } = await buildTestApp({ seed: false });
    await generateDatasetOn(app.database, { ...scaledDataset(0.01), searchIndex: 'rebuild' });
    const list = async (filters: Partial<ConflictListQuery>) =>
      (
        await app.database.read((tx) =>
          app.repos.conflicts.list({ limit: 1_000_000, ...filters } as ConflictListQuery, tx),
        )
      ).data as Conflict[];
    const all = await list({});
    expect(all.length).toBeGreaterThan(50);
    // The trip of every stop and meeting, read once.
    const tripOfStop = new Map(
      (await sqlRows<{ id: number; trip_id: number }>(app, 'select id, trip_id from stops')).map((r) => [
        r.id,
        r.trip_id,
      ]),
    );
    const stopOfMeeting = new Map(
      (await sqlRows<{ id: number; stop_id: number }>(app, 'select id, stop_id from meetings')).map((r) => [
        r.id,
        r.stop_id,
      ]),
    );
    const tripOf = (r: { type: string; id: number }) =>
      r.type === 'trip'
        ? r.id
        : r.type === 'stop'
          ? tripOfStop.get(r.id)
          : tripOfStop.get(stopOfMeeting.get(r.id) ?? 0);

    const people = [...new Set(all.flatMap((c) => (c.participant ? [c.participant.id] : [])))].slice(0, 8);
    for (const id of people) {
      const theirs = (c: Conflict) => c.participant?.id === id;
      expect((await list({ participant: id })).filter(theirs), `participant ${id}`).toEqual(
        all.filter(theirs),
      );
    }
    const trips = [...new Set(all.slice(0, 40).map((c) => tripOf(c.records[0] as Conflict['records'][0])))];
    for (const trip of trips.slice(0, 8)) {
      expect(await list({ trip }), `trip ${trip}`).toEqual(
        all.filter((c) => c.records.some((r) => tripOf(r) === trip)),
      );
    }
    const at = (share: number) => all[Math.floor(all.length * share)] as Conflict;
    for (const [from, to] of [
      [at(0.5).from, at(0.5).from],
      [at(0.4).from, at(0.6).to],
    ] as const) {
      const inWindow = all.filter((c) => c.to >= from && c.from <= to);
      expect(inWindow.length).toBeGreaterThan(0);
      expect(await list({ from, to }), `${from} to ${to}`).toEqual(inWindow);
      expect(await list({ kind: ['two_places_same_day'], from, to })).toEqual(
        inWindow.filter((c) => c.kind === 'two_places_same_day'),
      );
    }
  });
});

describe('writes that introduce conflicts', () => {
  it('are only checked when they change where or when someone is', async () => {
    const { api, queries } = await buildTestApp();
    const selects = async (body: object) => {
      queries.length = 0;
      await api.patch('/meetings/8').set('prefer', 'handling=strict').send(body).expect(200);
      return queries.filter((q) => /^\s*select/i.test(q)).length;
    };
    // A new title cannot double-book anyone: the write is made without reading schedules.
    const title = await selects({ title: 'Meeting with President Macri' });
    const date = await selects({ date: '2018-02-05', partOfDay: 'morning' });
    expect(date).toBeGreaterThan(title + 4);
  });

  it('succeed with warnings: a meeting moved, a participant added, a stop’s dates, another traveler', async () => {
    const { api, person, trip, stop, meeting, attending } = await world();
    const traveler = await person('Ana Traveler');
    const aide = await person('Ben Aide');
    const tripId = await trip(traveler);
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    const bogota = await stop(tripId, { ...BOGOTA, arrivalDate: '2019-03-02', departureDate: '2019-03-03' });
    const a = await meeting(lima.id, { startTime: '10:00', endTime: '11:00', participants: attending(aide) });
    const b = await meeting(lima.id, { startTime: '12:00', endTime: '13:00' });

    // PATCH a meeting into another's hours.
    const moved = await api.patch(`/meetings/${b.id}`).send({ startTime: '10:30' }).expect(200);
    expect(moved.headers['preference-applied']).toBeUndefined();
    expect(moved.body).toMatchObject({ id: b.id, startTime: '10:30' });
    expect(moved.body.warnings.map((w: Conflict) => [w.kind, w.participant?.id])).toEqual([
      ['overlapping_meetings', traveler],
    ]);
    // A change that introduces nothing new answers no warnings, though the conflict is still there.
    const retitled = await api.patch(`/meetings/${b.id}`).send({ title: 'Working lunch' }).expect(200);
    expect(retitled.body.warnings).toBeUndefined();

    // PUT a participant who is booked elsewhere then.
    const added = await api
      .put(`/meetings/${b.id}/participants/${aide}`)
      .send({ role: 'attendee' })
      .expect(201);
    expect(added.body).toMatchObject({ id: aide, role: 'attendee' });
    expect(added.body.warnings.map((w: Conflict) => [w.kind, w.participant?.id, recordIds(w)])).toEqual([
      ['overlapping_meetings', aide, [`meeting-${a.id}`, `meeting-${b.id}`]],
    ]);

    // PATCH a stop's dates into the next stop's.
    const stretched = await api.patch(`/stops/${lima.id}`).send({ departureDate: '2019-03-03' }).expect(200);
    expect(stretched.body.warnings.map((w: Conflict) => w.kind)).toEqual(['overlapping_stops']);

    // PATCH a trip onto a traveler who is elsewhere.
    const busy = await person('Eva Busy');
    const elsewhere = await stop(await trip(busy), {
      ...SANTIAGO,
      arrivalDate: '2019-03-03',
      departureDate: '2019-03-03',
    });
    const handedOver = await api.patch(`/trips/${tripId}`).send({ travelerId: busy }).expect(200);
    expect(handedOver.body.travelerId).toBe(busy);
    // The new traveler takes on the trip's conflicts, and is in Santiago on 3 March too.
    const taken = handedOver.body.warnings as Conflict[];
    expect(taken.every((w) => w.participant?.id === busy)).toBe(true);
    expect(taken.filter((w) => w.kind === 'two_places_same_day').map(recordIds)).toEqual([
      [`stop-${lima.id}`, `stop-${elsewhere.id}`],
      [`stop-${bogota.id}`, `stop-${elsewhere.id}`],
    ]);
    expect(taken.map((w) => w.kind)).toEqual(
      expect.arrayContaining(['overlapping_meetings', 'overlapping_stops', 'two_places_same_day']),
    );
    expect(bogota.warnings).toBeUndefined();
  });

  it('refused strict writes racing with other writes and reads: each acknowledged write stays, no refused one shows', async () => {
    // The checked write reads, writes and reads again in one transaction of the database handle, over several
    // awaits, while the other requests' handlers run. Nothing of theirs may land in its transaction (and be
    // rolled back with it), and no read may see its rows before they are refused.
    const { app, api, person, trip, stop, meeting, attending } = await world();
    const aide = await person('Race Aide');
    const lima = await stop(await trip(await person('Race Traveler')), {
      ...LIMA,
      arrivalDate: '2019-03-01',
      departureDate: '2019-03-02',
    });
    await meeting(lima.id, { startTime: '10:00', endTime: '11:00', participants: attending(aide) });
    const strict = Array.from({ length: 12 }, (_, i) =>
      api
        .post(`/stops/${lima.id}/meetings`)
        .set('prefer', 'handling=strict')
        .send(newMeeting({ title: `Refused ${i}`, startTime: '10:15', participants: attending(aide) })),
    );
    const lenient = Array.from({ length: 12 }, (_, i) =>
      api.post('/participants').send(newParticipant({ name: `Racing writer ${i}` })),
    );
    const apart = Array.from({ length: 6 }, (_, i) =>
      api
        .post(`/stops/${lima.id}/meetings`)
        .send(newMeeting({ title: `Lands ${i}`, startTime: `${13 + i}:00`, endTime: `${13 + i}:30` })),
    );
    const reads = Array.from({ length: 12 }, () => api.get(`/stops/${lima.id}/meetings?limit=100`));
    const [refused, written, landed, read] = await Promise.all([
      Promise.all(strict),
      Promise.all(lenient),
      Promise.all(apart),
      Promise.all(reads),
    ]);
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 409));
    expect(written.map((r) => r.status)).toEqual(written.map(() => 201));
    expect(landed.map((r) => r.status)).toEqual(landed.map(() => 201));
    for (const answer of read) {
      expect(answer.status).toBe(200);
      const titles = (answer.body.data as { title: string }[]).map((m) => m.title);
      expect(titles.filter((t) => t.startsWith('Refused'))).toEqual([]);
    }
    const scalar = async (query: string) => Number(Object.values((await sqlRows(app, query))[0] ?? {})[0]);
    expect(await scalar("select count(*) from participants where name like 'Racing writer %'")).toBe(12);
    expect(await scalar("select count(*) from meetings where title like 'Lands %'")).toBe(6);
    expect(await scalar("select count(*) from meetings where title like 'Refused %'")).toBe(0);
  });

  it('are refused under Prefer: handling=strict with a 409 listing the conflicts, and nothing is written', async () => {
    const { app, api, person, trip, stop, meeting, attending } = await world();
    const aide = await person('Ben Aide');
    const tripId = await trip(await person('Ana Traveler'));
    const lima = await stop(tripId, { ...LIMA, arrivalDate: '2019-03-01', departureDate: '2019-03-02' });
    const a = await meeting(lima.id, { startTime: '10:00', endTime: '11:00', participants: attending(aide) });
    const b = await meeting(lima.id, { startTime: '12:00', endTime: '13:00' });

    const count = (table: string) => countRows(app, table);
    const token = (await api.get('/changes').expect(200)).body.nextToken as string;
    const snapshot = async () => ({
      meetings: await count('meetings'),
      attendance: await count('meeting_participants'),
      stops: await count('stops'),
      audit: await count('audit_log'),
      changes: await count('changes'),
    });
    const before = await snapshot();
    const strict = { prefer: 'handling=strict' };

    const refused = await api
      .post(`/stops/${lima.id}/meetings`)
      .set(strict)
      .send(newMeeting({ startTime: '10:15', participants: attending(aide) }))
      .expect(409)
      .expect('content-type', PROBLEM)
      .expect('preference-applied', 'handling=strict');
    expect(refused.body).toMatchObject({
      status: 409,
      code: 'schedule_conflict',
      detail: expect.stringContaining('nothing was written'),
      instance: `/stops/${lima.id}/meetings`,
    });
    expect(refused.body.conflicts.map((c: Conflict) => c.kind)).toEqual([
      'overlapping_meetings',
      'overlapping_meetings',
    ]);
    expect(refused.body.conflicts[0].explanation).toContain('at 2019-03-01T15:15:00Z');

    await api.patch(`/meetings/${b.id}`).set(strict).send({ startTime: '10:30' }).expect(409);
    await api.put(`/meetings/${b.id}/participants/${aide}`).set(strict).send({ role: 'host' }).expect(201);
    await api.delete(`/meetings/${b.id}/participants/${aide}`).expect(204);
    const afterCleanup = await snapshot();
    await api.patch(`/meetings/${a.id}`).set(strict).send({ date: '2019-03-09' }).expect(409);
    await api
      .post(`/trips/${tripId}/stops`)
      .set(strict)
      .send(newStop({ ...BOGOTA, arrivalDate: '2019-03-01', departureDate: '2019-03-04' }))
      .expect(409);
    await api
      .patch(`/stops/${lima.id}`)
      .set(strict)
      .send({ departureDate: '2019-02-28', arrivalDate: '2019-02-27' })
      .expect(409);

    expect(await snapshot()).toEqual(afterCleanup);
    expect(afterCleanup.meetings).toBe(before.meetings);
    expect((await api.get(`/meetings/${b.id}`).expect(200)).body).toMatchObject({
      startTime: '12:00',
      version: 3,
    });
    expect((await api.get(`/meetings/${a.id}`).expect(200)).body).toMatchObject({
      date: '2019-03-01',
      version: 1,
    });
    // The feed and the audit log hold only the host role and its removal: every refused write left no trace.
    const feed = (await api.get(`/changes?since=${token}`).expect(200)).body.data as {
      type: string;
      id: number;
    }[];
    expect(feed.map((c) => [c.type, c.id])).toEqual([
      ['meeting', b.id],
      ['meeting', b.id],
    ]);
    const audit = (await api.get('/audit?resource=attendance&limit=200').expect(200)).body.data as {
      operation: string;
    }[];
    // Oldest first: the seed's attendance, then only this test's two.
    expect(audit.slice(-2).map((e) => e.operation)).toEqual(['create', 'delete']);

    // Strict handling of a write that introduces nothing is a success, and says it applied the preference.
    const fine = await api
      .post(`/stops/${lima.id}/meetings`)
      .set('prefer', 'respond-async, HANDLING="strict"; note=1')
      .send(newMeeting({ startTime: '15:00' }))
      .expect(201)
      .expect('preference-applied', 'handling=strict');
    expect(fine.body.warnings).toBeUndefined();
  });

  it('a strict refusal is an answer like any 409: an Idempotency-Key replays it', async () => {
    const { api, person, trip, stop, meeting, attending } = await world();
    const aide = await person('Ben Aide');
    const lima = await stop(await trip(await person('Ana Traveler')), { ...LIMA, arrivalDate: '2019-03-01' });
    await meeting(lima.id, { startTime: '10:00', endTime: '11:00', participants: attending(aide) });
    const send = (prefer: string) =>
      api
        .post(`/stops/${lima.id}/meetings`)
        .set({ prefer, 'idempotency-key': 'strict-once' })
        .send(newMeeting({ startTime: '10:30', participants: attending(aide) }));
    const first = await send('handling=strict').expect(409);
    const replay = await send('handling=strict').expect(409).expect('idempotent-replayed', 'true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['preference-applied']).toBe('handling=strict');
    // Lenient handling of the same body is another request: the key cannot be reused for it.
    await send('handling=lenient').expect(422);
  });
});

describe('done when: Rex Tillerson double-booked in Lima and Bogotá on the same morning (the seed)', () => {
  it('warns, is a 409 under strict handling, and is listed at /conflicts', async () => {
    const { api, conflicts } = await buildTestApp().then(async (app) => ({
      ...app,
      conflicts: async (query: string) =>
        (await app.api.get(`/conflicts?${query}`).expect(200)).body.data as Conflict[],
    }));
    const tillerson = [{ participantId: 1, role: 'delegation_member' }];
    // 6 February is the travel day from Lima (stop 5) to Bogotá (stop 6). A morning in Lima is expected...
    const lima = await api
      .post('/stops/5/meetings')
      .send(
        newMeeting({
          title: 'Breakfast with Foreign Minister Aljovin',
          date: '2018-02-06',
          partOfDay: 'morning',
          participants: tillerson,
        }),
      )
      .expect(201);
    expect(lima.body.warnings).toBeUndefined();
    // ...but not a morning in Bogotá as well.
    const bogota = newMeeting({
      title: 'Morning talks with President Santos',
      date: '2018-02-06',
      partOfDay: 'morning',
      participants: tillerson,
    });
    const refused = await api
      .post('/stops/6/meetings')
      .set('prefer', 'handling=strict')
      .send(bogota)
      .expect(409);
    expect(refused.body.conflicts.map((c: Conflict) => [c.kind, c.participant?.name])).toEqual([
      ['two_places_same_day', 'Rex Tillerson'],
    ]);
    expect((await api.get('/stops/6/meetings').expect(200)).body.data.length).toBe(1);

    const written = await api.post('/stops/6/meetings').send(bogota).expect(201);
    const expected = {
      key: `two_places_same_day:participant-1:meeting-${lima.body.id}:meeting-${written.body.id}`,
      kind: 'two_places_same_day',
      participant: { id: 1, name: 'Rex Tillerson' },
      from: '2018-02-06',
      to: '2018-02-06',
      startsAt: null,
      endsAt: null,
      records: [
        { type: 'meeting', id: lima.body.id, label: 'Breakfast with Foreign Minister Aljovin' },
        { type: 'meeting', id: written.body.id, label: 'Morning talks with President Santos' },
      ],
      explanation:
        `Rex Tillerson is in Lima (meeting ${lima.body.id} “Breakfast with Foreign Minister Aljovin”, 2018-02-06 ` +
        `morning) and in Bogotá (meeting ${written.body.id} “Morning talks with President Santos”, 2018-02-06 ` +
        'morning) on 2018-02-06: it is the travel day from Lima to Bogotá, but both meetings are in the morning.',
    };
    expect(written.body.warnings).toEqual([expected]);
    expect(await conflicts('participant=1')).toEqual([expected]);
    expect(await conflicts('trip=1&from=2018-02-06&to=2018-02-06')).toEqual([expected]);
  });

  it('with clock times, the same morning is an overlap of instants (Lima and Bogotá are both UTC-5)', async () => {
    const { api } = await buildTestApp();
    const tillerson = [{ participantId: 1, role: 'delegation_member' }];
    const timed = await api
      .post('/stops/6/meetings')
      .set('prefer', 'handling=strict')
      .send(newMeeting({ date: '2018-02-06', startTime: '09:00', endTime: '10:00', participants: tillerson }))
      .expect(201);
    const overlapping = await api
      .post('/stops/5/meetings')
      .send(newMeeting({ date: '2018-02-06', startTime: '09:30', endTime: '10:30', participants: tillerson }))
      .expect(201);
    expect(overlapping.body.warnings.map((w: Conflict) => [w.kind, recordIds(w)])).toEqual([
      ['overlapping_meetings', [`meeting-${timed.body.id}`, `meeting-${overlapping.body.id}`]],
    ]);
    await api
      .post('/stops/5/meetings')
      .set('prefer', 'handling=strict')
      .send(newMeeting({ date: '2018-02-06', startTime: '09:45', participants: tillerson }))
      .expect(409);
    expect(
      (await api.get('/conflicts?participant=1&kind=overlapping_meetings').expect(200)).body.data.length,
    ).toBe(1);
  });
});

describe('the rules', () => {
  const at = (time: string, end?: string) => ({
    startsAt: `2019-03-01T${time}:00Z`,
    endsAt: end ? `2019-03-01T${end}:00Z` : null,
  });

  it('meetings overlap as half-open intervals; one without an end time is an instant', () => {
    expect(meetingsOverlap(at('10:00', '11:00'), at('10:59', '12:00'))).toBe(true);
    expect(meetingsOverlap(at('10:00', '11:00'), at('11:00', '12:00'))).toBe(false);
    expect(meetingsOverlap(at('10:00', '11:00'), at('10:30'))).toBe(true);
    expect(meetingsOverlap(at('10:00', '11:00'), at('10:00'))).toBe(true);
    expect(meetingsOverlap(at('10:00', '11:00'), at('11:00'))).toBe(false);
    expect(meetingsOverlap(at('10:00'), at('10:00'))).toBe(true);
    expect(meetingsOverlap(at('10:00'), at('10:01'))).toBe(false);
    expect(meetingsOverlap(at('10:00', '10:00'), at('09:00', '10:30'))).toBe(true);
  });

  it('a travel day joins the stop that leaves to the next that arrives, through one-day stops only', () => {
    const s = (
      id: number,
      position: number,
      arrivalDate: string | null,
      departureDate: string | null,
    ): StopFacts => ({
      id,
      tripId: 1,
      position,
      city: `City ${id}`,
      country: 'PE',
      arrivalDate,
      departureDate,
    });
    const [a, b, c, undated] = [
      s(1, 1, '2019-03-01', '2019-03-02'),
      s(2, 2, '2019-03-02', '2019-03-02'),
      s(3, 4, '2019-03-02', '2019-03-05'),
      s(4, 3, null, null),
    ];
    const trip = { id: 1, title: 'T', travelerId: 1, stops: [a, b, undated, c] };
    expect(isTravelDay(trip, a, b, '2019-03-02')).toBe(true);
    expect(isTravelDay(trip, c, a, '2019-03-02')).toBe(true);
    expect(isTravelDay(trip, a, c, '2019-03-01')).toBe(false);
    // In visit order the later stop must arrive that day, not leave.
    const reversed = { ...trip, stops: [c, a] };
    expect(isTravelDay(reversed, { ...c, position: 1 }, { ...a, position: 2 }, '2019-03-02')).toBe(false);
    // A stop in between that stays longer breaks the chain.
    const longer = s(5, 3, '2019-03-02', '2019-03-03');
    expect(isTravelDay({ ...trip, stops: [a, b, longer, c] }, a, c, '2019-03-02')).toBe(false);
  });

  it('reads parts of the day and Prefer headers', () => {
    expect(['05:59', '06:00', '11:59', '12:00', '17:00', '21:00'].map(partOfDayAt)).toEqual([
      'night',
      'morning',
      'morning',
      'afternoon',
      'evening',
      'night',
    ]);
    expect(preferences('respond-async, wait=10, handling=strict')).toEqual(
      new Map([
        ['respond-async', ''],
        ['wait', '10'],
        ['handling', 'strict'],
      ]),
    );
    expect(preferences(['Handling="lenient"; x=1', 'handling=strict']).get('handling')).toBe('lenient');
    expect(preferences('return="a,b", handling=strict').get('handling')).toBe('strict');
    expect(preferences(undefined).size).toBe(0);
  });
});
