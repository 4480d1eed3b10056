import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDatabaseUrl } from './helpers.js';

// The database commands on PostgreSQL (DATABASE_URL), as real processes: db:seed, db:check, and a backup with
// db:backup (pg_dump) restored with pg_restore into another database, as the README's "Deploying" says.

const dir = mkdtempSync(join(tmpdir(), 'itinerary-pg-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (script: string, args: string[], url: string) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`../src/cli/${script}`, import.meta.url)), ...args],
    { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', timeout: 60_000 },
  );

describe('the database commands on PostgreSQL', () => {
  it('seed, check, and a backup that pg_restore brings back whole', async () => {
    const url = await testDatabaseUrl();
    const seeded = cli('seed.ts', [], url);
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('32 created');
    const checked = cli('check.ts', [], url);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('integrity check ok');

    const file = join(dir, 'backup.dump');
    const backup = cli('backup.ts', [file], url);
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).not.toContain('itinerary_ci:itinerary_ci');
    expect(statSync(file).size).toBeGreaterThan(1000);

    // Restored, with the README's command, over another database of the API (migrated, with no trip), it serves
    // the same itinerary.
    const restored = await testDatabaseUrl();
    const restore = spawnSync('pg_restore', ['--clean', '--if-exists', '--no-owner', '-d', restored, file], {
      encoding: 'utf8',
    });
    expect(restore.status, restore.stderr).toBe(0);
    const [original, copy] = await Promise.all(
      [url, restored].map(async (database) => {
        const { api } = await buildTestApp({ config: { DATABASE_URL: database } });
        return (await api.get('/trips/1?include=stops,meetings,participants').expect(200)).body;
      }),
    );
    expect(copy).toEqual(original);
    expect(cli('check.ts', [], restored).status).toBe(0);
  });
});
