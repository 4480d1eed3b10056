import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { backupTo, checkIntegrity } from '../src/db/maintenance.js';
import { buildTestApp } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-maintenance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`../src/cli/${script}`, import.meta.url)), ...args],
    {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );

describe('backup and integrity', () => {
  it('backs up a live database while it is written to, and the copy restores every committed write', async () => {
    const live = join(dir, 'live.db');
    const { app, api } = await buildTestApp({ databasePath: live });
    for (let i = 0; i < 20; i += 1)
      await api
        .post('/participants')
        .send({ name: `Before ${i}` })
        .expect(201);
    // Writes go on while the backup runs; the copy is consistent at some point in between.
    const writes = (async () => {
      for (let i = 0; i < 20; i += 1)
        await api
          .post('/participants')
          .send({ name: `During ${i}` })
          .expect(201);
    })();
    const copy = join(dir, 'copy.db');
    // As `npm run db:backup` does: from a connection of its own, which sees committed writes only (the server's
    // connection may be inside a group of writes that is not committed yet; see plugins/group-commit.ts).
    const backupConnection = openDatabase(live);
    const { pages } = await backupTo(engineOf(backupConnection).sqlite, copy).finally(() =>
      backupConnection.close(),
    );
    await writes;
    expect(pages).toBeGreaterThan(0);

    const restored = await buildTestApp({ databasePath: copy });
    expect(checkIntegrity(engineOf(restored.app.database).sqlite)).toEqual({
      ok: true,
      integrity: ['ok'],
      foreignKeys: [],
      text: [],
    });
    const names = (await restored.api.get('/participants?limit=200&q=before').expect(200)).body.data.map(
      (p: { name: string }) => p.name,
    );
    expect(names).toHaveLength(20);
    const trip = await restored.api.get('/trips/1?include=stops,meetings,participants').expect(200);
    expect(trip.body.stops).toHaveLength(7);
    await expect(backupTo(engineOf(app.database).sqlite, copy)).rejects.toThrow(/already exists/);
  });

  it('reports foreign keys that point nowhere', async () => {
    const { app } = await buildTestApp({ databasePath: join(dir, 'broken.db') });
    const { sqlite } = engineOf(app.database);
    sqlite.pragma('foreign_keys = OFF');
    sqlite.prepare('delete from participants where id = 7').run();
    sqlite.pragma('foreign_keys = ON');
    const report = checkIntegrity(sqlite);
    expect(report.ok).toBe(false);
    expect(report.foreignKeys).toEqual([
      expect.stringMatching(/^meeting_participants row \d+ refers to a missing participants$/),
    ]);
  });

  it('npm run db:backup and db:check work on the command line', async () => {
    const source = join(dir, 'cli.db');
    const { app } = await buildTestApp({ databasePath: source });
    await app.close();
    const target = join(dir, 'cli-copy.db');
    const backup = cli('backup.ts', [target], { DATABASE_PATH: source });
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).toContain('integrity check: ok');
    const again = cli('backup.ts', [target], { DATABASE_PATH: source });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
    const check = cli('check.ts', [], { DATABASE_PATH: target });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('integrity check ok, foreign keys ok, text ok');
    expect(cli('backup.ts', [], { DATABASE_PATH: source }).status).toBe(2);
  });
});
