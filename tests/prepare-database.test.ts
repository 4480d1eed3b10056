import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { reconcileTimeZones } from '../src/repositories/time-zones-repository.js';

// prepareDatabase (src/db/prepare.ts) is the one way the server and the commands open, migrate, refresh and seed a
// database; the commands are run here as real processes on database files.

const dir = mkdtempSync(join(tmpdir(), 'itinerary-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const journal = JSON.parse(
  readFileSync(new URL('../migrations/sqlite/meta/_journal.json', import.meta.url), 'utf8'),
) as {
  entries: unknown[];
};

const cli = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`../src/cli/${script}`, import.meta.url)), ...args],
    { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 },
  );

/** Runs a read on the file and closes it. */
function read<T>(path: string, sql: string): T {
  const database = openDatabase(path);
  try {
    return engineOf(database).sqlite.prepare(sql).get() as T;
  } finally {
    engineOf(database).sqlite.close();
  }
}

describe('the SQLite file', () => {
  it('creates its folder, runs in WAL mode with foreign keys on and a busy timeout', async () => {
    const { database } = await prepareDatabase({
      path: join(dir, 'nested', 'folder', 'itinerary.db'),
      seed: 'never',
    });
    try {
      const { sqlite } = engineOf(database);
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      await database.close();
    }
  });
});

describe('prepareDatabase', () => {
  it('migrates, seeds only an empty database when asked if-empty, and rewrites the seed in place when asked always', async () => {
    const path = join(dir, 'prepare.db');
    const first = await prepareDatabase({ path, seed: 'if-empty' });
    await first.database.close();
    expect(first.seeded?.created).toBeGreaterThan(0);
    expect(first.seeded).toMatchObject({ updated: 0, unchanged: 0 });
    expect(read<{ n: number }>(path, 'select count(*) as n from __drizzle_migrations').n).toBe(
      journal.entries.length,
    );
    expect(read<{ n: number }>(path, 'select count(*) as n from trips').n).toBe(1);

    const again = await prepareDatabase({ path, seed: 'if-empty' });
    await again.database.close();
    expect(again.seeded).toBeNull();

    const always = await prepareDatabase({ path, seed: 'always' });
    await always.database.close();
    expect(always.seeded).toEqual({ created: 0, updated: 0, unchanged: first.seeded?.created });
  });

  it('refills the meeting instants a migration left empty, and never seeds when asked never', async () => {
    const path = join(dir, 'refresh.db');
    await (await prepareDatabase({ path, seed: 'if-empty' })).database.close();
    // The seed's meeting 5 is dated 2018-02-04 in Buenos Aires (UTC-3, no summer time that year), untimed: give it a
    // time and no instants, as a migration adding the columns would leave it.
    const database = openDatabase(path);
    engineOf(database)
      .sqlite.prepare("update meetings set start_time = '09:30', starts_at = null where id = 5")
      .run();
    await database.close();

    const prepared = await prepareDatabase({ path, seed: 'never' });
    await prepared.database.close();
    expect(prepared.seeded).toBeNull();
    expect(
      read<{ startsAt: string }>(path, 'select starts_at as startsAt from meetings where id = 5'),
    ).toEqual({
      startsAt: '2018-02-04T12:30:00Z',
    });
  });

  it('brings zone names and instants in line with the tz database, as the server does at start', async () => {
    const path = join(dir, 'zones.db');
    await (await prepareDatabase({ path, seed: 'if-empty' })).database.close();
    // As a version before canonical names stored it: the seed's Buenos Aires stop under the zone's link name, its
    // meeting 5 timed with an instant from other zone data, and no record of the release last reconciled with.
    const database = openDatabase(path);
    engineOf(database)
      .sqlite.prepare("update stops set time_zone = 'America/Buenos_Aires' where time_zone = ?")
      .run('America/Argentina/Buenos_Aires');
    engineOf(database)
      .sqlite.prepare(
        "update meetings set start_time = '09:30', starts_at = '2018-02-04T09:30:00Z' where id = 5",
      )
      .run();
    engineOf(database).sqlite.prepare('delete from time_zone_data').run();
    await database.close();

    await (await prepareDatabase({ path, seed: 'never' })).database.close();
    expect(
      read<{ n: number }>(path, "select count(*) as n from stops where time_zone = 'America/Buenos_Aires'").n,
    ).toBe(0);
    expect(
      read<{ startsAt: string }>(path, 'select starts_at as startsAt from meetings where id = 5'),
    ).toEqual({ startsAt: '2018-02-04T12:30:00Z' });
    expect(read<{ n: number }>(path, 'select count(*) as n from time_zone_data').n).toBe(1);
  });

  it('reconciles zones in the transaction it is given: rolled back with it, kept when it commits', async () => {
    const path = join(dir, 'zones-tx.db');
    const { database } = await prepareDatabase({ path, seed: 'if-empty' });
    try {
      engineOf(database)
        .sqlite.prepare("update stops set time_zone = 'America/Buenos_Aires' where time_zone = ?")
        .run('America/Argentina/Buenos_Aires');
      const linked = "select count(*) as n from stops where time_zone = 'America/Buenos_Aires'";
      const count = () => (engineOf(database).sqlite.prepare(linked).get() as { n: number }).n;
      const failed = database.transaction(async (tx) => {
        expect(await reconcileTimeZones(tx)).toEqual({ stops: 1, meetings: 0 });
        throw new Error('rolled back');
      });
      await expect(failed).rejects.toThrow('rolled back');
      expect(count()).toBe(1);
      expect(await database.transaction((tx) => reconcileTimeZones(tx))).toEqual({ stops: 1, meetings: 0 });
      expect(count()).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('closes the database and rejects when a step fails', async () => {
    // A table the first migration creates is already there, so migrating fails after the file was opened.
    const path = join(dir, 'failing.db');
    const database = openDatabase(path);
    engineOf(database).sqlite.exec('create table trips (id integer primary key)');
    await database.close();
    await expect(prepareDatabase({ path, seed: 'if-empty' })).rejects.toThrow(/trips/);
    // Closed: the last connection to a WAL database removes its -wal and -shm files as it closes.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
  });
});

describe('the commands prepare the database the same way', () => {
  it('a command whose database cannot be reached says so in one line, password hidden, and exits 1', () => {
    // A port nothing listens on: the PostgreSQL server is away.
    const away = cli('seed.ts', [], { DATABASE_URL: 'postgres://someone:secret@127.0.0.1:9/itinerary' });
    expect(away.status).toBe(1);
    expect(away.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^postgres:\/\/someone:\*\*\*@127\.0\.0\.1:9\/itinerary: The database cannot be reached.*ECONNREFUSED/,
      ),
    ]);
    expect(away.stderr).not.toContain('secret');
  });

  it('db:migrate migrates without seeding; db:seed seeds, and again changes nothing', async () => {
    const path = join(dir, 'commands.db');
    const migrate = cli('migrate.ts', [], { DATABASE_PATH: path });
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain(`migrated ${path} with `);
    expect(read<{ n: number }>(path, 'select count(*) as n from __drizzle_migrations').n).toBe(
      journal.entries.length,
    );
    expect(read<{ n: number }>(path, 'select count(*) as n from trips').n).toBe(0);
    expect(read<{ n: number }>(path, 'select count(*) as n from time_zone_data').n).toBe(1);

    const seed = cli('seed.ts', [], { DATABASE_PATH: path });
    expect(seed.status, seed.stderr).toBe(0);
    const created = /: (\d+) created, 0 updated, 0 unchanged/.exec(seed.stdout)?.[1];
    expect(Number(created)).toBeGreaterThan(0);
    const reseed = cli('seed.ts', [], { DATABASE_PATH: path });
    expect(reseed.stdout).toContain(`seeded ${path}: 0 created, 0 updated, ${created} unchanged`);

    // A zone stored under its link name is made canonical by the command, as by the server.
    const database = openDatabase(path);
    engineOf(database)
      .sqlite.prepare("update stops set time_zone = 'America/Buenos_Aires' where time_zone = ?")
      .run('America/Argentina/Buenos_Aires');
    await database.close();
    expect(cli('migrate.ts', [], { DATABASE_PATH: path }).status).toBe(0);
    expect(
      read<{ n: number }>(
        path,
        "select count(*) as n from stops where time_zone = 'America/Argentina/Buenos_Aires'",
      ).n,
    ).toBe(1);
  });

  it('import seeds an empty database first when SEED_ON_START is true, and not when it is false', () => {
    const file = fileURLToPath(new URL('./fixtures/historian/travels.xml', import.meta.url));
    const seeded = join(dir, 'import-seeded.db');
    const withSeed = cli('import.ts', ['historian', file], { DATABASE_PATH: seeded, SEED_ON_START: 'true' });
    expect(withSeed.status, withSeed.stderr).toBe(0);
    const seedTrip = "select count(*) as n from trips where title like 'Secretary Tillerson%'";
    expect(read<{ n: number }>(seeded, seedTrip).n).toBe(1);
    expect(read<{ n: number }>(seeded, 'select count(*) as n from trips').n).toBeGreaterThan(1);

    const bare = join(dir, 'import-bare.db');
    const without = cli('import.ts', ['historian', file], { DATABASE_PATH: bare, SEED_ON_START: 'false' });
    expect(without.status, without.stderr).toBe(0);
    expect(read<{ n: number }>(bare, seedTrip).n).toBe(0);
    expect(read<{ n: number }>(bare, 'select count(*) as n from trips').n).toBeGreaterThan(0);
  });
});
