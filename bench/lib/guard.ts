import type { Result, Row } from './report.js';

// The regression guard: every scenario of a run as a ratio to that run's bare Fastify route (R1), compared with
// the same ratio in a committed reference run. Ratios rather than requests per second, because the machines that
// run it are shared and their speed moves between days by more than any change here; within one run, the API
// and the reference slow down together.

/** The reference row every ratio divides by: a bare Fastify route, JSON.stringify on every request. */
export const CEILING = 'R1';

/** How far a ratio may fall below the reference's before the guard fails: to a third of it. */
export const GUARD_FACTOR = 3;

/**
 * What a row did per second, for its ratio: committed writes for the write mix (`6`, its 2xx answers), every
 * answer for the others. null when the row did not run.
 */
function throughput(row: Row): number | null {
  if (!row.measurement) return null;
  return row.id === '6' ? row.measurement.okPerSecond : row.measurement.requestsPerSecond;
}

/**
 * Each API scenario's throughput divided by the ceiling's requests per second, by row id (`1`, `1*`, `5`, …);
 * imports (`import`) as records per second divided by the same. Rows of other systems are left out. Empty when
 * the run has no ceiling.
 */
export function ratiosToCeiling(
  result: Pick<Result, 'rows'> & { import?: Result['import'] },
): Record<string, number> {
  const ceiling = result.rows.find((row) => row.id === CEILING)?.measurement?.requestsPerSecond;
  if (!ceiling) return {};
  const ratios: Record<string, number> = {};
  for (const row of result.rows) {
    if (row.system !== 'api') continue;
    const value = throughput(row);
    if (value !== null) ratios[row.id] = value / ceiling;
  }
  if (result.import) ratios.import = result.import.recordsPerSecond / ceiling;
  return ratios;
}

/**
 * The scenarios whose ratio to the ceiling fell below the reference's divided by `factor`, one sentence each
 * (empty: no regression). Scenarios missing from either run are not compared; a reference without a ceiling
 * compares nothing.
 */
export function regressions(
  current: Pick<Result, 'rows'> & { import?: Result['import'] },
  reference: Pick<Result, 'rows'> & { import?: Result['import'] },
  factor = GUARD_FACTOR,
): string[] {
  const now = ratiosToCeiling(current);
  const before = ratiosToCeiling(reference);
  const found: string[] = [];
  for (const [id, was] of Object.entries(before)) {
    const is = now[id];
    if (is === undefined) continue;
    if (is < was / factor) {
      const scenario = current.rows.find((row) => row.id === id)?.scenario ?? id;
      found.push(
        `scenario ${id} (${scenario}) fell to ${is.toFixed(3)}× the bare route, below a third of the ` +
          `reference's ${was.toFixed(3)}×`,
      );
    }
  }
  return found;
}
