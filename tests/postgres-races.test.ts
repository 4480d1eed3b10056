import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../src/errors.js';
import {
  buildTestApp,
  countRows,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  testDatabaseUrl,
} from './helpers.js';

// Races on PostgreSQL, where transactions run at the same time (on SQLite the handle runs them one by one). Two
// apps on one database stand for two instances of the server; each has a pool of its own.

/** Two apps (instances) on one fresh database, with an admin token each. */
async function twoInstances() {
  const url = await testDatabaseUrl();
  const a = await buildTestApp({ config: { DATABASE_URL: url } });
  const b = await buildTestApp({ config: { DATABASE_URL: url } });
  return { a, b };
}

describe('races on PostgreSQL', () => {
  it('writes racing from one version: the version check in the UPDATE lets exactly one through', async () => {
    const { a, b } = await twoInstances();
    const { version } = await a.app.database.read((tx) => a.app.repos.trips.get(1, tx));
    // Straight at the repositories, so that all sixteen transactions read before any writes.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => {
        const { app } = i % 2 === 0 ? a : b;
        return app.database.transaction((tx) =>
          app.repos.trips.update(1, { summary: `Racing writer ${i}` }, [version], tx),
        );
      }),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
    }
    const after = await b.app.database.read((tx) => b.app.repos.trips.get(1, tx));
    expect(after.version).toBe(version + 1);
    expect(after.summary).toBe((won[0] as PromiseFulfilledResult<{ summary: string }>).value.summary);
  });

  it('the same Idempotency-Key sent to two instances at once creates one record', async () => {
    const { a, b } = await twoInstances();
    // One key holder on both: the admin key of instance A, used on B as well.
    const token = await a.token('write', 'idempotent-writer');
    const before = await countRows(a.app, 'participants');
    const send = (api: typeof a.anon) =>
      api
        .post('/participants')
        .set('authorization', `Bearer ${token}`)
        .set('idempotency-key', 'one-record-please')
        .send(newParticipant({ name: 'Only once' }));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a.anon : b.anon)),
    );
    const statuses = answers.map((r) => r.status);
    // One creates it; the others are told it is in flight (409) or replay its answer (201, Idempotent-Replayed).
    expect(
      statuses.every((s) => s === 201 || s === 409),
      String(statuses),
    ).toBe(true);
    expect(answers.filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    expect(await countRows(a.app, 'participants')).toBe(before + 1);
  });

  it('strict writes double-booking one person, racing on two instances: at most one succeeds', async () => {
    const { a, b } = await twoInstances();
    // Rounds of eight meetings at the same hour, each with the same person: any two of them conflict. Each is on a
    // trip of its own with a traveler of its own, so that nothing but the person's schedule lock orders them (writes
    // to one trip also wait on its row). Several rounds, as the first runs on cold connections and seldom overlaps.
    for (let round = 0; round < 4; round += 1) {
      const person = (
        await a.api
          .post('/participants')
          .send(newParticipant({ name: `Booked Twice ${round}` }))
          .expect(201)
      ).body.id as number;
      const stops: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        const traveler = (
          await a.api
            .post('/participants')
            .send(newParticipant({ name: `Traveler ${round}-${i}` }))
            .expect(201)
        ).body.id as number;
        const trip = (await a.api.post('/trips').send(newTrip(traveler)).expect(201)).body.id as number;
        stops.push((await a.api.post(`/trips/${trip}/stops`).send(newStop()).expect(201)).body.id as number);
      }
      const answers = await Promise.all(
        stops.map((stop, i) =>
          (i % 2 === 0 ? a.api : b.api)
            .post(`/stops/${stop}/meetings`)
            .set('prefer', 'handling=strict')
            .send(
              newMeeting({
                title: `Double booking ${round}-${i}`,
                date: '2019-03-01',
                startTime: '10:00',
                endTime: '11:00',
                participants: [{ participantId: person, role: 'attendee' }],
              }),
            ),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(
        statuses.filter((s) => s === 201),
        `round ${round}: ${statuses}`,
      ).toHaveLength(1);
      expect(
        statuses.filter((s) => s === 409),
        `round ${round}: ${statuses}`,
      ).toHaveLength(7);
      const schedule = await b.api.get(`/participants/${person}/schedule`).expect(200);
      expect(schedule.body.data).toHaveLength(1);
    }
  });

  it('a change of traveler and a booking of the new traveler, racing on two instances: at most one succeeds', async () => {
    const { a, b } = await twoInstances();
    const person = async (name: string) =>
      (await a.api.post('/participants').send(newParticipant({ name })).expect(201)).body.id as number;
    const timed = { date: '2019-03-01', startTime: '10:00', endTime: '11:00' };
    // Rounds of four pairs racing at once, as the first round runs on cold connections and seldom overlaps.
    for (let round = 0; round < 3; round += 1) {
      const pairs: { tripOne: number; stopTwo: number; second: number }[] = [];
      for (let pair = 0; pair < 4; pair += 1) {
        const first = await person(`First ${round}-${pair}`);
        const second = await person(`Second ${round}-${pair}`);
        // Trip one (first traveler) has a meeting at 10:00; trip two (second traveler) is in the same city then.
        const tripOne = (await a.api.post('/trips').send(newTrip(first)).expect(201)).body.id as number;
        const stopOne = (await a.api.post(`/trips/${tripOne}/stops`).send(newStop()).expect(201)).body
          .id as number;
        await a.api
          .post(`/stops/${stopOne}/meetings`)
          .send(newMeeting({ title: `Morning talks ${round}-${pair}`, ...timed }))
          .expect(201);
        const tripTwo = (await a.api.post('/trips').send(newTrip(second)).expect(201)).body.id as number;
        const stopTwo = (await a.api.post(`/trips/${tripTwo}/stops`).send(newStop()).expect(201)).body
          .id as number;
        pairs.push({ tripOne, stopTwo, second });
      }
      // Alone, each write is fine: the second traveler takes over trip one, or gets a meeting at 10:00 on trip
      // two. Together they book the second traveler twice at 10:00.
      const answers = await Promise.all(
        pairs.flatMap(({ tripOne, stopTwo, second }, pair) => [
          a.api.patch(`/trips/${tripOne}`).set('prefer', 'handling=strict').send({ travelerId: second }),
          b.api
            .post(`/stops/${stopTwo}/meetings`)
            .set('prefer', 'handling=strict')
            .send(newMeeting({ title: `Second booking ${round}-${pair}`, ...timed })),
        ]),
      );
      for (let pair = 0; pair < pairs.length; pair += 1) {
        const statuses = [answers[2 * pair]?.status, answers[2 * pair + 1]?.status];
        expect(
          statuses.filter((s) => s === 409),
          `round ${round}, pair ${pair}: ${statuses}`,
        ).toHaveLength(1);
        expect(
          statuses.filter((s) => s === 200 || s === 201),
          `round ${round}, pair ${pair}: ${statuses}`,
        ).toHaveLength(1);
      }
    }
  });
});
