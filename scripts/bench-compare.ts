// Prints one Markdown table comparing several benchmark results (bench/results/*.json) scenario by scenario, each
// figure with its ratio to the bare Fastify route (R1) of its own run:
//
//   npx tsx scripts/bench-compare.ts "SQLite=bench/results/a.json" "PostgreSQL ×1=…" "PostgreSQL ×2=…"
import { readFileSync } from 'node:fs';

type Row = {
  id: string;
  scenario: string;
  measurement: { requestsPerSecond: number; okPerSecond: number; p99: number } | null;
};
type Result = { rows: Row[]; git: { commit: string }; load: { connections: number } };

const runs = process.argv.slice(2).map((argument) => {
  const [label, file] = argument.split('=');
  if (!label || !file) throw new Error(`expected label=file, not ${argument}`);
  return { label, result: JSON.parse(readFileSync(file, 'utf8')) as Result };
});
if (runs.length === 0) throw new Error('usage: bench-compare label=file …');

const ids = ['1', '1*', '2a', '2b', '3a', '3b', '4', '5', '6', 'R1'];
const scenarioOf = (id: string) => runs[0]?.result.rows.find((r) => r.id === id)?.scenario ?? id;
const n = (value: number) => Math.round(value).toLocaleString('en-US');

console.log(`| # | Scenario | ${runs.map((r) => r.label).join(' | ')} |`);
console.log(`|---|---|${runs.map(() => '--:').join('|')}|`);
for (const id of ids) {
  const cells = runs.map(({ result }) => {
    const row = result.rows.find((r) => r.id === id);
    const bare = result.rows.find((r) => r.id === 'R1')?.measurement?.requestsPerSecond ?? Number.NaN;
    if (!row?.measurement) return 'n/a';
    const { requestsPerSecond, okPerSecond, p99 } = row.measurement;
    if (id === '6') return `${n(okPerSecond)} committed/s (p99 ${p99.toFixed(0)} ms)`;
    if (id === 'R1') return `${n(requestsPerSecond)} (1×)`;
    return `${n(requestsPerSecond)} (${(requestsPerSecond / bare).toFixed(2)}×)${id === '4' ? `, p99 ${p99.toFixed(0)} ms` : ''}`;
  });
  console.log(`| ${id} | ${scenarioOf(id)} | ${cells.join(' | ')} |`);
}
