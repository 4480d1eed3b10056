import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// PostgreSQL's migrations (migrations/postgres, generated from src/db/schema-pg.ts) on a real server: a database
// of its own is created, migrated and dropped. TEST_DATABASE_URL names a role that may create databases
// (`.ci/run` sets it up); without it the test is skipped on a workstation, and fails under CI=true, where a
// PostgreSQL run that skips would hide that nothing was tested.

const url = process.env.TEST_DATABASE_URL;
const required = process.env.CI === 'true';

describe.skipIf(!url && !required)('PostgreSQL migrations (TEST_DATABASE_URL)', () => {
  const name = `itinerary_schema_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let admin: pg.Client;
  let pool: pg.Pool;

  beforeAll(async () => {
    if (!url) throw new Error('CI=true needs TEST_DATABASE_URL: PostgreSQL would go untested');
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    pool = new pg.Pool({ connectionString: target.toString(), max: 2 });
    // The database is dropped with its connections at the end: an idle client told so is not an error here.
    pool.on('error', () => {});
    await migrate(drizzle(pool), { migrationsFolder: 'migrations/postgres' });
  });

  afterAll(async () => {
    await pool?.end();
    await admin?.query(`drop database if exists ${name} with (force)`);
    await admin?.end();
  });

  it('creates every table of the schema', async () => {
    const { rows } = await pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'api_keys',
      'audit_log',
      'changes',
      'idempotency_records',
      'import_records',
      'import_writes',
      'meeting_participants',
      'meetings',
      'participants',
      'stops',
      'time_zone_data',
      'trips',
    ]);
  });

  it('enforces the checks and keys as SQLite does (SQLSTATE 23514, 23503, 23505)', async () => {
    const now = '2026-12-01T00:00:00.000Z';
    const person = await pool.query<{ id: number }>(
      "insert into participants (kind, name, created_at, updated_at) values ('person', 'Ann', $1, $1) returning id",
      [now],
    );
    const id = person.rows[0]?.id;
    expect(id).toBe(1);
    await expect(
      pool.query(
        "insert into participants (kind, name, country, created_at, updated_at) values ('person', 'Bo', 'us', $1, $1)",
        [now],
      ),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      pool.query(
        "insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at) values ('T', 999, '2018-02-01', '2018-02-07', 'completed', $1, $1)",
        [now],
      ),
    ).rejects.toMatchObject({ code: '23503' });
    const trip = await pool.query<{ id: number; topics: unknown }>(
      "insert into trips (title, traveler_id, start_date, end_date, status, created_at, updated_at) values ('T', $2, '2018-02-01', '2018-02-07', 'completed', $1, $1) returning id, topics",
      [now, id],
    );
    // JSON columns default to an empty array and come back parsed, as drizzle's SQLite json mode gives them.
    expect(trip.rows[0]?.topics).toEqual([]);
    const stop = (position: number) =>
      pool.query(
        "insert into stops (trip_id, position, city, country, time_zone, created_at, updated_at) values ($2, $3, 'Lima', 'PE', 'America/Lima', $1, $1)",
        [now, trip.rows[0]?.id, position],
      );
    await stop(1);
    await expect(stop(1)).rejects.toMatchObject({ code: '23505' });
    await expect(stop(0)).rejects.toMatchObject({ code: '23514' });
  });
});
