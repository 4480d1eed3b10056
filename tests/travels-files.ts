import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * A travels file in the Historian's format of `records` records, written into `dir` by the seeded generator
 * (scripts/generate-travels.ts, run as its command is) with `seed`: the same arguments give the same bytes. Answers
 * the file's path; fails the calling test, with the generator's stderr, when the generator fails.
 */
export function generatedTravels(dir: string, records: number, seed: number): string {
  const out = join(dir, `travels-${records}-${seed}.xml`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/generate-travels.ts',
      '--records',
      String(records),
      '--out',
      out,
      '--seed',
      String(seed),
    ],
    { encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
  return out;
}
