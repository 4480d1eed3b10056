import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Several instances of the API on one PostgreSQL database and one Redis, as real processes (`npm run
// test:instances`, a step of `.ci/run` of its own: it restarts the PostgreSQL server, which no other test may see).
// Each scenario of issue 13 is checked over HTTP: a write on A read on B, racing writes, Idempotency-Key, strict
// double booking, the change feed, a SIGKILL, the shared rate limit, and PostgreSQL restarted under load.

const base = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!base || !redisUrl)
  throw new Error('npm run test:instances needs TEST_DATABASE_URL and REDIS_URL (.ci/run sets them)');

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The PostgreSQL cluster to restart (pg_ctlcluster's version and name; .ci/run sets TEST_PG_CLUSTER). */
const cluster = (process.env.TEST_PG_CLUSTER ?? '15 main').split(' ');
const database = `itinerary_instances_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const url = (() => {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
})();

/** A free TCP port on 127.0.0.1. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error()),
      );
    });
  });

type Instance = { name: string; port: number; process: ChildProcess; log: string[] };
const started: Instance[] = [];

/** Starts an API process on the shared database; resolves once /health answers 200. */
async function start(name: string, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_ON_START: 'true',
      RATE_LIMIT_MAX: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance: Instance = { name, port, process: child, log: [] };
  child.stdout?.on('data', (chunk: Buffer) => instance.log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => instance.log.push(chunk.toString()));
  started.push(instance);
  for (let waited = 0; waited < 30_000; waited += 200) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${instance.log.join('')}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return instance;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not answer /health in 30 s: ${instance.log.join('')}`);
}

let token = '';
const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** A request to an instance; answers status, headers and the parsed body (or text). */
async function call(instance: Instance, method: string, path: string, body?: unknown, headers = {}) {
  const res = await fetch(`http://127.0.0.1:${instance.port}${path}`, {
    method,
    headers: { ...auth(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status: res.status, headers: res.headers, body: json as Record<string, unknown> };
}

let a: Instance;
let b: Instance;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  // Both start at once: one migrates and seeds, the other waits for the migration lock.
  [a, b] = await Promise.all([start('A'), start('B')]);
  const created = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', 'instances', '--scope', 'admin'],
    { cwd: root, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' },
  );
  expect(created.status, created.stderr).toBe(0);
  token = created.stdout.trim().split('\n').at(-1) ?? '';
}, 90_000);

afterAll(async () => {
  for (const instance of started) {
    // An instance that ended by itself says why.
    if (instance.process.exitCode !== null || instance.process.signalCode === null) {
      if (instance.process.exitCode !== null)
        console.error(`${instance.name} ended: ${instance.log.join('').slice(-4000)}`);
    }
    instance.process.kill('SIGKILL');
  }
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

describe('two instances on one PostgreSQL database', () => {
  it('both migrated once and seeded once', async () => {
    const trips = await call(b, 'GET', '/trips');
    expect((trips.body.data as unknown[]).length).toBe(1);
  });

  it('a write acknowledged by A is read by B at once, with a new ETag, every time', async () => {
    let etag = (await call(b, 'GET', '/trips/1?include=stops,meetings')).headers.get('etag');
    for (let i = 0; i < 60; i += 1) {
      const summary = `Summary ${i} ${randomUUID()}`;
      expect((await call(a, 'PATCH', '/trips/1', { summary })).status).toBe(200);
      const read = await call(b, 'GET', '/trips/1?include=stops,meetings');
      expect(read.body.summary, `round ${i}`).toBe(summary);
      expect(read.headers.get('etag')).not.toBe(etag);
      etag = read.headers.get('etag');
      // The calendar too: a cached calendar on B learns of the write on A.
      const title = `Meeting ${i}`;
      expect((await call(a, 'PATCH', '/meetings/8', { title })).status).toBe(200);
      expect((await call(b, 'GET', '/trips/1/calendar.ics')).body as unknown as string).toContain(title);
    }
  });

  it('PATCHes with the same If-Match on A and B: exactly one 200, the other 412', async () => {
    for (let round = 0; round < 10; round += 1) {
      const tag = (await call(a, 'GET', '/meetings/8')).headers.get('etag') ?? '';
      const answers = await Promise.all(
        [a, b].map((instance) =>
          call(
            instance,
            'PATCH',
            '/meetings/8',
            { description: `${instance.name} ${round}` },
            { 'if-match': tag },
          ),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 412]);
    }
  });

  it('the same Idempotency-Key POSTed to A and B at once creates one record', async () => {
    const key = randomUUID();
    const name = `Idempotent ${key}`;
    const answers = await Promise.all(
      [a, b, a, b].map((instance) =>
        call(instance, 'POST', '/participants', { name }, { 'idempotency-key': key }),
      ),
    );
    expect(answers.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const found = await call(b, 'GET', `/participants?q=${encodeURIComponent(key)}`);
    expect((found.body.data as unknown[]).length).toBe(1);
  });

  it('strict writes double-booking one person, racing on A and B: at most one succeeds', async () => {
    const person = (await call(a, 'POST', '/participants', { name: `Booked ${randomUUID()}` })).body
      .id as number;
    const meeting = (i: number) => ({
      kind: 'bilateral',
      title: `Double booking ${i}`,
      date: '2018-02-02',
      startTime: '10:00',
      endTime: '11:00',
      participants: [{ participantId: person, role: 'attendee' }],
    });
    const answers = await Promise.all(
      [a, b, a, b, a, b].map((instance, i) =>
        call(instance, 'POST', '/stops/2/meetings', meeting(i), { prefer: 'handling=strict' }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('/changes read through B while A and B write: every change seen once, none skipped', async () => {
    let since = (await call(b, 'GET', '/changes')).body.nextToken as string;
    const seen: string[] = [];
    const created: number[] = [];
    let writing = true;
    const writers = (async () => {
      for (let i = 0; i < 40; i += 1) {
        const answers = await Promise.all(
          [a, b].map((instance) =>
            call(instance, 'POST', '/participants', { name: `Feed ${i} ${instance.name}` }),
          ),
        );
        for (const r of answers) created.push(r.body.id as number);
      }
      writing = false;
    })();
    for (let idle = 0; writing || idle < 3; ) {
      const page = await call(b, 'GET', `/changes?since=${since}&limit=7`);
      const data = page.body.data as { type: string; id: number; action: string }[];
      seen.push(...data.filter((c) => c.type === 'participant').map((c) => `${c.id}`));
      since = page.body.nextToken as string;
      idle = writing || data.length > 0 ? 0 : idle + 1;
      if (data.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await writers;
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.map(Number).sort((x, y) => x - y)).toEqual([...created].sort((x, y) => x - y));
  });

  it('the rate limit holds across both instances', async () => {
    const redis = new Redis(redisUrl);
    const stale = await redis.keys('itinerary-rate-limit:*');
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
    const limited = { RATE_LIMIT_MAX: '10' };
    const [c, d] = await Promise.all([start('C', limited), start('D', limited)]);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      statuses.push((await fetch(`http://127.0.0.1:${(i % 2 === 0 ? c : d).port}/trips`)).status);
    }
    // /health is counted too: the start-up checks above spent some of the address's budget.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    for (const instance of [c, d]) instance.process.kill('SIGKILL');
  }, 60_000);

  it('SIGKILL of A under a stream of writes: every write A acknowledged is present, B answers throughout', async () => {
    const acknowledged: number[] = [];
    let killed = false;
    const stream = (async () => {
      for (let i = 0; !killed && i < 500; i += 1) {
        const r = await call(a, 'POST', '/participants', { name: `Before the kill ${i}` }).catch(
          () => undefined,
        );
        if (r?.status === 201) acknowledged.push(r.body.id as number);
      }
    })();
    const reads: number[] = [];
    const reader = (async () => {
      for (let i = 0; i < 40; i += 1) {
        reads.push((await call(b, 'GET', '/trips/1?include=stops')).status);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    a.process.kill('SIGKILL');
    killed = true;
    await Promise.all([stream, reader]);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(reads.every((s) => s === 200)).toBe(true);
    for (const id of acknowledged) expect((await call(b, 'GET', `/participants/${id}`)).status).toBe(200);
    a = await start('A again');
  }, 60_000);

  it('PostgreSQL restarted in immediate mode under writes: 503 problems meanwhile, service again by itself', async () => {
    const acknowledged: number[] = [];
    const statuses: number[] = [];
    let running = true;
    const writers = (async () => {
      for (let i = 0; running; i += 1) {
        const r = await call(i % 2 === 0 ? a : b, 'POST', '/participants', {
          name: `Around the restart ${i}`,
        }).catch(() => undefined);
        if (!r) continue;
        statuses.push(r.status);
        if (r.status === 201) acknowledged.push(r.body.id as number);
        else {
          // Never a crash, never a 500 with internals: a problem that says the database is away.
          const instance = i % 2 === 0 ? a : b;
          expect(
            r.status,
            `${instance.name}: ${JSON.stringify(r.body)}\n${instance.log.join('').slice(-3000)}`,
          ).toBe(503);
          expect(r.body.code, JSON.stringify(r.body)).toBe('database_unavailable');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Asynchronously: the writers go on while the server goes down and comes back.
    const restart = spawn(
      'pg_ctlcluster',
      ['--skip-systemctl-redirect', ...cluster, 'restart', '-m', 'immediate'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let restartError = '';
    restart.stderr?.on('data', (chunk: Buffer) => {
      restartError += chunk.toString();
    });
    const restarted = await new Promise<number | null>((resolve) => restart.on('close', resolve));
    expect(restarted, restartError).toBe(0);
    // Serving again by itself: both instances answer writes within a few seconds.
    for (const instance of [a, b]) {
      let ok = false;
      for (let waited = 0; waited < 20_000 && !ok; waited += 200) {
        ok = (await call(instance, 'POST', '/participants', { name: 'After the restart' })).status === 201;
        if (!ok) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(ok, `${instance.name} serves again`).toBe(true);
    }
    running = false;
    await writers;
    // Writes landed around the restart. While the server was down, a write either waited for a connection and
    // landed, or was told the database was away (503, checked above): which one depends on the restart's timing.
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(statuses.includes(201)).toBe(true);
    for (const id of acknowledged) expect((await call(a, 'GET', `/participants/${id}`)).status).toBe(200);
    for (const instance of [a, b]) expect(instance.process.exitCode).toBeNull();
  }, 90_000);
});
