import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { DEFAULT_DATASET } from '../scripts/dataset.js';
import { Database } from '../src/db/driver.js';
import { ratiosToCeiling, regressions } from './lib/guard.js';
import { cycling, type Load, type Measurement, measure, type Workload } from './lib/load.js';
import { copyIntoPostgres } from './lib/postgres.js';
import {
  freePort,
  installCleanup,
  memoryOf,
  removeOnExit,
  runCommand,
  type Spawned,
  spawnTracked,
  stopProcess,
  waitFor200,
} from './lib/processes.js';
import { markdown, type Result, type Row, type System, type Target } from './lib/report.js';
import { type Parameters, pickParameters, writeJsonServerDb } from './lib/workload.js';

// npm run bench [-- --quick] [--scale N] [--duration S] [--warmup S] [--connections N] [--db FILE] [--no-build]
//                [--cold-starts N] [--cpu-prof] [--keep] [--engine sqlite|postgres] [--instances N]
//                [--guard REFERENCE.json] [--import-records N]
//
// --guard compares each scenario's ratio to the bare route (R1) with the same ratio in a committed result and
// exits 1 when one has fallen below a third of it, naming the scenario (bench/lib/guard.ts); .ci/run does this
// with the quick run and bench/results/quick-reference.json.
// --engine postgres copies the dataset into a database of its own on the server of BENCH_DATABASE_URL (else
// TEST_DATABASE_URL: a role that may create databases) and runs the API on it; --instances N starts N API processes
// there, and each scenario's connections are spread over them (autocannon takes several URLs).
//
// Generates the dataset (fixed seed) in a temporary folder, starts the production build of the API on it in a
// child process, measures each scenario with autocannon after a warm-up, then the two references (a bare Fastify
// route and json-server 0.17) with the same load settings, and prints the table. The JSON result goes to
// bench/results/. Exits 1 when a scenario answered errors or unexpected statuses, or a server failed.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const INCLUDE = 'include=stops,meetings,participants';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    'cold-starts': { type: 'string' },
    db: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
    engine: { type: 'string', default: 'sqlite' },
    instances: { type: 'string' },
    guard: { type: 'string' },
    'import-records': { type: 'string' },
  },
  strict: true,
});

function numberOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, not ${text}`);
    process.exit(2);
  }
  return value;
}

const quick = values.quick;
const scale = numberOption('scale', values.scale, quick ? 0.01 : 1);
const load: Load = {
  connections: Math.round(numberOption('connections', values.connections, 20)),
  duration: numberOption('duration', values.duration, quick ? 1 : 10),
  warmup: numberOption('warmup', values.warmup, quick ? 0.5 : 3),
};
/** Records in the generated travels file whose import the run times (0: none). */
const importRecords = Math.round(
  values['import-records'] === '0'
    ? 0
    : numberOption('import-records', values['import-records'], quick ? 2000 : 100000),
);
const coldStarts = Math.round(numberOption('cold-starts', values['cold-starts'], quick ? 1 : 5));
if (values.engine !== 'sqlite' && values.engine !== 'postgres') {
  console.error(`--engine must be sqlite or postgres, not ${values.engine}`);
  process.exit(2);
}
const engine = values.engine;
const instances = Math.round(numberOption('instances', values.instances, 1));
if (engine === 'sqlite' && instances !== 1) {
  console.error('--instances needs --engine postgres: SQLite is one process');
  process.exit(2);
}
const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (engine === 'postgres' && !benchDatabaseUrl) {
  console.error(
    '--engine postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL (a role that may create databases)',
  );
  process.exit(2);
}
/** The environment that points the API at the benchmark's PostgreSQL database, once it is made (main). */
const engineEnv: Record<string, string> = {};
/** Drops the benchmark's PostgreSQL database (set once it is made). */
let dropPostgres: (() => Promise<void>) | null = null;
/** Scenario ids to run (comma-separated), for profiling one at a time; the references always run. */
const only = values.only ? new Set(values.only.split(',')) : null;

// The API counts its rate limit in process, as shipped: a REDIS_URL inherited from the shell (CI and the
// instances tests set one) would add a Redis round trip to every request the benchmark measures.
delete process.env.REDIS_URL;

const log = (message: string) => console.error(`bench: ${message}`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

type Server = { spawned: Spawned; url: string; startMs: number };

async function startServer(
  args: string[],
  env: Record<string, string>,
  healthPath: string,
  port: number,
): Promise<Server> {
  const started = performance.now();
  const spawned = spawnTracked(process.execPath, args, env);
  const url = `http://127.0.0.1:${port}`;
  const startMs = await waitFor200(`${url}${healthPath}`, spawned, started);
  return { spawned, url, startMs };
}

function apiEnv(databasePath: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_PATH: databasePath,
    SEED_ON_START: 'false',
    // The limiter would answer 429 within a second of load; the benchmark measures the API, not the limit.
    RATE_LIMIT_MAX: '1000000000',
  };
}

/** The Node flags of the image's CMD (`CMD ["node", ...flags, "dist/bundle/server.js"]`), so the API runs as shipped. */
function productionNodeFlags(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])\s*$/gm)].at(-1)?.[1];
  const args = cmd ? (JSON.parse(cmd) as string[]) : [];
  const script = args.indexOf('dist/bundle/server.js');
  if (args[0] !== 'node' || script === -1)
    throw new Error(`the Dockerfile's CMD is not node … dist/bundle/server.js: ${cmd}`);
  return args.slice(1, script);
}

async function startApi(
  databasePath: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<Server> {
  const port = await freePort();
  return startServer(
    [...productionNodeFlags(), ...extraArgs, join(ROOT, 'dist', 'bundle', 'server.js')],
    { ...apiEnv(databasePath, port), ...engineEnv, ...extraEnv },
    '/health',
    port,
  );
}

/** `instances` API processes on the database (one on SQLite), started together. */
async function startApis(
  databasePath: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<Server[]> {
  return Promise.all(Array.from({ length: instances }, () => startApi(databasePath, extraArgs, extraEnv)));
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** PATCHes of meetings (with If-Match, from a pool whose versions it tracks) alternating with POSTs of meetings. */
function writeMix(params: Parameters, token: string, failures: string[]): Workload {
  // Shared by every run, so versions stay known from the warm-up to the measurement. A meeting whose PATCH was in
  // flight when a run stopped leaves the pool (its version is unknown).
  const pool = [...params.writeMeetings];
  let sequence = 0;
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  };
  const reportOnce = (what: string, status: number, body: string) => {
    if (failures.length < 20) failures.push(`${what} answered ${status}: ${body.slice(0, 300)}`);
  };
  return () => {
    const patch: autocannon.Request = {
      method: 'PATCH',
      setupRequest: (request, context) => {
        const meeting = pool.shift();
        if (!meeting) throw new Error('the write mix ran out of meetings to change');
        context.meeting = meeting;
        sequence += 1;
        request.path = `/meetings/${meeting.id}`;
        request.headers = { ...headers, 'if-match': `"v${meeting.version}"` };
        request.body = JSON.stringify({ title: `Working session ${sequence}` });
        return request;
      },
      onResponse: (status, body, context, responseHeaders) => {
        const meeting = context.meeting as { id: number; version: number };
        const version = /^"v(\d+)"$/.exec(responseHeaders.etag ?? '')?.[1];
        if (status === 200 && version) {
          meeting.version = Number(version);
          pool.push(meeting);
        } else reportOnce(`PATCH /meetings/${meeting.id}`, status, body);
      },
    };
    const post: autocannon.Request = {
      method: 'POST',
      setupRequest: (request) => {
        sequence += 1;
        const stop = params.writeStopIds[sequence % params.writeStopIds.length];
        const participant = params.participantIds[sequence % params.participantIds.length];
        request.path = `/stops/${stop}/meetings`;
        request.headers = headers;
        request.body = JSON.stringify({
          kind: 'bilateral',
          title: `Bench meeting ${sequence}`,
          topics: ['benchmark'],
          participants: [{ participantId: participant, role: 'counterpart' }],
        });
        return request;
      },
      onResponse: (status, body) => {
        if (status !== 201) reportOnce('POST /stops/{id}/meetings', status, body);
      },
    };
    return [patch, post];
  };
}

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

async function main(): Promise<number> {
  installCleanup();
  const startedAt = new Date().toISOString();
  const loadAverageBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'itinerary-bench-'));
  if (values.keep) log(`keeping ${work}`);
  else removeOnExit(work);
  const failures: string[] = [];
  const notes: string[] = [];

  if (!values['no-build']) {
    log('building (npm run build)');
    await runCommand('npm', ['run', '-s', 'build'], {});
  }

  // The dataset, timed: a fresh file, migrations, every row through the schema's constraints and triggers.
  const databasePath = join(work, 'bench.db');
  let seedAndMigrateSeconds: number | null = null;
  if (values.db) {
    log(`copying ${values.db} (not timed: seed plus migration is measured on generated datasets only)`);
    copyFileSync(values.db, databasePath);
  } else {
    log(`generating the dataset at scale ${scale}`);
    const generated = await runCommand(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'scripts', 'generate-dataset.ts'),
      '--out',
      databasePath,
      '--scale',
      String(scale),
    ]);
    seedAndMigrateSeconds = generated.seconds;
    log(generated.output.trim());
  }
  const counts = (() => {
    const db = new Database(databasePath, { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
      return {
        trips: count('trips'),
        stops: count('stops'),
        meetings: count('meetings'),
        participants: count('participants'),
        'meeting participants': count('meeting_participants'),
      };
    } finally {
      db.close();
    }
  })();
  const databaseMB = statSync(databasePath).size / 1024 / 1024;

  const cliSeedPath = join(work, 'cli-seed.db');
  const cliSeed = await runCommand(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'seed.js')], {
    DATABASE_PATH: cliSeedPath,
  });

  const listLimit = quick ? 2 : 10;
  const params = pickParameters(databasePath, {
    trips: quick ? 50 : 1000,
    listLimit,
    listDepth: 500,
  });
  const listPages = Math.ceil(params.list.matches / listLimit);
  const listDepth = Math.min(500, listPages - 1);

  // On PostgreSQL, the same rows in a database of the run's own, dropped at the end.
  let postgresCopySeconds: number | null = null;
  if (engine === 'postgres') {
    log('copying the dataset into PostgreSQL');
    const copy = await copyIntoPostgres(databasePath, benchDatabaseUrl ?? '');
    postgresCopySeconds = copy.seconds;
    engineEnv.DATABASE_URL = copy.url;
    dropPostgres = copy.drop;
    log(`copied in ${copy.seconds.toFixed(1)} s`);
  }

  const keyOutput = await runCommand(
    process.execPath,
    [join(ROOT, 'dist', 'src', 'cli', 'keys.js'), 'create', '--name', 'bench', '--scope', 'write'],
    { DATABASE_PATH: databasePath, ...engineEnv },
  );
  const token = keyOutput.output.trim().split('\n').at(-1)?.trim() ?? '';

  // Cold start: process start to the first 200 on /health, on the large database.
  const coldRuns: number[] = [];
  for (let i = 0; i < coldStarts; i += 1) {
    const server = await startApi(databasePath);
    coldRuns.push(server.startMs);
    await stopProcess(server.spawned);
  }
  log(`cold start ${coldRuns.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  const rows: Row[] = [];
  const memory: Result['memory'] = {};
  const record = (
    id: string,
    scenario: string,
    system: System,
    measurement: Measurement | null,
    note?: string,
  ) => {
    rows.push({ id, scenario, system, measurement, ...(note ? { note } : {}) });
    if (measurement) {
      log(
        `${id} ${scenario} [${system}]: ${measurement.requestsPerSecond.toFixed(0)} req/s, p50 ` +
          `${measurement.p50.toFixed(2)} ms, p99 ${measurement.p99.toFixed(2)} ms, errors ` +
          `${measurement.errors + measurement.timeouts}, non-2xx ${measurement.non2xx}`,
      );
      if (measurement.errors + measurement.timeouts > 0 || measurement.non2xx > 0) {
        failures.push(
          `${id} ${scenario} [${system}]: ${measurement.errors} errors, ${measurement.timeouts} timeouts, ` +
            `statuses ${JSON.stringify(measurement.statusCodes)}`,
        );
      }
    }
  };
  const wanted = (id: string) => only === null || only.has(id);

  // The API under test.
  const profileDir = join(RESULTS, 'profiles');
  if (values['cpu-prof']) mkdirSync(profileDir, { recursive: true });
  const apis = await startApis(
    databasePath,
    values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  // The first instance answers the harness's own questions; the load goes to every instance.
  const api = apis[0] as Server;
  const urls = apis.map((instance) => instance.url);
  const tripPaths = params.tripIds.map((id) => `/trips/${id}?${INCLUDE}`);
  // The API's own answers for scenario 1: the bare reference sends the very same objects.
  const tripBodies: Record<number, unknown> = {};
  for (const id of params.tripIds) tripBodies[id] = await getJson(`${api.url}/trips/${id}?${INCLUDE}`);
  const tripBytes = JSON.stringify(Object.values(tripBodies)).length / params.tripIds.length;
  let calendarFirstMs: { median: number; max: number } | null = null;

  try {
    if (wanted('1')) {
      record(
        '1',
        'GET /trips/{id}?include=stops,meetings,participants',
        'api',
        await measure(urls, cycling(tripPaths), load),
        `${params.tripIds.length} trips in turn, ${(tripBytes / 1024).toFixed(1)} kB mean`,
      );
    }

    const { countries, from, to } = params.list;
    const listPath = `/trips?country=${countries.join(',')}&from=${from}&to=${to}&limit=${listLimit}`;
    let deepPath = listPath;
    for (let page = 0; page < listDepth; page += 1) {
      const body = (await getJson(`${api.url}${deepPath}`)) as { nextCursor: string | null };
      if (!body.nextCursor) throw new Error(`the list ended after ${page + 1} pages`);
      deepPath = `${listPath}&cursor=${encodeURIComponent(body.nextCursor)}`;
    }
    const listNote = `${countries.length} countries, ${params.list.matches} trips, limit ${listLimit}`;
    if (wanted('2a')) {
      record(
        '2a',
        'GET /trips?country&from&to, page 1',
        'api',
        await measure(urls, cycling([listPath]), load),
        listNote,
      );
    }
    if (wanted('2b')) {
      record(
        '2b',
        `the same list, page ${listDepth + 1} (by nextCursor)`,
        'api',
        await measure(urls, cycling([deepPath]), load),
        listDepth < 500 ? `only ${listDepth + 1} pages at this scale` : '',
      );
    }
    if (wanted('3a')) {
      record(
        '3a',
        'GET /meetings?participant={id}',
        'api',
        await measure(urls, cycling(params.participantIds.map((id) => `/meetings?participant=${id}`)), load),
        `${params.participantIds.length} participants in turn`,
      );
    }
    if (wanted('3b')) {
      record(
        '3b',
        'GET /participants/{id}/schedule',
        'api',
        await measure(urls, cycling(params.participantIds.map((id) => `/participants/${id}/schedule`)), load),
        `${params.participantIds.length} participants in turn`,
      );
    }
    if (wanted('4')) {
      record(
        '4',
        'GET /search?q=',
        'api',
        await measure(
          urls,
          cycling(params.searchTerms.map((term) => `/search?q=${encodeURIComponent(term)}`)),
          load,
        ),
        `${params.searchTerms.length} terms (words, prefixes, pairs) in turn`,
      );
    }
    if (wanted('5')) {
      // Every calendar once, one at a time, before the load: the time a first build takes, and the cache holds
      // them all, so scenario 5 measures cached calendars (5* below measures builds).
      const builds: number[] = [];
      let missing = false;
      for (const id of params.tripIds) {
        const started = performance.now();
        const response = await fetch(`${api.url}/trips/${id}/calendar.ics`);
        await response.arrayBuffer();
        builds.push(performance.now() - started);
        if (response.status === 404) missing = true;
        else if (response.status !== 200)
          throw new Error(`GET /trips/${id}/calendar.ics answered ${response.status}`);
      }
      if (missing) {
        record('5', 'GET /trips/{id}/calendar.ics', 'api', null, 'n/a (endpoint missing)');
      } else {
        calendarFirstMs = { median: median(builds), max: Math.max(...builds) };
        record(
          '5',
          'GET /trips/{id}/calendar.ics, cached',
          'api',
          await measure(urls, cycling(params.tripIds.map((id) => `/trips/${id}/calendar.ics`)), load),
          `${params.tripIds.length} trips in turn, each requested once before; a first request took ` +
            `${calendarFirstMs.median.toFixed(1)} ms at the median (max ${calendarFirstMs.max.toFixed(0)} ms)`,
        );
      }
    }
    if (wanted('6')) {
      const writes = await measure(urls, writeMix(params, token, failures), load);
      record(
        '6',
        'writes: PATCH /meetings/{id} (If-Match) + POST /stops/{id}/meetings',
        'api',
        writes,
        `${writes.okPerSecond.toFixed(0)} committed/s, ${engine === 'postgres' ? 'PostgreSQL defaults (synchronous_commit on)' : 'synchronous=FULL, WAL'}`,
      );
    }
  } finally {
    const apiMemory = memoryOf(api.spawned.child.pid);
    if (apiMemory) memory.api = { peakMB: apiMemory.peak / 1024 / 1024 };
    for (const instance of apis) {
      const status = await stopProcess(instance.spawned);
      if (status !== 0)
        failures.push(`the API ended with ${status} on SIGTERM:\n${instance.spawned.output()}`);
    }
  }

  // Scenarios 1 and 5 again with the answer cache off: what building every answer costs.
  if (wanted('1') || wanted('5')) {
    const uncached = await startApis(databasePath, [], { ITINERARY_CACHE_MB: '0' });
    const uncachedUrls = uncached.map((instance) => instance.url);
    try {
      if (wanted('1')) {
        record(
          '1*',
          'the same, ITINERARY_CACHE_MB=0',
          'api',
          await measure(uncachedUrls, cycling(tripPaths), load),
          'every answer built: 5 queries, serialization, hash',
        );
      }
      if (wanted('5')) {
        record(
          '5*',
          'GET /trips/{id}/calendar.ics, ITINERARY_CACHE_MB=0',
          'api',
          await measure(uncachedUrls, cycling(params.tripIds.map((id) => `/trips/${id}/calendar.ics`)), load),
          `${params.tripIds.length} trips in turn, every calendar built`,
        );
      }
    } finally {
      for (const instance of uncached) await stopProcess(instance.spawned);
    }
  }

  // Reference 1: a bare Fastify route answering the same trip objects with JSON.stringify.
  const tripsFile = join(work, 'trips.json');
  writeFileSync(tripsFile, JSON.stringify(tripBodies));
  const barePort = await freePort();
  const bare = await startServer(
    [join(ROOT, 'bench', 'servers', 'bare.mjs'), tripsFile, String(barePort)],
    {},
    '/health',
    barePort,
  );
  try {
    record(
      'R1',
      'GET /trips/{id}: stored object, JSON.stringify',
      'bare Fastify',
      await measure(bare.url, cycling(params.tripIds.map((id) => `/trips/${id}`)), load),
      'same trips and bytes as scenario 1, no database',
    );
    record(
      'R0',
      'GET /trips/{id}: the same bytes, serialized once',
      'bare Fastify',
      await measure(bare.url, cycling(params.tripIds.map((id) => `/raw/trips/${id}`)), load),
      'a stored Buffer per trip: the ceiling for a cached answer',
    );
  } finally {
    const bareMemory = memoryOf(bare.spawned.child.pid);
    if (bareMemory) memory['bare Fastify'] = { peakMB: bareMemory.peak / 1024 / 1024 };
    await stopProcess(bare.spawned);
  }

  // Reference 2: json-server 0.17 on the same trips, stops and meetings.
  const jsonDb = join(work, 'db.json');
  writeJsonServerDb(databasePath, jsonDb);
  const jsonPort = await freePort();
  const jsonServer = await startServer(
    [
      join(ROOT, 'node_modules', 'json-server', 'lib', 'cli', 'bin.js'),
      '--port',
      String(jsonPort),
      '--host',
      '127.0.0.1',
      '--quiet',
      jsonDb,
    ],
    {},
    `/trips/${params.tripIds[0]}`,
    jsonPort,
  );
  try {
    record(
      'R2',
      'GET /trips/{id}?_embed=stops&_embed=meetings',
      'json-server',
      await measure(
        jsonServer.url,
        cycling(params.tripIds.map((id) => `/trips/${id}?_embed=stops&_embed=meetings`)),
        load,
      ),
      'same trips, stops and meetings from db.json; one level of embedding, so no participants',
    );
  } finally {
    const jsonMemory = memoryOf(jsonServer.spawned.child.pid);
    if (jsonMemory) memory['json-server'] = { peakMB: jsonMemory.peak / 1024 / 1024 };
    await stopProcess(jsonServer.spawned);
  }

  // The Historian import of a generated travels file, in a process of its own as the CLI runs it.
  let importResult: Result['import'] = null;
  if (importRecords > 0 && (only === null || only.has('import'))) {
    log(`importing a generated travels file of ${importRecords} records`);
    const imported = await runCommand(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'scripts', 'bench-import.ts'),
        '--records',
        String(importRecords),
        ...(engine === 'postgres' ? ['--engine', 'postgres'] : []),
      ],
      engine === 'postgres' ? { BENCH_DATABASE_URL: benchDatabaseUrl ?? '' } : {},
    );
    const line = imported.output
      .trim()
      .split('\n')
      .findLast((text) => text.startsWith('{'));
    if (!line) throw new Error(`scripts/bench-import.ts printed no result:\n${imported.output}`);
    importResult = JSON.parse(line) as NonNullable<Result['import']>;
    log(
      `import: ${importResult.records} records in ${importResult.seconds.toFixed(1)} s, ` +
        `${importResult.recordsPerSecond.toFixed(0)} records/s, peak RSS ${importResult.peakRssMB.toFixed(0)} MB`,
    );
  }
  const byId = (id: string) => rows.find((row) => row.id === id)?.measurement ?? null;
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? null : a / b;
  const ratios: Result['ratios'] = {
    toCeiling: ratiosToCeiling({ rows, import: importResult }),
    tripToRaw: ratio(byId('1')?.requestsPerSecond, byId('R0')?.requestsPerSecond),
    calendarToRaw: ratio(byId('5')?.requestsPerSecond, byId('R0')?.requestsPerSecond),
    tripToBare: ratio(byId('1')?.requestsPerSecond, byId('R1')?.requestsPerSecond),
    uncachedTripToBare: ratio(byId('1*')?.requestsPerSecond, byId('R1')?.requestsPerSecond),
    tripToJsonServer: ratio(byId('1')?.requestsPerSecond, byId('R2')?.requestsPerSecond),
    deepToFirstP99: ratio(byId('2b')?.p99, byId('2a')?.p99),
  };
  const coldMedian = median(coldRuns);
  const peakMB = memory.api?.peakMB;
  const search = byId('4');
  const writes = byId('6');
  const target = (
    name: string,
    goal: string,
    value: number | null | undefined,
    text: string,
    met: (v: number) => boolean,
  ): Target => ({
    name,
    goal,
    value: value === null || value === undefined ? 'n/a' : text,
    met: value === null || value === undefined ? null : met(value),
  });
  const toCeiling = (id: string, goal: number): Target =>
    target(
      `scenario ${id} vs bare Fastify (R1)`,
      `≥ ${goal}×`,
      ratios.toCeiling[id],
      `${ratios.toCeiling[id]?.toFixed(2)}×`,
      (v) => v >= goal,
    );
  const imported = importResult;
  const targets: Target[] = [
    target(
      'scenario 1 vs bare Fastify',
      '≥ 0.5×',
      ratios.tripToBare,
      `${ratios.tripToBare?.toFixed(2)}×`,
      (v) => v >= 0.5,
    ),
    target(
      'scenario 1 (cached) vs R0, the same bytes serialized once',
      '≥ 0.7×',
      ratios.tripToRaw,
      `${ratios.tripToRaw?.toFixed(2)}×`,
      (v) => v >= 0.7,
    ),
    target(
      'scenario 5 (cached calendars) vs R0',
      '≥ 0.7×',
      ratios.calendarToRaw,
      `${ratios.calendarToRaw?.toFixed(2)}×`,
      (v) => v >= 0.7,
    ),
    toCeiling('1*', 0.3),
    toCeiling('5*', 0.3),
    toCeiling('3a', 0.2),
    toCeiling('3b', 0.2),
    target(
      'scenario 1 vs json-server',
      '≥ 5×',
      ratios.tripToJsonServer,
      `${ratios.tripToJsonServer?.toFixed(1)}×`,
      (v) => v >= 5,
    ),
    target(
      'deep page p99 vs first page p99',
      '≤ 1.2×',
      ratios.deepToFirstP99,
      `${ratios.deepToFirstP99?.toFixed(2)}×`,
      (v) => v <= 1.2,
    ),
    target(
      `search p99 (${counts.meetings.toLocaleString('en-US')} meetings, ${load.connections} connections)`,
      '< 20 ms',
      search?.p99,
      `${search?.p99.toFixed(1)} ms`,
      (v) => v < 20,
    ),
    engine === 'postgres'
      ? target(
          'committed writes (PostgreSQL)',
          '≥ 1,000/s',
          writes?.okPerSecond,
          `${writes?.okPerSecond.toFixed(0)}/s`,
          (v) => v >= 1000,
        )
      : target(
          'committed writes (synchronous=FULL)',
          '≥ 2,000/s',
          writes?.okPerSecond,
          `${writes?.okPerSecond.toFixed(0)}/s`,
          (v) => v >= 2000,
        ),
    target(
      'import of a generated travels file',
      '≥ 20,000 records/s',
      imported?.recordsPerSecond,
      `${imported?.recordsPerSecond.toFixed(0)}/s`,
      (v) => v >= 20000,
    ),
    target(
      'peak RSS of the import',
      '< 250 MB',
      imported?.peakRssMB,
      `${imported?.peakRssMB.toFixed(0)} MB`,
      (v) => v < 250,
    ),
    target('peak RSS of the API', '< 250 MB', peakMB, `${peakMB?.toFixed(0)} MB`, (v) => v < 250),
    target('cold start', '< 1 s', coldMedian, `${coldMedian.toFixed(0)} ms`, (v) => v < 1000),
  ];
  notes.push(
    `API: node ${[...productionNodeFlags(), 'dist/bundle/server.js'].join(' ')} (the image's CMD), NODE_ENV=production, ` +
      'LOG_LEVEL=warn, RATE_LIMIT_MAX raised out of the way and counted in process (REDIS_URL unset), ' +
      'synchronous=FULL (as shipped).',
  );
  if (quick) notes.push('A --quick run checks that the harness works; its numbers are not comparable.');
  if (engine === 'postgres') {
    notes.push(
      `Engine: PostgreSQL (${instances} instance${instances === 1 ? '' : 's'}, the load spread over them), the dataset ` +
        `copied in ${postgresCopySeconds?.toFixed(1)} s; the references run without a database, as on SQLite.`,
    );
  }
  if (scale !== 1 || values.db)
    notes.push(`Dataset ${values.db ? `copied from ${values.db}` : `at scale ${scale}`}.`);

  const result: Result = {
    startedAt,
    quick,
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      os: `${type()} ${release()}`,
      loadAverageBefore,
      loadAverageAfter: loadavg(),
    },
    git: gitInfo(),
    load: { connections: load.connections, durationSeconds: load.duration, warmupSeconds: load.warmup },
    dataset: {
      counts,
      seed: DEFAULT_DATASET.seed,
      databaseMB,
      seedAndMigrateSeconds,
      cliSeedSeconds: cliSeed.seconds,
    },
    coldStart: { runsMs: coldRuns, medianMs: coldMedian },
    memory,
    rows,
    import: importResult,
    ratios,
    targets,
    notes,
    failures,
  };
  mkdirSync(RESULTS, { recursive: true });
  const file = join(
    RESULTS,
    `${startedAt.replaceAll(':', '-').replace(/\..*/, '')}${quick ? '-quick' : ''}.json`,
  );
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(markdown(result));
  log(`wrote ${file}`);
  if (values.guard) {
    const reference = JSON.parse(readFileSync(resolve(values.guard), 'utf8')) as Result;
    const found = regressions(result, reference);
    if (found.length === 0) {
      log(
        `no scenario fell below a third of its ratio in ${values.guard} (commit ${reference.git.commit.slice(0, 10)})`,
      );
    } else {
      for (const regression of found) log(`REGRESSION: ${regression}`);
      failures.push(...found.map((regression) => `regression against ${values.guard}: ${regression}`));
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    }
  }
  await dropPostgres?.();
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await dropPostgres?.().catch(() => {});
    process.exit(1);
  },
);
