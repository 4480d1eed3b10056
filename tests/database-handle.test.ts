import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { BusyError, ConstraintViolatedError, DuplicateError, ReferenceConflictError } from '../src/errors.js';
import { CreateMeetingSchema } from '../src/schemas/meetings.js';
import { checkedWrite } from '../src/services/conflicts-service.js';
import { buildTestApp } from './helpers.js';

// The database handle (src/db/handle.ts): transactions that commit when their function's promise resolves and roll
// back when it rejects, one at a time; the writer's name reaching the audit log; the change signal; and the
// translation of the engine's errors into domain errors. On a real migrated SQLite database in memory.

let database: DatabaseHandle;
beforeEach(async () => {
  database = (await prepareDatabase({ path: ':memory:', seed: 'never' })).database;
});
afterEach(async () => {
  await database.close();
});

const insertParticipant = (name: string) =>
  engineOf(database)
    .sqlite.prepare(
      `insert into participants (kind, name, created_at, updated_at)
       values ('person', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    )
    .run(name);
const names = () =>
  engineOf(database).sqlite.prepare('select name from participants order by id').pluck().all() as string[];

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

  it('records the writer a view names in the audit log, and no one for the handle itself', async () => {
    const asTest = database.as('command:test');
    expect(database.as('command:test')).toBe(asTest);
    expect(database.as(null)).toBe(database);
    // Interleaved: the view's write waits while the handle's runs, and each keeps its own writer.
    await Promise.all([
      asTest.transaction(async () => insertParticipant('Ann')),
      database.transaction(async () => insertParticipant('Bo')),
      asTest.autocommit(async () => insertParticipant('Cy')),
    ]);
    insertParticipant('Di');
    const keys = engineOf(database)
      .sqlite.prepare(`select key_name from audit_log where resource = 'participant' order by id`)
      .pluck()
      .all();
    expect(keys).toEqual(['command:test', null, 'command:test', null]);
  });

  it('changes its generation after a write, and not without one', async () => {
    const before = await database.generation();
    expect(await database.generation()).toBe(before);
    await database.transaction(async () => {
      insertParticipant('Ann');
    });
    const after = await database.generation();
    expect(after).not.toBe(before);
    expect(await database.generation()).toBe(after);
  });

  it('answers every call from a read made after it, shared by the calls made before that read', async () => {
    // In memory there is one connection, so its own writes stand for anyone's: what matters is when the read is.
    const before = await database.generation();
    const first = database.generation();
    insertParticipant('Ann');
    const second = database.generation();
    expect(second).toBe(first);
    // The write came after the first call but before its read: both answers see it.
    expect(await first).not.toBe(before);
    expect(await second).toBe(await first);
    // A call after that read gets a read of its own.
    insertParticipant('Bob');
    expect(await database.generation()).not.toBe(await first);
  });

  it('translates constraint and busy errors into domain errors, and leaves other errors alone', () => {
    const failing = (sql: string) => {
      try {
        engineOf(database).sqlite.exec(sql);
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
    await database.close();
    await expect(database.ping()).rejects.toThrow();
  });
});

describe('work of the handle runs alone', () => {
  it('a write asked for during a refused checked write is neither joined to it nor rolled back with it', async () => {
    const { app } = await buildTestApp();
    const { database: handle, repos } = app;
    const aide = await handle.transaction((tx) =>
      repos.participants.create(
        { kind: 'person', name: 'Alone Aide', title: null, country: null, organization: null },
        tx,
      ),
    );
    const attend = [{ participantId: aide.id, role: 'attendee' as const }];
    const meeting = (title: string) =>
      CreateMeetingSchema.parse({
        kind: 'bilateral',
        title,
        date: '2018-02-02',
        startTime: '10:00',
        endTime: '11:00',
        participants: attend,
      });
    await handle.transaction((tx) => repos.meetings.create(1, meeting('First'), tx));
    // Started together, without an await between them: the strict write is refused after several awaits.
    const refused = checkedWrite(handle, repos.conflicts, {
      handling: 'strict',
      write: (tx) => repos.meetings.create(1, meeting('Refused'), tx),
      focus: (created) => ({ meetingIds: [created.id] }),
    });
    const other = handle.transaction((tx) =>
      repos.participants.create(
        { kind: 'person', name: 'Bystander', title: null, country: null, organization: null },
        tx,
      ),
    );
    const seen = handle.read(async (tx) =>
      (await repos.meetings.list({ stopIds: [1] }, tx)).map((m) => m.title),
    );
    await expect(refused).rejects.toMatchObject({ code: 'schedule_conflict' });
    const bystander = await other;
    expect(await seen).not.toContain('Refused');
    const count = (sql: string, value: unknown) =>
      engineOf(app.database).sqlite.prepare(sql).pluck().get(value);
    expect(count('select count(*) from participants where id = ?', bystander.id)).toBe(1);
    expect(count('select count(*) from meetings where title = ?', 'Refused')).toBe(0);
  });

  it('keeps a transaction isolated while it awaits a timer (the input of oven-sh/bun#24662)', async () => {
    // bun's report: a statement run from a timer while an async transaction awaited landed inside it. Here the
    // timer's write is work of the handle too, so it waits for the transaction to settle.
    const count = () => names().length;
    let later: Promise<void> | undefined;
    const seen = await database.transaction(async () => {
      insertParticipant('First');
      later = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
        database.transaction(async () => {
          insertParticipant('From a timer');
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      return count();
    });
    await later;
    expect(seen).toBe(1);
    expect(names()).toEqual(['First', 'From a timer']);
  });
});

// Every repository method answers a promise, so that callers are written for an engine that answers later.

describe('asynchronous repositories', () => {
  it('answer a promise from every method of every repository', async () => {
    const { app } = await buildTestApp();
    expect(Object.keys(app.repos)).toHaveLength(12);
    const synchronous = (Object.keys(app.repos) as (keyof typeof app.repos)[]).flatMap((name) =>
      Object.entries(app.repos[name] as Record<string, unknown>)
        .filter(([, method]) => typeof method === 'function')
        .filter(([, method]) => (method as () => unknown).constructor.name !== 'AsyncFunction')
        .map(([method]) => `${name}.${method}`),
    );
    expect(synchronous).toEqual([]);
    expect(Object.keys(app.repos.audit)).toEqual(['list', 'hasHistory']);
  });
});
