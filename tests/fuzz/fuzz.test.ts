import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, sqlRows } from '../helpers.js';
import { Checker } from './checker.js';
import { loadDocument, operationsOf } from './document.js';
import { newState } from './learnt-values.js';
import { report } from './report.js';
import { type FuzzRequest, requestFor } from './requests.js';
import { type Agent, type Answer, learn, resolveRequest, type Sent, send } from './sending.js';

// Fuzzing (issue "Write safety and security"): every operation of the OpenAPI document gets generated requests,
// valid and malformed, in its path, query, headers and body. Whatever arrives, the server answers below 500, with
// a status the document declares for the operation and a body that matches the declared schema, and the database
// stays whole (integrity and foreign keys). Runs per property: FUZZ_RUNS (default below); seed: FUZZ_SEED.
//
// Each property runs on one app; state accumulates across its runs (creates, deletes), as it would in use. Cursors,
// change tokens, ETags and new ids from earlier answers are reused, some of them tampered with.

const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
// Long enough for FUZZ_RUNS in the thousands, and for shrinking a failure.
const TIMEOUT = 30_000 + RUNS * 150;

const doc = loadDocument();
const operations = operationsOf(doc);
const checker = new Checker(doc);

const STRICT = process.env.FUZZ_STRICT === '1';

/**
 * Known departures from the document, reported to the lead and tolerated until fixed (FUZZ_STRICT=1 fails on
 * them too). Each matches narrowly; a 5xx or a damaged database is never tolerated. Delete an entry once fixed.
 */
const KNOWN_GAPS: { id: string; matches: (sent: Sent, answer: Answer) => boolean }[] = [];

/** With FUZZ_STATS=1, the statuses each property met: a check that the generators reach past validation. */
const stats = new Map<string, Map<number, number>>();
const count = (label: string, status: number) => {
  const counts = stats.get(label) ?? new Map<number, number>();
  counts.set(status, (counts.get(status) ?? 0) + 1);
  stats.set(label, counts);
};

const tolerated = new Map<string, { count: number; example: string }>();

function knownGap(sent: Sent, answer: Answer, faults: string[]): boolean {
  if (STRICT || answer.status >= 500) return false;
  const gap = KNOWN_GAPS.find((candidate) => candidate.matches(sent, answer));
  if (!gap) return false;
  const seen = tolerated.get(gap.id);
  if (seen) seen.count += 1;
  else tolerated.set(gap.id, { count: 1, example: report(sent, answer, faults) });
  return true;
}

/**
 * The engine's own check of the data (db:check's): on SQLite integrity_check, foreign_key_check and text that is
 * not UTF-8 (a lone surrogate that got through is damage no PRAGMA sees); on PostgreSQL, which enforces its keys
 * and encoding itself, invalid indexes and constraints.
 */
async function databaseFaults(app: FastifyInstance): Promise<string[]> {
  const report = await app.database.checkIntegrity();
  if (report.ok) return [];
  return [
    ...report.integrity.filter((line) => line !== 'ok').map((line) => `integrity: ${line}`),
    ...report.foreignKeys.slice(0, 5).map((line) => `foreign keys: ${line}`),
    ...report.text.slice(0, 5).map((line) => `text: ${line}`),
  ];
}

/** What the data is now, in a few numbers per table: it changes with any write that lands. */
async function dataFingerprint(app: FastifyInstance): Promise<string> {
  const parts: string[] = [];
  for (const table of ['trips', 'stops', 'meetings', 'participants']) {
    const [row] = await sqlRows<{ n: number; versions: number; last: string }>(
      app,
      `select count(*) as n, coalesce(sum(version), 0) as versions, coalesce(max(updated_at), '') as last from ${table}`,
    );
    parts.push(`${row?.n}:${row?.versions}:${row?.last}`);
  }
  const attendance = await sqlRows<{ meeting_id: number; participant_id: number; role: string }>(
    app,
    'select meeting_id, participant_id, role from meeting_participants order by meeting_id, participant_id',
  );
  parts.push(attendance.map((a) => `${a.meeting_id}-${a.participant_id}-${a.role}`).join(','));
  return parts.join('|');
}

const oneLine = (sent: Sent, answer: Answer) =>
  `${sent.method.toUpperCase()} ${sent.url.slice(0, 160)}${sent.note ? ` (${sent.note}: ${String(sent.payload).slice(0, 160)})` : ''} → ${answer.status}${answer.headers['idempotent-replayed'] ? ' (replayed)' : ''}`;

/** The request as the server compares it for Idempotency-Key: method, URL and the parsed body. */
function requestIdentity(sent: Sent): string {
  const text = Buffer.isBuffer(sent.payload) ? sent.payload.toString('utf8') : (sent.payload ?? '');
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text));
  } catch {
    // Not JSON: compared as sent.
  }
  return `${sent.method} ${sent.url}\n${body}`;
}

/** A replayed answer (Idempotent-Replayed) must repeat, exactly, an earlier answer to the same key and request. */
function replayFaults(
  keyed: Map<string, { request: string; status: number; text: string }[]>,
  sent: Sent,
  answer: Answer,
): string[] {
  const key = sent.headers['idempotency-key'];
  if (key === undefined) return [];
  const request = requestIdentity(sent);
  const earlier = keyed.get(key) ?? [];
  keyed.set(key, [...earlier, { request, status: answer.status, text: answer.text }]);
  if (answer.headers['idempotent-replayed'] !== 'true') return [];
  const same = earlier.filter((e) => e.request === request);
  if (same.length === 0) return [`replayed an answer, but no earlier request with key ${key} was this one`];
  if (!same.some((e) => e.status === answer.status && e.text === answer.text)) {
    return [`the replay differs from every earlier answer to this request (${same.map((e) => e.status)})`];
  }
  return [];
}

/**
 * One app and what it has taught so far. `run` sends a request and throws a readable report on any fault. As the
 * state carries over between runs, shrinking replays requests on a database that earlier runs changed: `check`
 * puts first the first failure as it happened, with the writes that led up to it.
 */
async function harness(label: string, timeout: number) {
  const { app, api } = await buildTestApp();
  const state = newState();
  const bodyLimit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  const writes: string[] = [];
  /** Answers to requests that carried an Idempotency-Key, by key then request, to check replays against. */
  const keyed = new Map<string, { request: string; status: number; text: string }[]>();
  let first: string | undefined;
  const fail = (message: string) => {
    first ??= `${message}\n\nThe writes before it, oldest first:\n${writes.join('\n') || '(none)'}`;
    throw new Error(message);
  };
  /** Sends one request and checks its answer; `alone` is false when others are in flight at the same time. */
  let previous: Sent | undefined;
  const run = async (request: FuzzRequest, alone = true) => {
    const sent = request.retry && previous ? previous : resolveRequest(request, state, bodyLimit);
    previous = sent;
    const before = await dataFingerprint(app);
    let answer: Answer;
    try {
      answer = await send(api as unknown as Agent, sent);
    } catch (error) {
      return fail(report(sent, undefined, [`no answer: ${(error as Error).message}`]));
    }
    const wrote = (await dataFingerprint(app)) !== before;
    learn(state, sent, answer);
    count(label, answer.status);
    if (process.env.FUZZ_TRACE === '1') console.info(`${oneLine(sent, answer)} ${answer.text.slice(0, 200)}`);
    if (wrote && alone) {
      writes.push(oneLine(sent, answer));
      if (writes.length > 20) writes.shift();
    }
    const found = [...checker.check(sent, answer), ...(alone ? replayFaults(keyed, sent, answer) : [])];
    const faults = [
      ...(found.length > 0 && knownGap(sent, answer, found) ? [] : found),
      ...(alone && wrote && (sent.method === 'get' || answer.status >= 400)
        ? [`the request changed the database although it ${sent.method === 'get' ? 'only reads' : 'failed'}`]
        : []),
      ...(await databaseFaults(app)),
    ];
    if (faults.length > 0) fail(report(sent, answer, faults));
  };
  /** Runs the property; on failure, the first failure comes before fast-check's shrunk counterexample. */
  const check = async (property: fc.IAsyncProperty<[FuzzRequest]> | fc.IAsyncProperty<[FuzzRequest[]]>) => {
    try {
      await fc.assert(property as fc.IAsyncProperty<[unknown]>, settings(timeout));
    } catch (error) {
      if (!first) throw error;
      throw new Error(`First failure:\n${first}\n\nShrunk:\n${(error as Error).message}`);
    }
    expect((await api.get('/health')).status).toBe(200);
    expect(await databaseFaults(app)).toEqual([]);
  };
  return { run, check };
}

const settings = (timeout: number): fc.Parameters<unknown> => ({
  numRuns: RUNS,
  seed: SEED,
  // Stop (shrinking, above all) in time to report what was found rather than hit the test's timeout.
  interruptAfterTimeLimit: timeout - 10_000,
  markInterruptAsFailure: false,
});

describe('fuzzing every operation of the OpenAPI document', () => {
  beforeAll(() => {
    console.info(`fuzz: seed ${SEED}, ${RUNS} runs per property (set FUZZ_SEED and FUZZ_RUNS to change)`);
  });

  afterAll(() => {
    if (process.env.FUZZ_STATS === '1') {
      for (const [label, counts] of stats) {
        const line = [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
        console.info(`fuzz: ${label.padEnd(50)} ${line.join(' ')}`);
      }
    }
    for (const [id, { count, example }] of tolerated) {
      console.warn(`fuzz: tolerated ${count}× a known gap: ${id}\n${example}\n`);
    }
  });

  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const op of operations) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
  });

  it('holds answers to the document (the checker itself)', () => {
    const get = (url: string, headers: Record<string, string> = {}): Sent => ({
      method: 'get',
      url,
      headers,
      oversize: false,
    });
    const json = (status: number, body: unknown, type = 'application/json; charset=utf-8'): Answer => ({
      status,
      headers: { 'content-type': type },
      text: JSON.stringify(body),
    });
    const problem = {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'x',
      instance: '/trips/9',
    };
    expect(checker.check(get('/trips/9'), json(404, problem, 'application/problem+json'))).toEqual([]);
    expect(
      checker.check(get('/trips/9'), json(404, { ...problem, extra: 1 }, 'application/problem+json')),
    ).not.toEqual([]);
    expect(checker.check(get('/trips/9'), json(404, problem))).not.toEqual([]);
    expect(
      checker.check(get('/trips/9'), json(418, { ...problem, status: 418 }, 'application/problem+json')),
    ).not.toEqual([]);
    expect(
      checker.check(get('/trips/9'), json(500, { ...problem, status: 500 }, 'application/problem+json')),
    ).not.toEqual([]);
    expect(checker.check(get('/trips/1'), json(200, { id: 1 }))).not.toEqual([]);
    expect(checker.check(get('/trips'), json(200, { data: [{ id: 'x' }], nextCursor: null }))).not.toEqual(
      [],
    );
    expect(checker.check(get('/trips'), json(200, { data: [], nextCursor: null }))).toEqual([]);
    expect(checker.check(get('/trips'), { status: 304, headers: {}, text: '' })).not.toEqual([]);
  });

  it.each(operations.map((op) => [op.label, op] as const))(
    '%s',
    async (_label, op) => {
      const { run, check } = await harness(op.label, TIMEOUT);
      await check(fc.asyncProperty(requestFor(op, doc), (request) => run(request)));
    },
    TIMEOUT,
  );

  it(
    'random walks across all operations on one database',
    async () => {
      const { run, check } = await harness('random walk', TIMEOUT * 4);
      const anyRequest = fc.oneof(...operations.map((op) => requestFor(op, doc)));
      const walk = fc.array(anyRequest, { minLength: 1, maxLength: 8 });
      await check(
        fc.asyncProperty(walk, async (requests) => {
          for (const request of requests) await run(request);
        }),
      );
    },
    TIMEOUT * 4,
  );

  it(
    'concurrent bursts across all operations on one database',
    async () => {
      const { run, check } = await harness('concurrent bursts', TIMEOUT * 4);
      const anyRequest = fc.oneof(...operations.map((op) => requestFor(op, doc)));
      const burst = fc.array(anyRequest, { minLength: 2, maxLength: 8 });
      await check(
        fc.asyncProperty(burst, async (requests) => {
          await Promise.all(requests.map((request) => run(request, false)));
        }),
      );
    },
    TIMEOUT * 4,
  );
});
