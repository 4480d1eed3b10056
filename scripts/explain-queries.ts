import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { engineOf } from '../src/db/connection.js';
import {
  explain,
  fill,
  formatPlan,
  isQuery,
  isUnfiltered,
  LIST_REQUESTS,
  pickSample,
  planViolations,
  type RanStatement,
  recordStatements,
} from './query-plans.js';

// Runs every list request of the API against a database file (say one from scripts/generate-dataset.ts), and
// prints, for the first page and the page after its cursor, the milliseconds per request (the median of --runs)
// and what breaks the query-plan rule of scripts/query-plans.ts. With --plans, prints every plan; with --deep N,
// also times the page after N cursors for a few requests.
//   npx tsx scripts/explain-queries.ts data/bench.db [--runs 5] [--plans] [--deep 500] [--only /trips]
// It only reads, but it opens the file as the server does: pending migrations are applied.

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    plans: { type: 'boolean', default: false },
    deep: { type: 'string' },
    only: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: tsx scripts/explain-queries.ts FILE [--runs N] [--plans] [--deep N] [--only PREFIX]');
  process.exit(2);
}
const runs = Math.max(1, Number(values.runs));

const app = await buildApp(
  loadConfig(
    {},
    {
      DATABASE_PATH: file,
      SEED_ON_START: 'false',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      RATE_LIMIT_MAX: 1_000_000,
    },
  ),
  { logger: false },
);
const { sqlite } = engineOf(app.database);
const tables = new Set(
  (
    sqlite
      .prepare(`select name from sqlite_master where type = 'table' and sql not like 'create virtual%'`)
      .all() as {
      name: string;
    }[]
  ).map((t) => t.name),
);
const sample = pickSample(sqlite);
console.log(JSON.stringify(sample));

async function get(
  url: string,
): Promise<{ body: { nextCursor?: string | null }; ms: number[]; statements: RanStatement[] }> {
  const recorder = recordStatements(sqlite);
  let response = await app.inject({ method: 'GET', url });
  recorder.stop();
  if (response.statusCode !== 200)
    throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 300)}`);
  const ms: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    response = await app.inject({ method: 'GET', url });
    ms.push(performance.now() - started);
  }
  return { body: response.json(), ms, statements: recorder.statements };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const withCursor = (url: string, cursor: string) =>
  `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;

let failures = 0;
for (const url of LIST_REQUESTS.map((t) => fill(t, sample)).filter(
  (u) => !values.only || u.startsWith(values.only),
)) {
  const first = await get(url);
  const pages = [{ label: 'first', url, result: first }];
  if (first.body.nextCursor) {
    const next = withCursor(url, first.body.nextCursor);
    pages.push({ label: 'cursor', url: next, result: await get(next) });
  }
  const timings = pages.map((p) => `${p.label} ${median(p.result.ms).toFixed(1)} ms`).join(', ');
  const problems: string[] = [];
  for (const page of pages) {
    for (const statement of page.result.statements.filter((s) => isQuery(s.sql))) {
      const steps = explain(sqlite, statement);
      const violations = planViolations(steps, statement.sql, { unfiltered: isUnfiltered(page.url), tables });
      if (violations.length > 0 || values.plans) {
        problems.push(
          `  [${page.label}] ${statement.sql.replace(/\s+/g, ' ').slice(0, 400)}\n    params ${JSON.stringify(statement.params).slice(0, 200)}\n${formatPlan(steps).replace(/^/gm, '      ')}${violations.map((v) => `\n    ✗ ${v}`).join('')}`,
        );
      }
      if (violations.length > 0) failures += 1;
    }
  }
  console.log(`${url}  (${timings})`);
  for (const problem of problems) console.log(problem);
}

if (values.deep) {
  const depth = Number(values.deep);
  for (const url of [
    `/trips?country=${sample.commonCountry}&limit=10`,
    `/meetings?country=${sample.commonCountry}`,
    '/meetings',
    `/stops?country=${sample.commonCountry}`,
  ]) {
    let cursor: string | null | undefined;
    let pages = 0;
    let current = url;
    for (; pages < depth; pages += 1) {
      const body = (await app.inject({ method: 'GET', url: current })).json() as {
        nextCursor: string | null;
      };
      cursor = body.nextCursor;
      if (!cursor) break;
      current = withCursor(url, cursor);
    }
    const { ms } = await get(current);
    console.log(`${url} after ${pages} cursors: ${median(ms).toFixed(1)} ms`);
  }
}

await app.close();
console.log(failures === 0 ? 'no plan breaks the rule' : `${failures} statements break the rule`);
