import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresEngineOf } from '../src/db/connection.js';
import { buildTestApp, type TestApp } from './helpers.js';

// Round trips to PostgreSQL per write: node-postgres sends one statement (or one simple-protocol text) at a time and
// waits for its answer, and each round trip cost the API about 0.17 ms of socket writes under the write benchmark
// (README, "Writes on PostgreSQL"), more than PostgreSQL's own work for most statements. These tests count the
// statements each write of the benchmark's mix sends, so that one more shows up here rather than as a slower run.

/**
 * Every statement text the app's pool sends from now on, one entry per round trip: each pooled connection's
 * `query` is wrapped the first time the pool hands it out (before the handle names its statements, which calls
 * this wrapper in turn).
 */
function roundTrips(t: TestApp): string[] {
  const engine = postgresEngineOf(t.app.database);
  if (!engine) throw new Error('not an app on PostgreSQL');
  const sent: string[] = [];
  const counted = new WeakSet<pg.PoolClient>();
  engine.pool.on('acquire', (client: pg.PoolClient) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = function (this: pg.PoolClient, ...args: unknown[]) {
      const [first] = args;
      sent.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
      return query.apply(this, args);
    };
  });
  return sent;
}

/** The first words of each statement, enough to tell them apart in a failure's diff. */
const heads = (sent: string[]) => sent.map((text) => text.replace(/\s+/g, ' ').slice(0, 40));

describe('round trips of writes on PostgreSQL', () => {
  it('a checked POST of a meeting makes 7, a PATCH with If-Match 5, a strict dated POST 12', async () => {
    const t = await buildTestApp();
    const sent = roundTrips(t);
    const newMeeting = (title: string, more: object = {}) => ({
      kind: 'bilateral',
      title,
      topics: ['benchmark'],
      participants: [{ participantId: 1, role: 'counterpart' }],
      ...more,
    });
    // Once before counting: the key's first use writes its lastUsedAt (at most once a minute), and statements are
    // named on the server from their second run.
    for (const title of ['Warm-up 1', 'Warm-up 2']) {
      const warm = await t.api.post('/stops/1/meetings').send(newMeeting(title)).expect(201);
      await t.api
        .patch(`/meetings/${warm.body.id}`)
        .set('if-match', String(warm.headers.etag))
        .send({ title: `${title}, again` })
        .expect(200);
    }

    // The benchmark's POST (scenario 6): the key, BEGIN, the stop and participants, the meeting, its attendances,
    // the schedule locks with the meeting's people, COMMIT. Undated, so no schedule is read.
    sent.length = 0;
    const post = await t.api.post('/stops/1/meetings').send(newMeeting('Counted')).expect(201);
    expect(post.body.participants.map((p: { id: number }) => p.id)).toEqual([1]);
    expect(heads(sent)).toHaveLength(7);
    expect(sent[0]).toMatch(/from "api_keys"/);
    expect(sent[1]).toMatch(/^BEGIN/);
    expect(sent[5]).toMatch(/itinerary_lock_meeting_schedules/);
    expect(sent[6]).toBe('COMMIT');

    // The benchmark's PATCH: the key, BEGIN, the meeting, the update (answering the row), COMMIT. A title places
    // nobody, so it is not checked.
    sent.length = 0;
    const patch = await t.api
      .patch(`/meetings/${post.body.id}`)
      .set('if-match', String(post.headers.etag))
      .send({ title: 'Counted, renamed' })
      .expect(200);
    expect(patch.body.title).toBe('Counted, renamed');
    expect(patch.headers.etag).toBe(`"v${post.body.version + 1}"`);
    expect(heads(sent)).toHaveLength(5);
    expect(sent[3]).toMatch(/^update "meetings"/);

    // A dated, strict POST with two participants: as above (the attendances still one statement), then the facts
    // of the two schedules: meetings attended, meetings travelled to, the longest stay, the trips in the window and
    // their stops.
    sent.length = 0;
    await t.api
      .post('/stops/1/meetings')
      .set('prefer', 'handling=strict')
      .send(
        newMeeting('Dated', {
          date: '2019-03-01',
          startTime: '23:00',
          endTime: '23:30',
          participants: [
            { participantId: 1, role: 'counterpart' },
            { participantId: 2, role: 'counterpart' },
          ],
        }),
      )
      .expect(201);
    expect(heads(sent)).toHaveLength(12);
  });
});
