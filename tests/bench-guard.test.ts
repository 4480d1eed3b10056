import { describe, expect, it } from 'vitest';
import { ratiosToCeiling, regressions } from '../bench/lib/guard.js';
import type { Measurement } from '../bench/lib/load.js';
import type { Row } from '../bench/lib/report.js';

// The benchmark's regression guard (.ci/run: `npm run bench -- --quick --guard bench/results/quick-reference.json`),
// over result rows shaped as the harness writes them.

const measured = (requestsPerSecond: number, okPerSecond = requestsPerSecond): Measurement => ({
  requestsPerSecond,
  okPerSecond,
  p50: 1,
  p99: 2,
  responses: requestsPerSecond,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  statusCodes: { '200': requestsPerSecond },
  meanBytes: 100,
  seconds: 1,
});

const api = (id: string, perSecond: number, ok?: number): Row => ({
  id,
  scenario: `scenario ${id}`,
  system: 'api',
  measurement: measured(perSecond, ok),
});
const bare = (perSecond: number): Row => ({
  id: 'R1',
  scenario: 'bare',
  system: 'bare Fastify',
  measurement: measured(perSecond),
});

describe('the benchmark regression guard', () => {
  const reference = {
    rows: [api('1', 6000), api('4', 90), api('6', 1000, 800), bare(8000)],
    import: { records: 2000, seconds: 0.1, recordsPerSecond: 20000, peakRssMB: 100, engine: 'sqlite' },
  };

  it('divides each API scenario by the bare route, writes by their committed answers, imports by records', () => {
    expect(ratiosToCeiling(reference)).toEqual({ '1': 0.75, '4': 0.01125, '6': 0.1, import: 2.5 });
  });

  it('passes a run on a machine twice as slow whose ratios held', () => {
    const slower = {
      rows: [api('1', 3000), api('4', 45), api('6', 500, 400), bare(4000)],
      import: { ...reference.import, recordsPerSecond: 10000 },
    };
    expect(regressions(slower, reference)).toEqual([]);
  });

  it('names each scenario whose ratio fell below a third of the reference, and only those', () => {
    // Scenario 4 at 29/90 of its reference ratio (just under a third), writes at exactly a third (kept).
    const worse = {
      rows: [api('1', 5900), api('4', 29), api('6', 1000, 800 / 3), bare(8000)],
      import: { ...reference.import, recordsPerSecond: 6000 },
    };
    const found = regressions(worse, reference);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^scenario 4 \(scenario 4\) fell to 0\.004× .* reference's 0\.011×/);
    expect(found[1]).toMatch(/^scenario import/);
  });

  it('compares only scenarios both runs have, and nothing without a ceiling', () => {
    expect(
      regressions({ rows: [api('1', 10), bare(8000)] }, { rows: [api('5*', 4000), bare(8000)] }),
    ).toEqual([]);
    expect(regressions({ rows: [api('1', 10)] }, reference)).toEqual([]);
  });
});
