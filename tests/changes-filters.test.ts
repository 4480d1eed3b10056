import { describe, expect, it } from 'vitest';
import { buildTestApp, newParticipant, newStop, newTrip, PROBLEM, type TestApp } from './helpers.js';

// /changes narrowed to one trip, one participant or some kinds of resource (issue 14): each filtered feed is the
// part of the whole feed that concerns it, read with the same tokens, never skipping or repeating a change.

type Change = {
  type: string;
  id: number;
  action: string;
  deleted: boolean;
  version: number | null;
  tripId: number | null;
  participantId: number | null;
};
type ChangesPage = { data: Change[]; nextToken: string; hasMore: boolean };

const token = async (api: TestApp['api']) =>
  ((await api.get('/changes').expect(200)).body as ChangesPage).nextToken;

/** Every change after `from` that passes `filter` (a query string), read `limit` at a time. */
async function all(api: TestApp['api'], from: string, filter = '', limit = 200): Promise<Change[]> {
  const seen: Change[] = [];
  let at = from;
  for (;;) {
    const page = (await api.get(`/changes?since=${at}&limit=${limit}${filter}`).expect(200))
      .body as ChangesPage;
    seen.push(...page.data);
    at = page.nextToken;
    if (!page.hasMore) return seen;
  }
}
const brief = (c: Change) => `${c.action} ${c.type} ${c.id}`;

/** Two trips of traveler 1, each with a stop and a meeting attended by `guest`. */
async function twoTrips(api: TestApp['api']) {
  const guest = (
    await api
      .post('/participants')
      .send(newParticipant({ name: 'Guest' }))
      .expect(201)
  ).body;
  const made = [];
  for (const n of [1, 2]) {
    const trip = (
      await api
        .post('/trips')
        .send(newTrip(1, { title: `Trip ${n}` }))
        .expect(201)
    ).body;
    const stop = (await api.post(`/trips/${trip.id}/stops`).send(newStop()).expect(201)).body;
    const meeting = (
      await api
        .post(`/stops/${stop.id}/meetings`)
        .send({
          kind: 'press',
          title: `Press ${n}`,
          participants: [{ participantId: guest.id, role: 'host' }],
        })
        .expect(201)
    ).body;
    made.push({ trip, stop, meeting });
  }
  return { guest, a: made[0] as (typeof made)[0], b: made[1] as (typeof made)[0] };
}

describe('/changes filters', () => {
  it('trip= gives the changes of one trip, its stops and meetings, cascaded deletions included', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    const { a, b } = await twoTrips(api);
    await api.patch(`/stops/${b.stop.id}`).send({ notes: 'B only' }).expect(200);
    await api.patch(`/meetings/${a.meeting.id}`).send({ title: 'Renamed' }).expect(200);
    await api.delete(`/stops/${a.stop.id}`).expect(204);

    const ofA = await all(api, start, `&trip=${a.trip.id}`);
    expect(ofA.slice(0, 4).map(brief)).toEqual([
      `created trip ${a.trip.id}`,
      `created stop ${a.stop.id}`,
      `created meeting ${a.meeting.id}`,
      `updated meeting ${a.meeting.id}`,
    ]);
    // The stop's deletion cascades to its meeting: both tombstones belong to the trip.
    expect(ofA.slice(4).map(brief).sort()).toEqual([
      `deleted meeting ${a.meeting.id}`,
      `deleted stop ${a.stop.id}`,
    ]);
    expect(ofA.every((c) => c.tripId === a.trip.id && c.participantId === null)).toBe(true);

    // The filtered feed is exactly the whole feed's changes of that trip, in the same order.
    const whole = await all(api, start);
    expect(whole.every((c) => c.participantId === null)).toBe(true);
    expect(ofA).toEqual(whole.filter((c) => c.tripId === a.trip.id));
    expect(await all(api, start, `&trip=${b.trip.id}`)).toEqual(whole.filter((c) => c.tripId === b.trip.id));

    // Deleting a whole trip: its stop's and meeting's tombstones are the trip's too.
    const before = await token(api);
    await api.delete(`/trips/${b.trip.id}`).expect(204);
    expect((await all(api, before, `&trip=${b.trip.id}`)).map(brief).sort()).toEqual([
      `deleted meeting ${b.meeting.id}`,
      `deleted stop ${b.stop.id}`,
      `deleted trip ${b.trip.id}`,
    ]);
    expect(await all(api, before, `&trip=${a.trip.id}`)).toEqual([]);
  });

  it('a meeting moved to another trip is in the feeds of both trips', async () => {
    const { api } = await buildTestApp();
    const { a, b } = await twoTrips(api);
    const from = await token(api);
    await api.patch(`/meetings/${a.meeting.id}`).send({ stopId: b.stop.id }).expect(200);
    const left = await all(api, from, `&trip=${a.trip.id}`);
    const joined = await all(api, from, `&trip=${b.trip.id}`);
    expect(left.map(brief)).toEqual([`updated meeting ${a.meeting.id}`]);
    expect(joined).toEqual(left);
    // It names the trip it belongs to now.
    expect(left[0]?.tripId).toBe(b.trip.id);
  });

  it('participant= gives the record, its attendance, and its meetings’ and trips’ changes', async () => {
    const { api } = await buildTestApp();
    const { guest, a, b } = await twoTrips(api);
    const other = (
      await api
        .post('/participants')
        .send(newParticipant({ name: 'Other' }))
        .expect(201)
    ).body;
    const from = await token(api);

    await api.patch(`/participants/${guest.id}`).send({ title: 'Minister' }).expect(200);
    await api.patch(`/participants/${other.id}`).send({ title: 'Envoy' }).expect(200);
    await api
      .put(`/meetings/${b.meeting.id}/participants/${other.id}`)
      .send({ role: 'attendee' })
      .expect(201);
    await api.delete(`/meetings/${a.meeting.id}/participants/${guest.id}`).expect(204);
    await api.patch(`/meetings/${b.meeting.id}`).send({ title: 'Still attended' }).expect(200);
    await api.patch(`/meetings/${a.meeting.id}`).send({ title: 'Left behind' }).expect(200);
    // Read before meeting B goes: its rename is the guest's, who attends it.
    const attended = await all(api, from, `&participant=${guest.id}&resource=meeting`);
    expect(attended.filter((c) => c.participantId === null).map(brief)).toEqual([
      `updated meeting ${b.meeting.id}`,
      `updated meeting ${b.meeting.id}`,
    ]);
    await api.delete(`/meetings/${b.meeting.id}`).expect(204);

    const ofGuest = await all(api, from, `&participant=${guest.id}`);
    const attendance = ofGuest.filter((c) => c.participantId !== null);
    expect(attendance.every((c) => c.participantId === guest.id && c.version === null)).toBe(true);
    // Leaving meeting A is a change of attendance; the deletion of meeting B takes the guest out of it too.
    expect(attendance.map(brief)).toEqual([
      `updated meeting ${a.meeting.id}`,
      `deleted meeting ${b.meeting.id}`,
    ]);
    expect(attendance.map((c) => c.deleted)).toEqual([false, true]);
    expect(attendance.map((c) => c.tripId)).toEqual([a.trip.id, b.trip.id]);
    const own = ofGuest.filter((c) => c.participantId === null);
    expect(own.map(brief)).toContain(`updated participant ${guest.id}`);
    expect(own.map(brief)).not.toContain(`updated participant ${other.id}`);
    // Meetings the guest no longer attends are no longer the guest's: A's new version from the leaving and its
    // rename, and B's changes once B is gone (its deletion is told by the change of attendance above).
    expect(own.filter((c) => c.type === 'meeting')).toEqual([]);

    const ofOther = await all(api, from, `&participant=${other.id}`);
    expect(ofOther.filter((c) => c.participantId !== null).map(brief)).toEqual([
      `updated meeting ${b.meeting.id}`,
      `deleted meeting ${b.meeting.id}`,
    ]);
    // The whole feed does not show changes of attendance (each meeting's own change follows them).
    expect((await all(api, from)).some((c) => c.participantId !== null)).toBe(false);

    // Traveler 1 travels on both trips: every change of their meetings is theirs.
    const whole = await all(api, from);
    expect(await all(api, from, '&participant=1&resource=meeting')).toEqual(
      whole.filter((c) => c.type === 'meeting' && (c.tripId === a.trip.id || c.tripId === b.trip.id)),
    );
  });

  it('resource= keeps some kinds of resource, and filters combine', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    const { a } = await twoTrips(api);
    const whole = await all(api, start);
    expect(await all(api, start, '&resource=stop,meeting')).toEqual(
      whole.filter((c) => c.type === 'stop' || c.type === 'meeting'),
    );
    expect(await all(api, start, '&resource=participant&resource=trip')).toEqual(
      whole.filter((c) => c.type === 'participant' || c.type === 'trip'),
    );
    expect(await all(api, start, `&resource=meeting&trip=${a.trip.id}`)).toEqual(
      whole.filter((c) => c.type === 'meeting' && c.tripId === a.trip.id),
    );
  });

  it('pages a filtered feed without skipping or repeating, and moves past what it looked at', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    const { a, b } = await twoTrips(api);
    for (let i = 0; i < 4; i += 1) {
      await api
        .patch(`/meetings/${a.meeting.id}`)
        .send({ title: `A${i}` })
        .expect(200);
      await api
        .patch(`/meetings/${b.meeting.id}`)
        .send({ title: `B${i}` })
        .expect(200);
    }
    const whole = await all(api, start);
    expect(await all(api, start, `&trip=${a.trip.id}`, 1)).toEqual(
      whole.filter((c) => c.tripId === a.trip.id),
    );
    expect(await all(api, start, `&trip=${b.trip.id}`, 3)).toEqual(
      whole.filter((c) => c.tripId === b.trip.id),
    );
    // After the last page, the token is past the changes of the other trip: a later read finds only new ones.
    const page = (await api.get(`/changes?since=${start}&trip=${a.trip.id}`).expect(200)).body as ChangesPage;
    await api.patch(`/meetings/${b.meeting.id}`).send({ title: 'B again' }).expect(200);
    await api.patch(`/meetings/${a.meeting.id}`).send({ title: 'A again' }).expect(200);
    expect((await all(api, page.nextToken, `&trip=${a.trip.id}`)).map(brief)).toEqual([
      `updated meeting ${a.meeting.id}`,
    ]);
  });

  it('answers 400 problems naming a bad filter', async () => {
    const { api } = await buildTestApp();
    for (const [query, field] of [
      ['trip=01', 'query.trip'],
      ['trip=abc', 'query.trip'],
      ['participant=-1', 'query.participant'],
      ['resource=stops', 'query.resource'],
      ['resource=', 'query.resource'],
    ] as const) {
      const res = await api.get(`/changes?${query}`).expect(400).expect('content-type', PROBLEM);
      expect(res.body.errors.map((e: { path: string }) => e.path.replace(/\.\d+$/, ''))).toContain(field);
    }
  });
});
