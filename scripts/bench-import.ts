import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareDatabase } from '../src/db/prepare.js';
import { asActor } from '../src/domain/actor.js';
import { fileInput, importHistorian } from '../src/importers/historian/import-service.js';

// npx tsx scripts/bench-import.ts [folder] [runs]
// Times the Historian import of a folder (default: HISTORIAN_DATA, else ../shared/data/historian/secretary-travels)
// into a fresh database file set up as production's (WAL, synchronous=FULL, the seed in place), then times a
// second import of the same files, which must change nothing. The budget for all Secretaries' travels is 3 s.

const folder = resolve(
  process.argv[2] ?? process.env.HISTORIAN_DATA ?? '../shared/data/historian/secretary-travels',
);
const runs = Number(process.argv[3] ?? 3);
const BUDGET_MS = 3000;

const files = readdirSync(folder)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => fileInput(join(folder, f)));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const firsts: number[] = [];
const seconds: number[] = [];
for (let run = 1; run <= runs; run += 1) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  // Migrated and seeded as the server and `npm run import` prepare it (not timed).
  const { database } = await prepareDatabase({ path: join(dir, 'bench.db'), seed: 'always' });
  try {
    const started = performance.now();
    const first = await asActor('command:import', () => importHistorian(database, files));
    const firstMs = performance.now() - started;
    const again = performance.now();
    const second = await asActor('command:import', () => importHistorian(database, files));
    const secondMs = performance.now() - again;
    firsts.push(firstMs);
    seconds.push(secondMs);
    const errors = first.flagged.filter((f) => f.severity === 'error').length;
    console.log(
      `run ${run}: ${files.length} files, ${first.records} records -> ${first.trips.created} trips ` +
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
