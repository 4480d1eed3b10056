import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  newParticipant,
  newStop,
  newTrip,
  PROBLEM,
  TEST_ENGINE,
  testDatabaseUrl,
} from './helpers.js';

// GET /changes/stream over real HTTP connections, read with a Server-Sent Events parser as an EventSource reads
// them: events arrive as writes commit, their ids resume a stream exactly, filters apply, bad and expired tokens
// are problems, the number of streams is bounded, and a stream on one instance sees another instance's writes.

const dir = mkdtempSync(join(tmpdir(), 'itinerary-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAST = { CHANGES_STREAM_POLL_MS: 100 };

type Stream = {
  status: number;
  headers: Headers;
  events: EventSourceMessage[];
  comments: string[];
  /** Resolves with the events once `count` have arrived (rejects after `ms`). */
  next(count: number, ms?: number): Promise<EventSourceMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
};

async function listening(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

/** Opens `path` as an event stream, reading it in the background. */
async function open(
  app: FastifyInstance,
  path: string,
  headers: Record<string, string> = {},
): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(`${await listening(app)}${path}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let waiter: (() => void) | undefined;
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      waiter?.();
    },
    onComment: (comment) => {
      comments.push(comment);
    },
  });
  const ended = (async () => {
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended,
    close: () => abort.abort(),
    next: (count, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${events.length} events of ${count} after ${ms} ms`)),
          ms,
        );
        const check = () => {
          if (events.length >= count) {
            clearTimeout(timer);
            waiter = undefined;
            resolve(events.slice(0, count));
          }
        };
        waiter = check;
        check();
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const brief = (event: EventSourceMessage) => {
  const change = JSON.parse(event.data) as { action: string; type: string; id: number };
  return `${change.action} ${change.type} ${change.id}`;
};

describe('GET /changes/stream', () => {
  it('sends a write made after it opened, as a change event whose id resumes /changes', async () => {
    const { app, api } = await buildTestApp({ config: FAST });
    const stream = await open(app, '/changes/stream');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const created = (
      await api
        .post('/participants')
        .send(newParticipant({ name: 'Live' }))
        .expect(201)
    ).body;
    const [event] = await stream.next(1);
    expect(event?.event).toBe('change');
    expect(JSON.parse(event?.data ?? '{}')).toMatchObject({
      type: 'participant',
      id: created.id,
      action: 'created',
    });
    // Its id is a token of the feed: /changes from it has nothing before the next write.
    const after = (await api.get(`/changes?since=${event?.id}`).expect(200)).body;
    expect(after.data).toEqual([]);
    await api.patch(`/participants/${created.id}`).send({ title: 'Envoy' }).expect(200);
    expect((await stream.next(2)).map(brief)).toEqual([
      `created participant ${created.id}`,
      `updated participant ${created.id}`,
    ]);
    stream.close();
  });

  it('resumes after Last-Event-ID with exactly the changes it missed', async () => {
    const { app, api } = await buildTestApp({ config: FAST });
    const first = await open(app, '/changes/stream');
    const a = (
      await api
        .post('/participants')
        .send(newParticipant({ name: 'A' }))
        .expect(201)
    ).body;
    const [seen] = await first.next(1);
    first.close();
    const missed = [];
    for (const name of ['B', 'C', 'D']) {
      missed.push((await api.post('/participants').send(newParticipant({ name })).expect(201)).body);
    }
    const again = await open(app, '/changes/stream', { 'last-event-id': seen?.id ?? '' });
    expect((await again.next(3)).map(brief)).toEqual(missed.map((p) => `created participant ${p.id}`));
    // Nothing more: A is not sent again.
    await sleep(400);
    expect(again.events.map(brief)).not.toContain(`created participant ${a.id}`);
    expect(again.events).toHaveLength(3);
    // `since` starts a stream the same way, and Last-Event-ID wins over it.
    const both = await open(app, `/changes/stream?since=${seen?.id}`, {
      'last-event-id': again.events[1]?.id ?? '',
    });
    expect((await both.next(1)).map(brief)).toEqual([`created participant ${missed[2]?.id}`]);
    again.close();
    both.close();
  });

  it('sends a filtered stream only the changes of its trip', async () => {
    const { app, api } = await buildTestApp({ config: FAST });
    const a = (
      await api
        .post('/trips')
        .send(newTrip(1, { title: 'A' }))
        .expect(201)
    ).body;
    const b = (
      await api
        .post('/trips')
        .send(newTrip(1, { title: 'B' }))
        .expect(201)
    ).body;
    const stream = await open(app, `/changes/stream?trip=${a.id}`);
    await api.post(`/trips/${b.id}/stops`).send(newStop()).expect(201);
    await api.post('/participants').send(newParticipant()).expect(201);
    const stop = (await api.post(`/trips/${a.id}/stops`).send(newStop()).expect(201)).body;
    const meeting = (
      await api.post(`/stops/${stop.id}/meetings`).send({ kind: 'press', title: 'Press' }).expect(201)
    ).body;
    expect((await stream.next(2)).map(brief)).toEqual([
      `created stop ${stop.id}`,
      `created meeting ${meeting.id}`,
    ]);
    await sleep(400);
    expect(stream.events).toHaveLength(2);
    expect(stream.events.every((e) => JSON.parse(e.data).tripId === a.id)).toBe(true);
    stream.close();
  });

  it('answers a forged token with a 400 problem, and an expired one with a problem event', async () => {
    const { app, api } = await buildTestApp({ config: FAST });
    const forged = await api.get('/changes/stream?since=abc').expect(400).expect('content-type', PROBLEM);
    expect(forged.body.errors[0].path).toBe('query.since');
    const header = await api.get('/changes/stream').set('last-event-id', 'abc').expect(400);
    expect(header.body.errors[0].path).toBe('header.last-event-id');
    const old = (await api.get('/changes').expect(200)).body.nextToken;
    await api.post('/participants').send(newParticipant()).expect(201);
    const cutoff = new Date(Date.now() + 60_000).toISOString();
    await app.database.transaction((tx) => app.repos.changes.pruneBefore(cutoff, tx));
    const stream = await open(app, '/changes/stream', { 'last-event-id': old });
    await stream.ended;
    expect(stream.events.map((e) => e.event)).toEqual(['problem']);
    expect(JSON.parse(stream.events[0]?.data ?? '{}')).toMatchObject({ status: 410, code: 'token_expired' });
  });

  it('bounds the streams each client keeps open, and sends heartbeats', async () => {
    const { app } = await buildTestApp({
      config: { ...FAST, CHANGES_STREAMS_PER_CLIENT: 2, CHANGES_STREAM_HEARTBEAT_MS: 1000 },
    });
    const one = await open(app, '/changes/stream');
    const two = await open(app, '/changes/stream');
    const three = await open(app, '/changes/stream');
    expect(three.status).toBe(429);
    expect(three.headers.get('content-type')).toMatch(PROBLEM);
    one.close();
    await sleep(300);
    const four = await open(app, '/changes/stream');
    expect(four.status).toBe(200);
    await sleep(1500);
    expect(two.comments.some((c) => c.includes('heartbeat'))).toBe(true);
    two.close();
    four.close();
  });

  it('answers HEAD with the stream’s headers and no body', async () => {
    const { app } = await buildTestApp({ config: FAST });
    const head = await fetch(`${await listening(app)}/changes/stream`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(5000),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('lets the server close while streams are open', async () => {
    const { app } = await buildTestApp({ config: FAST });
    const stream = await open(app, '/changes/stream');
    const started = Date.now();
    await app.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('sends a stream on one instance the writes made on another', async () => {
    const where =
      TEST_ENGINE === 'postgres'
        ? { config: { ...FAST, DATABASE_URL: await testDatabaseUrl() } }
        : { config: FAST, databasePath: join(dir, 'shared.db') };
    const one = await buildTestApp(where);
    const two = await buildTestApp({ ...where, seed: false });
    const stream = await open(one.app, '/changes/stream');
    const made = (
      await two.api
        .post('/participants')
        .send(newParticipant({ name: 'Elsewhere' }))
        .expect(201)
    ).body;
    expect((await stream.next(1)).map(brief)).toEqual([`created participant ${made.id}`]);
    stream.close();
  });
});
