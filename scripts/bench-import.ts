import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { prepareDatabase } from '../src/db/prepare.js';
import { fileInput, importHistorian } from '../src/importers/historian/import-service.js';

// Two benchmarks of the Historian import.
//
//   npx tsx scripts/bench-import.ts --records N [--engine sqlite|postgres] [--seed S] [--keep]
// Generates N travel records (scripts/generate-travels.ts), then imports them as `npm run import` does: the command
// itself, in a process of its own (`node --import tsx src/cli/import.ts historian FILE`), into a fresh database set up
// as production's (SQLite: a new file, WAL, synchronous=FULL, the seed; PostgreSQL: a new database on the server of
// BENCH_DATABASE_URL or TEST_DATABASE_URL, migrated and seeded by the command). Prints one JSON line:
//   {"records":N,"seconds":S,"recordsPerSecond":R,"peakRssMB":M,"engine":"sqlite",…}
// `seconds` is the import's own time as the command reports it (reading, checking and writing the file; not the
// process start, migrations or seed, which `processSeconds` includes); `peakRssMB` is the command process's VmHWM
// (its peak resident memory), read from /proc as it exits. The import must succeed and create N stops.
//
//   npx tsx scripts/bench-import.ts [folder] [runs]
// Times the import of a folder (default: HISTORIAN_DATA, else ../shared/data/historian/secretary-travels) in this
// process into a fresh database file set up as production's, then a second import of the same files, which must
// change nothing. The budget for all Secretaries' travels is 3 s.

const root = resolve(import.meta.dirname, '..');

/** Peak RSS, written by the command's own process on exit (a preload: the command itself is unchanged). */
const PEAK_PRELOAD = `data:text/javascript,${encodeURIComponent(
  `import { readFileSync, writeFileSync } from 'node:fs';
   process.on('exit', () => {
     const kb = /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
     if (process.env.BENCH_PEAK_FILE && kb) writeFileSync(process.env.BENCH_PEAK_FILE, kb);
   });`,
)}`;

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

async function benchRecords(records: number, engine: 'sqlite' | 'postgres', seed: number, keep: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const file = join(dir, 'travels.xml');
  const peakFile = join(dir, 'peak');
  let drop = async () => {};
  try {
    const generated = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/generate-travels.ts',
        '--records',
        String(records),
        '--out',
        file,
        '--seed',
        String(seed),
      ],
      process.env,
    );
    if (generated.code !== 0) throw new Error(`the generator failed:\n${generated.output}`);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SEED_ON_START: 'true',
      BENCH_PEAK_FILE: peakFile,
    };
    delete env.DATABASE_URL;
    if (engine === 'postgres') {
      const admin = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
      if (!admin) throw new Error('--engine postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
      const name = `itinerary_bench_import_${process.pid}`;
      const query = async (statement: string) => {
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      };
      await query(`drop database if exists ${name} with (force)`);
      await query(`create database ${name}`);
      drop = () => query(`drop database if exists ${name} with (force)`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      env.DATABASE_URL = url.toString();
    } else {
      env.DATABASE_PATH = join(dir, 'itinerary.db');
    }

    // The command as package.json's `import` script runs it (node, its flags, tsx, the command), measured by a
    // preload that writes the process's peak RSS as it exits.
    const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.import;
    const [node, ...flags] = script.split(/\s+/);
    if (node !== 'node')
      throw new Error(`package.json's import script no longer starts with node: ${script}`);
    const started = performance.now();
    const imported = await run(
      process.execPath,
      ['--import', PEAK_PRELOAD, ...flags, 'historian', file],
      env,
    );
    const processSeconds = (performance.now() - started) / 1000;
    const seconds = Number(/records read in ([\d.]+) s/.exec(imported.output)?.[1]);
    const stops = Number(/stops: +([\d,]+) created/.exec(imported.output)?.[1]?.replace(/,/g, ''));
    if (imported.code !== 0 || !Number.isFinite(seconds) || stops !== records) {
      throw new Error(`the import failed (exit ${imported.code}):\n${imported.output.slice(0, 4000)}`);
    }
    const peakRssMB = Math.round(Number(readFileSync(peakFile, 'utf8')) / 1024);
    console.log(
      JSON.stringify({
        records,
        seconds,
        recordsPerSecond: Math.round(records / seconds),
        peakRssMB,
        engine,
        processSeconds: Number(processSeconds.toFixed(2)),
        fileMB: Math.round(statSync(file).size / 1024 / 1024),
      }),
    );
  } finally {
    await drop();
    if (keep) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function benchFolder(folderArg: string | undefined, runsArg: string | undefined) {
  const folder = resolve(
    folderArg ?? process.env.HISTORIAN_DATA ?? '../shared/data/historian/secretary-travels',
  );
  const runs = Number(runsArg ?? 3);
  const BUDGET_MS = 3000;
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => fileInput(join(folder, f)));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const firsts: number[] = [];
  const seconds: number[] = [];
  for (let attempt = 1; attempt <= runs; attempt += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
    // Migrated and seeded as the server and `npm run import` prepare it (not timed).
    const { database } = await prepareDatabase({ path: join(dir, 'bench.db'), seed: 'always' });
    try {
      const started = performance.now();
      const first = await importHistorian(database.as('command:import'), files);
      const firstMs = performance.now() - started;
      const again = performance.now();
      const second = await importHistorian(database.as('command:import'), files);
      const secondMs = performance.now() - again;
      firsts.push(firstMs);
      seconds.push(secondMs);
      const errors = first.flagged.filter((f) => f.severity === 'error').length;
      console.log(
        `run ${attempt}: ${files.length} files, ${first.records} records -> ${first.trips.created} trips ` +
          `(${first.trips.matched} matched), ${first.stops.created} stops, ${first.participants.created} participants, ` +
          `${first.flagged.length} flagged (${errors} errors) in ${firstMs.toFixed(0)} ms; ` +
          `again: ${second.trips.unchanged} trips and ${second.stops.unchanged} stops unchanged, ` +
          `${second.trips.created + second.trips.updated + second.stops.created + second.stops.updated} written, ` +
          `in ${secondMs.toFixed(0)} ms`,
      );
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const result = median(firsts);
  console.log(
    `median of ${runs}: first import ${result.toFixed(0)} ms, re-import ${median(seconds).toFixed(0)} ms ` +
      `(budget ${BUDGET_MS} ms: ${result <= BUDGET_MS ? 'within' : 'OVER'})`,
  );
}

const { values, positionals } = parseArgs({
  options: {
    records: { type: 'string' },
    engine: { type: 'string', default: 'sqlite' },
    seed: { type: 'string', default: '42' },
    keep: { type: 'boolean', default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (values.records !== undefined) {
  const records = Number(values.records);
  const engine = values.engine;
  if (!Number.isInteger(records) || records < 1 || (engine !== 'sqlite' && engine !== 'postgres')) {
    console.error(
      'usage: tsx scripts/bench-import.ts --records N [--engine sqlite|postgres] [--seed S] [--keep]',
    );
    process.exit(2);
  }
  await benchRecords(records, engine, Number(values.seed), values.keep);
} else {
  await benchFolder(positionals[0], positionals[1]);
}
