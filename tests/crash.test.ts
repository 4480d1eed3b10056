import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db/driver.js';
import { checkIntegrity, type IntegrityReport } from '../src/db/maintenance.js';
import { openPostgres } from '../src/db/postgres.js';
import { TEST_ENGINE, testDatabaseUrl } from './helpers.js';

// Durability under a crash: the real server runs as a child process, takes a stream of concurrent writes and is
// killed with SIGKILL at a random moment, several rounds over one database. After each kill the database, as the
// crash left it, must pass the engine's integrity checks, hold every write that was answered 2xx, and hold each
// write whose answer was lost either whole (row, attendance, change-feed row, audit rows, search row) or not at
// all. Each restart must then serve the acknowledged writes.
//
// On both engines (vitest.config.ts): on SQLite the killed process is the one that owns the file, which the next
// start recovers; on PostgreSQL it is the API instance, whose transactions were cut off mid-way on its pooled
// connections, and the database is read through another connection.
//
// The schedule comes from a seeded PRNG, printed at the start; CRASH_SEED=<n> replays it. The kill still lands
// wherever the two processes happen to be at that millisecond, so a replay repeats the schedule, not the crash.

const ROUNDS = 5;
// Several requests in flight, so that each kill cuts some of them off at different stages.
const CONCURRENCY = 6;
const STOP_ID = 4; // Buenos Aires, 2018-02-04 to 2018-02-05, in the seed.
const TRIP_ID = 1;
// Two attendance rows, so a meeting is three rows (plus their trigger rows) written in one transaction.
const ATTENDEES = [
  { participantId: 1, role: 'attendee' },
  { participantId: 7, role: 'counterpart' },
] as const;

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'itinerary-crash-'));
const databasePath = join(dir, 'crash.db');

let server: ChildProcess | undefined;
afterAll(async () => {
  // Whatever failed, no server outlives the test.
  if (server) await killServer(server);
  rmSync(dir, { recursive: true, force: true });
});

/** mulberry32: small, fast and good enough to vary a schedule reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The PostgreSQL database of the test (made in the test, as testDatabaseUrl needs the run's template). */
let databaseUrl: string | undefined;

const childEnv = (extra: Record<string, string> = {}) => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else env.DATABASE_PATH = databasePath;
  return env;
};

/** Starts `node --import tsx src/server.ts` on a free loopback port and answers its base URL once it listens. */
async function startServer(): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/server.ts')], {
    cwd: root,
    env: childEnv({
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'production',
      // info: the "Server listening at" line is how the port chosen by the OS becomes known.
      LOG_LEVEL: 'info',
      SEED_ON_START: 'true',
      RATE_LIMIT_MAX: '1000000',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 20 s:\n${errors}`)), 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${errors}`));
    });
    // Every line is read to the end, not only until the port shows: request logs that nobody drains would fill
    // the pipe and stall the server on a write.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, base, stderr: () => errors };
}

async function killServer(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  if (server === child) server = undefined;
}

type Kind = 'participant' | 'meeting' | 'patch';
type Outcome =
  | { state: 'acked'; status: number; body: { id?: number; version?: number } | undefined }
  | { state: 'rejected'; status: number; body: string }
  | { state: 'unknown'; error: string };
/** One write: `label` is the participant's name, the meeting's title or the trip's new summary. */
type Write = { round: number; kind: Kind; label: string; outcome?: Outcome };

/** Sends writes from CONCURRENCY workers until `stop()` says so; records each write's outcome. */
function writeStream(base: string, token: string, round: number, random: () => number) {
  const writes: Write[] = [];
  let stopped = false;
  let n = 0;
  // Resolved by the first acknowledged write, so that a slow start on a loaded machine does not leave a round with
  // nothing acknowledged to check.
  let acknowledged: () => void = () => {};
  const firstAck = new Promise<void>((resolve) => {
    acknowledged = resolve;
  });
  const send = async (write: Write, method: string, path: string, body: unknown) => {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      // Once a 2xx status line has arrived the server has committed; the body may still be cut off by the kill,
      // so the write counts as acknowledged even when only the status made it.
      const text = await res.text().catch(() => undefined);
      if (res.ok) {
        let parsed: { id?: number; version?: number } | undefined;
        try {
          parsed = text === undefined ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        write.outcome = { state: 'acked', status: res.status, body: parsed };
        acknowledged();
      } else {
        write.outcome = { state: 'rejected', status: res.status, body: text ?? '' };
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      write.outcome = { state: 'unknown', error: `${(error as Error).message}${cause ? ` (${cause})` : ''}` };
    }
  };
  const worker = async () => {
    while (!stopped) {
      n += 1;
      const label = `crash-r${round}-${n}`;
      const pick = random();
      if (pick < 0.45) {
        const write: Write = { round, kind: 'participant', label };
        writes.push(write);
        await send(write, 'POST', '/participants', { kind: 'person', name: label, title: 'Crash test' });
      } else if (pick < 0.85) {
        const write: Write = { round, kind: 'meeting', label };
        writes.push(write);
        await send(write, 'POST', `/stops/${STOP_ID}/meetings`, {
          kind: 'bilateral',
          title: label,
          date: '2018-02-04',
          participants: ATTENDEES,
        });
      } else {
        const write: Write = { round, kind: 'patch', label };
        writes.push(write);
        await send(write, 'PATCH', `/trips/${TRIP_ID}`, { summary: label });
      }
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  return {
    writes,
    firstAck,
    stop: () => {
      stopped = true;
    },
    done: Promise.all(workers),
  };
}

/** Read access to the database as the kill left it, on either engine: `?` placeholders, rows as named. */
type Reader = {
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  integrity(): Promise<IntegrityReport>;
  close(): Promise<void>;
};

/**
 * SQLite: the file, read-only, so that closing this connection neither checkpoints nor removes the WAL: the next
 * server start must recover the file itself, as it would in production. PostgreSQL: a connection of its own.
 */
async function openReader(): Promise<Reader> {
  if (databaseUrl) {
    const url = databaseUrl;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      all: async <T>(text: string, ...params: unknown[]) => {
        let n = 0;
        return (
          await client.query(
            text.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows as T[];
      },
      integrity: async () => {
        const handle = openPostgres(url, { poolSize: 1 });
        try {
          return await handle.checkIntegrity();
        } finally {
          await handle.close();
        }
      },
      close: () => client.end(),
    };
  }
  const sqlite = new Database(databasePath, { readonly: true, fileMustExist: true });
  return {
    all: async <T>(text: string, ...params: unknown[]) => sqlite.prepare(text).all(...params) as T[],
    integrity: async () => checkIntegrity(sqlite),
    close: async () => {
      sqlite.close();
    },
  };
}

/**
 * The record is in the search index with this title (`title` an SQL expression): PostgreSQL's table keys its rows
 * by type and id; SQLite's FTS5 rowid encodes them, and a record written since the last flush is noted in
 * search_pending instead (migration 0014), in the same transaction as the write.
 */
function indexedAs(type: 'participant' | 'meeting', id: string, title: string): string {
  if (databaseUrl) {
    return `exists (select 1 from search_index s where s.type = '${type}' and s.ref_id = ${id} and s.title = ${title})`;
  }
  const doc = `${id} * 4 + ${type === 'participant' ? 3 : 2}`;
  return `(exists (select 1 from search_index s where s.rowid = ${doc} and s.title = ${title})
             or exists (select 1 from search_pending n where n.doc = ${doc}))`;
}

/** Reads the database as the kill left it (see openReader). */
async function inspect(writes: Write[], round: number) {
  const reader = await openReader();
  try {
    const integrity = await reader.integrity();
    const all = <T>(sql: string, ...params: unknown[]) => reader.all<T>(sql, ...params);
    const one = async <T>(sql: string, ...params: unknown[]) => (await all<T>(sql, ...params))[0];

    // Whole-or-nothing for every crash write, answered or not: each row that exists has all its companions.
    const brokenParticipants = await all<{ id: number; name: string }>(
      `select p.id, p.name from participants p where p.name like 'crash-%' and (
         (select count(*) from participants q where q.name = p.name) <> 1
         or not exists (select 1 from changes c where c.resource = 'participant' and c.resource_id = p.id
                          and c.action = 'created')
         or not exists (select 1 from audit_log a where a.resource = 'participant' and a.resource_id = p.id
                          and a.operation = 'create' and a.key_name = 'crash')
         or not ${indexedAs('participant', 'p.id', 'p.name')})`,
    );
    const brokenMeetings = await all<{ id: number; title: string }>(
      `select m.id, m.title from meetings m where m.title like 'crash-%' and (
         (select count(*) from meetings q where q.title = m.title) <> 1
         or (select count(*) from meeting_participants mp where mp.meeting_id = m.id) <> ${ATTENDEES.length}
         or (select count(*) from audit_log a where a.resource = 'attendance' and a.resource_id = m.id
               and a.operation = 'create' and a.key_name = 'crash') <> ${ATTENDEES.length}
         or not exists (select 1 from changes c where c.resource = 'meeting' and c.resource_id = m.id
                          and c.action = 'created')
         or not exists (select 1 from audit_log a where a.resource = 'meeting' and a.resource_id = m.id
                          and a.operation = 'create' and a.key_name = 'crash')
         or not ${indexedAs('meeting', 'm.id', 'm.title')})`,
    );
    const attendance = await all<{ meetingId: number; participantId: number; role: string }>(
      `select mp.meeting_id as "meetingId", mp.participant_id as "participantId", mp.role from meeting_participants mp
         join meetings m on m.id = mp.meeting_id where m.title like 'crash-%'
         order by mp.meeting_id, mp.participant_id`,
    );
    // Companion rows whose main row is missing: the other half of a half-written create.
    const orphans = await all<{ resource: string; id: number }>(
      `select a.resource, a.resource_id as id from audit_log a where a.key_name = 'crash' and a.operation = 'create'
         and ((a.resource = 'participant' and not exists (select 1 from participants p where p.id = a.resource_id))
           or (a.resource in ('meeting', 'attendance')
                 and not exists (select 1 from meetings m where m.id = a.resource_id)))`,
    );

    // The trip: one change row and one audit row per version, and the stored summary is that of its version.
    const trip = await one<{ version: number; summary: string | null }>(
      'select version, summary from trips where id = ?',
      TRIP_ID,
    );
    const tripChanges = (
      await all<{ version: number }>(
        `select version from changes where resource = 'trip' and resource_id = ? and action = 'updated'
         order by seq`,
        TRIP_ID,
      )
    ).map((r) => r.version);
    const tripAudit = await all<{ version: number; summary: string | null }>(
      `select version, ${databaseUrl ? `after ->> 'summary'` : `json_extract(after, '$.summary')`} as summary from audit_log
         where resource = 'trip' and resource_id = ? and operation = 'update' order by id`,
      TRIP_ID,
    );

    const present = {
      participant: new Map(
        (
          await all<{ id: number; name: string }>(
            `select id, name from participants where name like 'crash-%'`,
          )
        ).map((r) => [r.name, r.id]),
      ),
      meeting: new Map(
        (
          await all<{ id: number; title: string }>(
            `select id, title from meetings where title like 'crash-%'`,
          )
        ).map((r) => [r.title, r.id]),
      ),
      patch: new Map(tripAudit.map((r) => [r.summary ?? '', r.version])),
    };
    const missing: string[] = [];
    const unknown = { landed: 0, lost: 0 };
    for (const write of writes) {
      const id = present[write.kind].get(write.label);
      if (write.outcome?.state === 'acked') {
        if (id === undefined)
          missing.push(`${write.kind} ${write.label} was answered ${write.outcome.status}`);
        // The id (or version) the client was told is the one stored.
        const told = write.kind === 'patch' ? write.outcome.body?.version : write.outcome.body?.id;
        if (id !== undefined && told !== undefined && told !== id) {
          missing.push(`${write.kind} ${write.label} was answered as ${told} but is stored as ${id}`);
        }
      } else if (write.outcome?.state === 'unknown' && write.round === round) {
        if (id === undefined) unknown.lost += 1;
        else unknown.landed += 1;
      }
    }
    return {
      integrity,
      brokenParticipants,
      brokenMeetings,
      badAttendance: attendance.filter(
        (a) => !ATTENDEES.some((e) => e.participantId === a.participantId && e.role === a.role),
      ),
      orphans,
      trip,
      tripChanges,
      tripAudit,
      missing,
      unknown,
    };
  } finally {
    await reader.close();
  }
}

/** Through the restarted server's API: every acknowledged write of the round is served as it was answered. */
async function verifyThroughApi(base: string, writes: Write[]): Promise<string[]> {
  const problems: string[] = [];
  const acked = writes.filter((w) => w.outcome?.state === 'acked');
  const highest = Math.max(
    0,
    ...acked
      .filter((w) => w.kind === 'patch')
      .map((w) => (w.outcome as { body?: { version?: number } }).body?.version ?? 0),
  );
  const trip = (await (await fetch(`${base}/trips/${TRIP_ID}`)).json()) as { version: number };
  if (trip.version < highest)
    problems.push(`trip ${TRIP_ID} is at version ${trip.version}, below ${highest}`);
  const reads = acked.filter((w) => w.kind !== 'patch');
  for (let i = 0; i < reads.length; i += 8) {
    await Promise.all(
      reads.slice(i, i + 8).map(async (write) => {
        const id = (write.outcome as { body?: { id?: number } }).body?.id;
        if (id === undefined) return; // Only the status got through; inspect() found it by its label.
        const path =
          write.kind === 'participant' ? `/participants/${id}` : `/meetings/${id}?include=participants`;
        const res = await fetch(`${base}${path}`);
        if (res.status !== 200) {
          problems.push(`GET ${path} answered ${res.status} after the restart`);
          return;
        }
        const body = (await res.json()) as {
          name?: string;
          title?: string;
          participants?: { id: number; role: string }[];
        };
        const label = write.kind === 'participant' ? body.name : body.title;
        if (label !== write.label) problems.push(`GET ${path} answered ${label}, not ${write.label}`);
        if (write.kind === 'meeting') {
          const roles = (body.participants ?? []).map((p) => `${p.id}:${p.role}`).sort();
          const expected = ATTENDEES.map((a) => `${a.participantId}:${a.role}`).sort();
          if (roles.join() !== expected.join()) problems.push(`GET ${path} has participants ${roles.join()}`);
        }
      }),
    );
  }
  return problems;
}

describe('crash safety', () => {
  it(`keeps every acknowledged write, and nothing half-written, across ${ROUNDS} SIGKILLs`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`crash test seed ${seed} (CRASH_SEED=${seed} replays the schedule)`);
    const random = prng(seed);
    if (TEST_ENGINE === 'postgres') databaseUrl = await testDatabaseUrl();

    // The keys CLI migrates the empty file and prints the token alone on its last line.
    const keys = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/keys.ts'), 'create', '--name', 'crash', '--scope', 'write'],
      { cwd: root, env: childEnv(), encoding: 'utf8', timeout: 30_000 },
    );
    expect(keys.status, keys.stderr).toBe(0);
    const token = keys.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^itk_/);

    const history: Write[] = [];
    let previous: Write[] = [];
    for (let round = 0; round <= ROUNDS; round += 1) {
      const { child, base, stderr } = await startServer();
      // The restart recovered the file on its own; what it serves is what the last round was promised.
      expect(await verifyThroughApi(base, previous), stderr()).toEqual([]);
      if (round === ROUNDS) {
        await killServer(child);
        break;
      }

      const stream = writeStream(base, token, round, random);
      const delay = 100 + Math.floor(random() * 500);
      const started = Date.now();
      // The kill lands at a random moment after the first write was acknowledged (or after 15 s without one, which
      // the round then reports as a failure).
      await Promise.race([stream.firstAck, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      await new Promise((resolve) => setTimeout(resolve, delay));
      // No new request starts once the kill is decided; those in flight are cut off by it.
      stream.stop();
      await killServer(child);
      await stream.done;
      history.push(...stream.writes);
      previous = stream.writes;

      const counts = { acked: 0, rejected: 0, unknown: 0 };
      for (const w of stream.writes) if (w.outcome) counts[w.outcome.state] += 1;
      const report = await inspect(history, round);
      console.log(
        `round ${round}: killed after ${Date.now() - started} ms (planned ${delay}); ${stream.writes.length} writes, ` +
          `${counts.acked} acknowledged, ${counts.unknown} cut off mid-flight ` +
          `(${report.unknown.landed} landed, ${report.unknown.lost} did not), trip at v${report.trip?.version}`,
      );

      // A write the server refused (a 4xx or 5xx before the kill) would be a bug of its own, not a crash effect.
      expect(stream.writes.filter((w) => w.outcome?.state === 'rejected')).toEqual([]);
      expect(counts.acked).toBeGreaterThan(0);
      expect(report.integrity).toEqual({ ok: true, integrity: ['ok'], foreignKeys: [], text: [] });
      expect(report.missing).toEqual([]);
      expect(report.brokenParticipants).toEqual([]);
      expect(report.brokenMeetings).toEqual([]);
      expect(report.badAttendance).toEqual([]);
      expect(report.orphans).toEqual([]);
      // Versions 2..v, each written once, in order, with the audit row of each update beside it.
      const version = report.trip?.version ?? 0;
      expect(report.tripChanges).toEqual(Array.from({ length: version - 1 }, (_, i) => i + 2));
      expect(report.tripAudit.map((a) => a.version)).toEqual(report.tripChanges);
      if (version > 1) expect(report.trip?.summary).toBe(report.tripAudit.at(-1)?.summary);
    }
  }, 90_000);
});
