import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  messagesOf,
  newParticipant,
  PROBLEM,
  rejection,
  sqlExec,
  sqlRows,
  TEST_ENGINE,
  testDatabaseUrl,
} from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bearer = (token: string) => `Bearer ${token}`;

describe('API keys and scopes', () => {
  it('a write without a key is 401, with a read key 403, with a write key it succeeds and is audited', async () => {
    const { anon, api, token } = await buildTestApp();
    const none = await anon
      .post('/participants')
      .send(newParticipant())
      .expect(401)
      .expect('content-type', PROBLEM);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="diplomatic-itinerary"');
    const unknown = await anon
      .post('/participants')
      .set('authorization', bearer('itk_not-a-real-token'))
      .send(newParticipant())
      .expect(401);
    // Neither answer says which part was wrong.
    expect(unknown.body.detail).toBe(none.body.detail);

    const reader = await token('read', 'reader');
    const forbidden = await anon
      .post('/participants')
      .set('authorization', bearer(reader))
      .send(newParticipant())
      .expect(403);
    expect(forbidden.body.detail).toContain('write scope');

    const writer = await token('write', 'newsroom-editor');
    const created = await anon
      .post('/participants')
      .set('authorization', bearer(writer))
      .send(newParticipant({ name: 'Audited Person' }))
      .expect(201);
    const audit = await api.get('/audit?resource=participant&key=newsroom-editor').expect(200);
    expect(audit.body.data).toEqual([
      expect.objectContaining({
        keyName: 'newsroom-editor',
        operation: 'create',
        resource: 'participant',
        resourceId: created.body.id,
        before: null,
        after: expect.objectContaining({ name: 'Audited Person', version: 1 }),
      }),
    ]);
    // The unauthenticated attempts wrote nothing.
    expect((await api.get('/participants?q=Marcelo').expect(200)).body.data).toEqual([]);
  });

  it('reads are public by default; READ_ACCESS=key needs any key, but never for /health or the docs', async () => {
    const open = await buildTestApp();
    await open.anon.get('/trips/1').expect(200);
    const closed = await buildTestApp({ config: { READ_ACCESS: 'key' } });
    await closed.anon.get('/trips/1').expect(401);
    await closed.anon
      .get('/trips/1')
      .set('authorization', bearer(await closed.token('read')))
      .expect(200);
    await closed.anon.get('/health').expect(200);
    await closed.anon.get('/openapi.json').expect(200);
  });

  it('admins manage keys over HTTP: the token is shown once, revoked tokens stop at once', async () => {
    const { anon, api, token } = await buildTestApp();
    await anon
      .get('/keys')
      .set('authorization', bearer(await token('write')))
      .expect(403);
    const created = await api.post('/keys').send({ name: 'importer', scope: 'write' }).expect(201);
    expect(created.body).toMatchObject({ name: 'importer', scope: 'write', revokedAt: null });
    expect(created.body.token).toMatch(/^itk_[A-Za-z0-9_-]{43}$/);
    const listed = await api.get('/keys').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect(listed.body.data.find((k: { name: string }) => k.name === 'importer')).toBeDefined();
    await api.post('/keys').send({ name: 'importer', scope: 'read' }).expect(409);
    await api.post('/keys').send({ name: 'bad name!', scope: 'read' }).expect(400);

    const use = () =>
      anon.post('/participants').set('authorization', bearer(created.body.token)).send(newParticipant());
    await use().expect(201);
    const used = (await api.get('/keys').expect(200)).body.data.find(
      (k: { name: string }) => k.name === 'importer',
    );
    expect(used.lastUsedAt).toEqual(expect.any(String));
    await api.delete('/keys/importer').expect(204);
    await use().expect(401);
    await api.delete('/keys/importer').expect(404);
  });

  it('stores tokens only as hashes: no token appears anywhere in the database', async () => {
    if (TEST_ENGINE === 'postgres') {
      // Every row of every table, as pg_dump writes them out.
      const { api, databaseUrl } = await buildTestApp();
      const { body } = await api.post('/keys').send({ name: 'secret-holder', scope: 'admin' }).expect(201);
      const dump = spawnSync('pg_dump', ['--data-only', databaseUrl ?? ''], { encoding: 'utf8' });
      expect(dump.status, dump.stderr).toBe(0);
      expect(dump.stdout.includes(body.token)).toBe(false);
      expect(dump.stdout.includes('secret-holder')).toBe(true);
      return;
    }
    // Every byte of the file, once the log is written back into it.
    const path = join(dir, 'tokens.db');
    const { app, api } = await buildTestApp({ databasePath: path });
    const { body } = await api.post('/keys').send({ name: 'secret-holder', scope: 'admin' }).expect(201);
    // A full checkpoint is busy while the background one runs (src/db/checkpointer.ts): asked again until done.
    for (let tries = 0; tries < 100; tries += 1) {
      const [result] = await sqlRows<{ busy: number }>(app, 'pragma wal_checkpoint(TRUNCATE)');
      if (result?.busy === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readFileSync(path).includes(Buffer.from(body.token))).toBe(false);
    expect(readFileSync(path).includes(Buffer.from('secret-holder'))).toBe(true);
  });

  it('npm run keys creates (token alone on the last line), lists and revokes keys in the database', async () => {
    // The database the commands and the server share: a file on SQLite, a database on PostgreSQL.
    const where =
      TEST_ENGINE === 'postgres'
        ? { env: { DATABASE_URL: await testDatabaseUrl() }, app: {} }
        : { env: { DATABASE_PATH: join(dir, 'cli.db') }, app: { databasePath: join(dir, 'cli.db') } };
    const keys = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../src/cli/keys.ts', import.meta.url)), ...args],
        {
          env: { ...process.env, ...where.env },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
    const created = keys('create', '--name', 'first-admin', '--scope', 'admin');
    expect(created.status, created.stderr).toBe(0);
    const token = created.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^itk_/);
    const list = keys('list');
    expect(list.stdout).toMatch(/^first-admin\tadmin\tcreated .*\tlast used never$/m);
    expect(list.stdout).not.toContain(token);
    expect(keys('create', '--name', 'x', '--scope', 'root').status).toBe(2);
    // The server on that database accepts the token.
    const { anon } = await buildTestApp(
      TEST_ENGINE === 'postgres' ? { config: { DATABASE_URL: where.env.DATABASE_URL } } : where.app,
    );
    await anon.post('/participants').set('authorization', bearer(token)).send(newParticipant()).expect(201);
    expect(keys('revoke', 'first-admin').status).toBe(0);
    await anon.post('/participants').set('authorization', bearer(token)).send(newParticipant()).expect(401);
    expect(keys('revoke', 'first-admin').status).toBe(1);
  });
});

describe('no lost updates', () => {
  it('clients racing from the same ETag, all at once: exactly one wins each write, the others get 412', async () => {
    // On PostgreSQL these run in concurrent transactions; the version check is part of each UPDATE or DELETE.
    const { api } = await buildTestApp();
    // One 2xx; the others 412, or 404 once the winner deleted the record.
    const race = async (path: string, send: (i: number) => Promise<{ status: number }>) => {
      const statuses = (await Promise.all(Array.from({ length: 8 }, (_, i) => send(i)))).map((r) => r.status);
      expect(
        statuses.filter((s) => s < 300),
        `${path}: ${statuses}`,
      ).toHaveLength(1);
      expect(
        statuses.filter((s) => s === 412 || s === 404),
        `${path}: ${statuses}`,
      ).toHaveLength(7);
      return statuses.findIndex((s) => s < 300);
    };
    const etag = async (path: string) => (await api.get(path).expect(200)).headers.etag ?? '';

    const tripTag = await etag('/trips/1');
    const trip = await race('/trips/1', (i) =>
      api
        .patch('/trips/1')
        .set('if-match', tripTag)
        .send({ summary: `Writer ${i}` }),
    );
    expect((await api.get('/trips/1')).body.summary).toBe(`Writer ${trip}`);

    const meetingTag = await etag('/meetings/8');
    const meeting = await race('/meetings/8', (i) =>
      api
        .patch('/meetings/8')
        .set('if-match', meetingTag)
        .send({ description: `Writer ${i}` }),
    );
    expect((await api.get('/meetings/8')).body).toMatchObject({ description: `Writer ${meeting}` });

    const attendanceTag = await etag('/meetings/8');
    await race('/meetings/8/participants', (i) =>
      api
        .put(`/meetings/8/participants/${i + 1}`)
        .set('if-match', attendanceTag)
        .send({ role: 'attendee' }),
    );

    const stopTag = await etag('/stops/3');
    await race('/stops/3', (i) =>
      i % 2 === 0
        ? api.delete('/stops/3').set('if-match', stopTag)
        : api
            .patch('/stops/3')
            .set('if-match', stopTag)
            .send({ notes: `Writer ${i}` }),
    );
  });

  it('two clients PATCH the same meeting from the same ETag: one wins, the other gets 412 and loses nothing', async () => {
    const { api } = await buildTestApp();
    const read = await api.get('/meetings/8').expect(200);
    const tag = read.headers.etag ?? '';
    // The version, named with the coding supertest's gzip answer came in (plugins/http-caching.ts).
    expect(tag).toBe(`"v${read.body.version}-gzip"`);

    const first = await api
      .patch('/meetings/8')
      .set('if-match', tag)
      .send({ status: 'confirmed', topics: ['trade'] })
      .expect(200);
    expect(first.headers.etag).toBe(`"v${read.body.version + 1}-gzip"`);
    const second = await api
      .patch('/meetings/8')
      .set('if-match', tag)
      .send({ description: 'Second writer' })
      .expect(412)
      .expect('content-type', PROBLEM);
    expect(second.body.detail).toContain(`"v${read.body.version + 1}"`);
    expect((await api.get('/meetings/8')).body.description).not.toBe('Second writer');

    // The loser reads again and reapplies: both changes are kept.
    const again = await api.get('/meetings/8').expect(200);
    await api
      .patch('/meetings/8')
      .set('if-match', again.headers.etag ?? '')
      .send({ description: 'Second writer' })
      .expect(200);
    const final = (await api.get('/meetings/8').expect(200)).body;
    expect(final).toMatchObject({
      topics: ['trade'],
      description: 'Second writer',
      version: read.body.version + 2,
    });
  });

  it('a stale If-Match on DELETE or attendance changes nothing; * and a list of tags work; weak tags never match', async () => {
    const { api } = await buildTestApp();
    await api.delete('/participants/13').set('if-match', '"v9"').expect(412);
    await api.delete('/meetings/11').set('if-match', 'W/"v1"').expect(412);
    await api.get('/meetings/11').expect(200);
    await api.put('/meetings/11/participants/1').set('if-match', '"v7"').send({ role: 'host' }).expect(412);
    await api.patch('/trips/1').set('if-match', '*').send({ summary: 'Any version' }).expect(200);
    await api.patch('/trips/1').set('if-match', '"v1", "v2"').send({ summary: 'Listed version' }).expect(200);
    await api.delete('/meetings/11').set('if-match', '"v1"').expect(204);
  });

  it('with REQUIRE_IF_MATCH, a write without If-Match is 428', async () => {
    const { api } = await buildTestApp({ config: { REQUIRE_IF_MATCH: 'true' } });
    const res = await api
      .patch('/trips/1')
      .send({ summary: 'x' })
      .expect(428)
      .expect('content-type', PROBLEM);
    expect(res.body.code).toBe('precondition_required');
    await api.delete('/meetings/1').expect(428);
    await api.patch('/trips/1').set('if-match', '"v1"').send({ summary: 'x' }).expect(200);
  });
});

describe('audit history', () => {
  it('records before and after of every write, cascades included, and each record’s versions', async () => {
    const { api, anon, token } = await buildTestApp();
    await api.patch('/stops/4').send({ notes: 'Changed notes' }).expect(200);
    const history = await api.get('/stops/4/history').expect(200);
    expect(history.body.data.map((e: { operation: string }) => e.operation)).toEqual(['create', 'update']);
    const update = history.body.data[1];
    expect(update.before.notes).not.toBe('Changed notes');
    expect(update.after.notes).toBe('Changed notes');
    expect(update.keyName).toMatch(/^test-admin-/);
    // Who wrote is for admins.
    const publicView = await anon.get('/stops/4/history').expect(200);
    expect(publicView.body.data.every((e: { keyName: string | null }) => e.keyName === null)).toBe(true);
    // The seed is audited as a command.
    expect(history.body.data[0].keyName).toBe('command:seed');

    await api.delete('/stops/4').expect(204);
    const deletions = await api.get('/audit?resource=meeting&count=true').expect(200);
    const deleted = deletions.body.data.filter((e: { operation: string }) => e.operation === 'delete');
    expect(deleted.map((e: { resourceId: number }) => e.resourceId).sort()).toEqual([5, 6, 7, 8]);
    // A deleted record keeps its history.
    expect((await api.get('/stops/4/history').expect(200)).body.data.at(-1).operation).toBe('delete');
    await api.get('/stops/999/history').expect(404);
    await anon
      .get('/audit')
      .set('authorization', bearer(await token('write')))
      .expect(403);
  });

  it('is append-only, whatever code tries to change it', async () => {
    const { app } = await buildTestApp();
    for (const statement of ['update audit_log set key_name = null', 'delete from audit_log']) {
      expect(messagesOf(await rejection(sqlExec(app, sql.raw(statement)))), statement).toMatch(/append-only/);
    }
  });
});
