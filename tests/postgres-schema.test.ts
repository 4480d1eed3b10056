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

describe('PostgreSQL migrations (TEST_DATABASE_URL)', () => {
  const name = `itinerary_schema_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let admin: pg.Client;
  let pool: pg.Pool;

  beforeAll(async () => {
    if (!url) throw new Error('the PostgreSQL project runs with TEST_DATABASE_URL only (vitest.config.ts)');
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
      'cache_generation',
      'change_feed_horizon',
      'changes',
      'idempotency_records',
      'import_records',
      'import_writes',
      'meeting_participants',
      'meetings',
      'participants',
      'search_index',
      'search_index_postings',
      'search_index_settings',
      'search_index_statistics',
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

  it('feeds /changes and the audit log by triggers, with the writer set per transaction, as SQLite does', async () => {
    const client = await pool.connect();
    const now = '2026-12-01T00:00:00.000Z';
    const insert = `insert into trips (title, traveler_id, start_date, end_date, status, topics, created_at, updated_at)
      values ('Audited', 1, '2018-02-01', '2018-02-07', 'completed', '["Trade"]', $1, $1) returning id`;
    let tripId: number | undefined;
    try {
      await client.query('begin');
      await client.query("select set_config('app.actor', 'ops-key', true)");
      tripId = (await client.query<{ id: number }>(insert, [now])).rows[0]?.id;
      await client.query("update trips set title = 'Audited again', version = version + 1 where id = $1", [
        tripId,
      ]);
      await client.query('commit');
    } finally {
      client.release();
    }
    const changes = await pool.query(
      "select action, version, changed_at from changes where resource = 'trip' and resource_id = $1 order by seq",
      [tripId],
    );
    expect(changes.rows.map((r) => [r.action, r.version])).toEqual([
      ['created', 1],
      ['updated', 2],
    ]);
    expect(changes.rows[0]?.changed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const audit = await pool.query(
      "select key_name, operation, version, before, after from audit_log where resource = 'trip' and resource_id = $1 order by id",
      [tripId],
    );
    expect(audit.rows.map((r) => [r.key_name, r.operation, r.version])).toEqual([
      ['ops-key', 'create', 1],
      ['ops-key', 'update', 2],
    ]);
    // The same object, key for key and in the same order, as SQLite's json_object writes for this trip.
    expect(Object.keys(audit.rows[0]?.after ?? {})).toEqual([
      'id',
      'title',
      'summary',
      'travelerId',
      'startDate',
      'endDate',
      'status',
      'topics',
      'context',
      'sources',
      'createdAt',
      'updatedAt',
      'version',
    ]);
    expect(audit.rows[1]?.before).toMatchObject({ title: 'Audited', topics: ['Trade'], version: 1 });
    expect(audit.rows[1]?.after).toMatchObject({ title: 'Audited again', version: 2 });
    // Outside a transaction that names a writer, the writer is null; the log refuses to change.
    await pool.query("update participants set name = 'Ann B' where id = 1");
    const anonymous = await pool.query(
      "select key_name from audit_log where resource = 'participant' and operation = 'update'",
    );
    expect(anonymous.rows).toEqual([{ key_name: null }]);
    await expect(pool.query('delete from audit_log')).rejects.toMatchObject({ code: '23001' });
  });
});
