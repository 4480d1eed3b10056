import type { Measurement } from './load.js';

// The benchmark's result, as JSON (bench/results/) and as Markdown (stdout).

export type System = 'api' | 'bare Fastify' | 'json-server';

export type Row = {
  id: string;
  scenario: string;
  system: System;
  /** null when the scenario could not run (an endpoint that does not exist yet). */
  measurement: Measurement | null;
  note?: string;
};

export type Target = { name: string; goal: string; value: string; met: boolean | null };

export type Result = {
  startedAt: string;
  quick: boolean;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    os: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  git: { commit: string; dirty: boolean };
  load: { connections: number; durationSeconds: number; warmupSeconds: number };
  dataset: {
    counts: Record<string, number>;
    seed: number;
    databaseMB: number;
    /** Fresh file: migrations, every row (search index and change feed by their triggers), ANALYZE. */
    seedAndMigrateSeconds: number | null;
    /** The CLI `migrate + seed` of the article itinerary on a fresh file (production build). */
    cliSeedSeconds: number;
  };
  coldStart: { runsMs: number[]; medianMs: number };
  memory: Partial<Record<System, { peakMB: number }>>;
  rows: Row[];
  /** The import of a generated Historian travels file (scripts/bench-import.ts), when the run timed one. */
  import?: {
    records: number;
    seconds: number;
    recordsPerSecond: number;
    peakRssMB: number;
    engine: string;
  } | null;
  ratios: {
    /** Each API scenario (and the import) per second, divided by the bare route's (R1) requests per second. */
    toCeiling: Record<string, number>;
    /** Scenario 1 (cached) to R0, the same bytes serialized once. */
    tripToRaw: number | null;
    /** Scenario 5 (cached calendars) to R0. */
    calendarToRaw: number | null;
    tripToBare: number | null;
    /** Scenario 1 with the itinerary cache off, to the bare route. */
    uncachedTripToBare: number | null;
    tripToJsonServer: number | null;
    deepToFirstP99: number | null;
  };
  targets: Target[];
  notes: string[];
  failures: string[];
};

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

export function markdown(result: Result): string {
  const lines: string[] = [];
  const { machine, load, dataset } = result;
  lines.push(`## Benchmark${result.quick ? ' (--quick: a smoke run, numbers not meaningful)' : ''}`);
  lines.push('');
  lines.push(
    `${result.startedAt}, commit ${result.git.commit.slice(0, 10)}${result.git.dirty ? ' (uncommitted changes)' : ''}. ` +
      `${machine.cores} cores of ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; ` +
      `load average ${machine.loadAverageBefore.map((v) => v.toFixed(1)).join(' ')} before, ` +
      `${machine.loadAverageAfter.map((v) => v.toFixed(1)).join(' ')} after.`,
  );
  lines.push(
    `Dataset: ${Object.entries(dataset.counts)
      .map(([name, n]) => `${thousands(n)} ${name}`)
      .join(', ')} (seed ${dataset.seed}, ${thousands(dataset.databaseMB)} MB). ` +
      `Load: autocannon, ${load.connections} connections, ${load.warmupSeconds} s warm-up then ` +
      `${load.durationSeconds} s per scenario.`,
  );
  lines.push('');
  lines.push('| # | scenario | system | req/s | × R1 | p50 ms | p99 ms | errors | non-2xx | notes |');
  lines.push('|---|---|---|--:|--:|--:|--:|--:|--:|---|');
  for (const row of result.rows) {
    const m = row.measurement;
    const toCeiling = result.ratios.toCeiling[row.id];
    lines.push(
      `| ${row.id} | ${row.scenario} | ${row.system} | ${m ? thousands(m.requestsPerSecond) : 'n/a'} | ` +
        `${toCeiling === undefined ? '' : `${toCeiling.toFixed(2)}×`} | ` +
        `${fixed(m?.p50, 2)} | ${fixed(m?.p99, 2)} | ${m ? m.errors + m.timeouts : 'n/a'} | ` +
        `${m ? m.non2xx : 'n/a'} | ${row.note ?? ''} |`,
    );
  }
  lines.push('');
  const { ratios } = result;
  lines.push(
    `- Scenario 1 / bare Fastify: **${fixed(ratios.tripToBare, 2)}×** ` +
      `(with the itinerary cache off: ${fixed(ratios.uncachedTripToBare, 2)}×)`,
  );
  lines.push(
    `- Cached answers / R0 (the same bytes serialized once): scenario 1 **${fixed(ratios.tripToRaw, 2)}×**, ` +
      `calendars (5) **${fixed(ratios.calendarToRaw, 2)}×**`,
  );
  lines.push(`- Scenario 1 / json-server: **${fixed(ratios.tripToJsonServer, 1)}×**`);
  if (result.import) {
    const i = result.import;
    lines.push(
      `- Import of a generated travels file (${i.engine}): ${thousands(i.records)} records in ` +
        `${i.seconds.toFixed(1)} s, **${thousands(i.recordsPerSecond)} records/s**, peak RSS ${fixed(i.peakRssMB, 0)} MB`,
    );
  }
  lines.push(`- Deep page p99 / first page p99: **${fixed(ratios.deepToFirstP99, 2)}**`);
  for (const [system, memory] of Object.entries(result.memory)) {
    lines.push(`- Peak RSS of ${system}: **${fixed(memory.peakMB, 0)} MB**`);
  }
  lines.push(
    `- Cold start (spawn to the first 200 on /health), median of ${result.coldStart.runsMs.length}: ` +
      `**${fixed(result.coldStart.medianMs, 0)} ms** (${result.coldStart.runsMs.map((v) => v.toFixed(0)).join(', ')})`,
  );
  lines.push(
    `- Seed plus migration of the dataset on a fresh file: **${fixed(dataset.seedAndMigrateSeconds, 1)} s**; ` +
      `CLI migrate + seed of the article itinerary: ${fixed(dataset.cliSeedSeconds, 2)} s`,
  );
  lines.push('');
  lines.push('| target | goal | measured | |');
  lines.push('|---|---|--:|---|');
  for (const target of result.targets) {
    const verdict = target.met === null ? 'n/a' : target.met ? 'met' : '**missed**';
    lines.push(`| ${target.name} | ${target.goal} | ${target.value} | ${verdict} |`);
  }
  if (result.notes.length > 0) {
    lines.push('');
    for (const note of result.notes) lines.push(`- ${note}`);
  }
  if (result.failures.length > 0) {
    lines.push('');
    lines.push('**Failures:**');
    for (const failure of result.failures) lines.push(`- ${failure}`);
  }
  return lines.join('\n');
}
