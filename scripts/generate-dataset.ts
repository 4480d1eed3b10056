import { existsSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { type DatasetOptions, DEFAULT_DATASET, generateDataset, scaledDataset } from './dataset.js';

// Writes a synthetic dataset for benchmarks and query plans into a new SQLite file:
//   npx tsx scripts/generate-dataset.ts --out data/bench.db [--scale 0.5] [--trips 10000] [--stops 50000]
//     [--meetings 200000] [--participants 20000] [--attendances 400000] [--seed 42]
//     [--search-index triggers|rebuild] [--force]
// --scale multiplies the default counts; an explicit count wins over it. --force replaces an existing file.

const usage =
  'usage: tsx scripts/generate-dataset.ts --out FILE [--scale N] [--trips N] … [--seed N] [--force]';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'data/bench.db' },
    scale: { type: 'string' },
    trips: { type: 'string' },
    stops: { type: 'string' },
    meetings: { type: 'string' },
    participants: { type: 'string' },
    attendances: { type: 'string' },
    seed: { type: 'string' },
    'search-index': { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  strict: true,
});

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a number ≥ 0, not ${text}\n${usage}`);
    process.exit(2);
  }
  return value;
}

const scale = number('scale', values.scale);
const base = scale === undefined ? DEFAULT_DATASET : scaledDataset(scale);
const options: DatasetOptions = { ...base };
for (const key of ['trips', 'stops', 'meetings', 'participants', 'attendances', 'seed'] as const) {
  const value = number(key, values[key]);
  if (value !== undefined) options[key] = value;
}
const searchIndex = values['search-index'] ?? 'triggers';
if (searchIndex !== 'triggers' && searchIndex !== 'rebuild') {
  console.error(`--search-index must be triggers or rebuild\n${usage}`);
  process.exit(2);
}
options.searchIndex = searchIndex;

const out = values.out;
if (existsSync(out)) {
  if (!values.force) {
    console.error(`${out} exists; pass --force to replace it`);
    process.exit(1);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${out}${suffix}`, { force: true });
}

const started = performance.now();
const database = openDatabase(out);
try {
  const report = generateDataset(database, options);
  // Statistics for the query planner, as a database in service would have them (see PRAGMA optimize).
  const analyzeStarted = performance.now();
  engineOf(database).sqlite.exec('analyze');
  engineOf(database).sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
  await database.close();
  const seconds = (performance.now() - started) / 1000;
  const megabytes = statSync(out).size / 1024 / 1024;
  const { counts } = report;
  console.log(
    `${out}: ${counts.trips} trips, ${counts.stops} stops, ${counts.meetings} meetings, ` +
      `${counts.participants} participants, ${counts.attendances} attendances, ${report.changes} changes ` +
      `(seed ${options.seed}, search index by ${options.searchIndex})`,
  );
  console.log(
    `rows ${report.seconds.rows.toFixed(1)} s, search index ${report.seconds.searchIndex.toFixed(1)} s, ` +
      `analyze ${analyzeSeconds.toFixed(1)} s; ${seconds.toFixed(1)} s in all; ${megabytes.toFixed(0)} MB`,
  );
} catch (error) {
  await database.close();
  throw error;
}
