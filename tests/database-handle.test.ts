import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { BusyError, ConstraintViolatedError, DuplicateError, ReferenceConflictError } from '../src/errors.js';
import { buildTestApp } from './helpers.js';

// The database handle (src/db/handle.ts): transactions that commit when their function's promise resolves and roll
// back when it rejects, one at a time; the writer's name reaching the audit log; the change signal; and the
// translation of the engine's errors into domain errors. On a real migrated SQLite database in memory.

let database: DatabaseHandle;
beforeEach(async () => {
  database = (await prepareDatabase({ path: ':memory:', seed: 'never' })).database;
});
afterEach(() => database.close());

const insertParticipant = (name: string) =>
  database.sqlite
    .prepare(
      `insert into participants (kind, name, created_at, updated_at)
       values ('person', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    )
    .run(name);
const names = () =>
  database.sqlite.prepare('select name from participants order by id').pluck().all() as string[];

describe('database handle', () => {
  it('commits a transaction when its function resolves, and answers its value', async () => {
    const answer = await database.transaction(async () => {
      insertParticipant('Ann');
      await Promise.resolve();
      insertParticipant('Bo');
      return 42;
    });
    expect(answer).toBe(42);
    expect(database.uncommitted()).toBe(false);
    expect(names()).toEqual(['Ann', 'Bo']);
  });

  it('rolls back everything the function wrote when it rejects, and rejects with its error', async () => {
    const failure = new Error('stop');
    await expect(
      database.transaction(async () => {
        insertParticipant('Ann');
        await Promise.resolve();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(names()).toEqual([]);
    expect(database.uncommitted()).toBe(false);
  });

  it('runs a transaction asked for while another is pending after that one has settled', async () => {
    const order: string[] = [];
    const first = database.transaction(async () => {
      order.push('first begins');
      await Promise.resolve();
      await Promise.resolve();
      order.push('first ends');
    });
    const second = database.transaction(async () => {
      order.push('second');
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['first begins', 'first ends', 'second']);
  });

  it('nests as a savepoint inside a group of writes, which keeps what the other writes did', async () => {
    const group = database.openWriteGroup();
    expect(group).not.toBeNull();
    expect(database.openWriteGroup()).toBeNull();
    insertParticipant('Kept');
    await expect(
      database.transaction(async () => {
        insertParticipant('Dropped');
        throw new Error('undo only me');
      }),
    ).rejects.toThrow('undo only me');
    group?.commit();
    expect(names()).toEqual(['Kept']);
  });

  it('records the writer named by withActor in the audit log', async () => {
    database.withActor('command:test', () => insertParticipant('Ann'));
    insertParticipant('Bo');
    const keys = database.sqlite
      .prepare(`select key_name from audit_log where resource = 'participant' order by id`)
      .pluck()
      .all();
    expect(keys).toEqual(['command:test', null]);
  });

  it('changes its generation after a write, and not without one', async () => {
    const before = database.generation();
    expect(database.generation()).toBe(before);
    await database.transaction(async () => {
      insertParticipant('Ann');
    });
    const after = database.generation();
    expect(after).not.toBe(before);
    expect(database.generation()).toBe(after);
  });

  it('translates constraint and busy errors into domain errors, and leaves other errors alone', () => {
    const failing = (sql: string) => {
      try {
        database.sqlite.exec(sql);
      } catch (error) {
        return database.translateError(error);
      }
      throw new Error(`no error from ${sql}`);
    };
    insertParticipant('Ann');
    expect(failing('insert into participants select * from participants')).toBeInstanceOf(DuplicateError);
    expect(failing(`update participants set kind = 'robot'`)).toBeInstanceOf(ConstraintViolatedError);
    expect(failing('update participants set name = null')).toBeInstanceOf(ConstraintViolatedError);
    expect(
      failing(`insert into trips (traveler_id, title, start_date, end_date, status, created_at, updated_at)
               values (999, 'x', '2026-01-01', '2026-01-02', 'planned', '2026-01-01', '2026-01-01')`),
    ).toBeInstanceOf(ReferenceConflictError);
    expect(database.translateError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBeInstanceOf(
      BusyError,
    );
    const other = new Error('other');
    expect(database.translateError(other)).toBe(other);
  });

  it('answers ping while open and rejects once closed', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
    database.close();
    await expect(database.ping()).rejects.toThrow();
  });
});

// Repositories become asynchronous resource by resource (issue 12); those already converted must stay so: each of
// their methods answers a promise, so that callers are written for an engine that answers later.
const ASYNC_REPOSITORIES = [
  'audit',
  'countries',
  'changes',
  'activity',
  'search',
  'idempotency',
  'keys',
] as const;

describe('asynchronous repositories', () => {
  it('answer a promise from every method of the converted ones', async () => {
    const { app } = await buildTestApp();
    const synchronous = ASYNC_REPOSITORIES.flatMap((name) =>
      Object.entries(app.repos[name] as Record<string, unknown>)
        .filter(([, method]) => typeof method === 'function')
        .filter(([, method]) => (method as () => unknown).constructor.name !== 'AsyncFunction')
        .map(([method]) => `${name}.${method}`),
    );
    expect(synchronous).toEqual([]);
    expect(Object.keys(app.repos.audit)).toEqual(['list', 'hasHistory']);
  });
});
