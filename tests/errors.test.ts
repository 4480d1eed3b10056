import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildTestApp, PROBLEM, sqlExec, TEST_ENGINE } from './helpers.js';

describe('errors are RFC 9457 problem details', () => {
  it('404 for an unknown route', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/itineraries').expect(404).expect('content-type', PROBLEM);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /itineraries.',
      instance: '/itineraries',
      code: 'route_not_found',
    });
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const { api } = await buildTestApp();
    const res = await api.put('/trips/1').send({}).expect(405).expect('content-type', PROBLEM);
    expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    expect(res.body.detail).toBe('PUT is not allowed on /trips/1; allowed: GET, HEAD, PATCH, DELETE.');
    const post = await api.post('/meetings').send({}).expect(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    // An empty id is no resource at all: 404, never a 405 that allows the very method it refuses.
    for (const [method, path] of [
      ['patch', '/stops/'],
      ['delete', '/trips/'],
      ['put', '/meetings/1/participants/'],
    ] as const) {
      const res = await api[method](path).send({});
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('400 for malformed JSON and for an empty JSON body', async () => {
    const { api } = await buildTestApp();
    const bad = await api
      .post('/trips')
      .set('content-type', 'application/json')
      .send('{"title": ')
      .expect(400);
    expect(bad.headers['content-type']).toMatch(PROBLEM);
    expect(bad.body.code).toBe('invalid_json');
    expect(bad.body.errors[0].path).toBe('body');
    const empty = await api.post('/trips').set('content-type', 'application/json').send('').expect(400);
    expect(empty.body.code).toBe('invalid_json');
  });

  it('400 when the body is missing or not an object', async () => {
    const { api } = await buildTestApp();
    const missing = await api.post('/participants').expect(400).expect('content-type', PROBLEM);
    expect(missing.body.errors[0].path).toBe('body');
    const array = await api.post('/participants').send([1, 2]).expect(400);
    expect(array.body.errors[0].path).toBe('body');
  });

  it('413 for a body over the limit, and nothing is written', async () => {
    const { api } = await buildTestApp();
    const huge = { kind: 'person', name: 'x'.repeat(110_000) };
    const res = await api.post('/participants').send(huge).expect(413).expect('content-type', PROBLEM);
    expect(res.body.detail).toBe('The request body is larger than the limit of 102400 bytes.');
    const list = await api.get('/participants').expect(200);
    expect(list.body.data).toHaveLength(13);
  });

  it('415 for a body that is not JSON', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .post('/participants')
      .set('content-type', 'text/plain')
      .send('name=Someone')
      .expect(415)
      .expect('content-type', PROBLEM);
    expect(res.body.detail).toContain('must be JSON');
    const form = await api.post('/participants').type('form').send({ name: 'x' }).expect(415);
    expect(form.body.code).toBe('unsupported_media_type');
  });

  it('a fault of the server is a generic 500 with a request id, no stack and no SQL', async () => {
    const { api, app } = await buildTestApp();
    // A table gone from under the server: its queries fail, for no fault of the request or the connection.
    await sqlExec(app, sql`alter table trips rename to trips_gone`);
    const res = await api.get('/trips').expect(500).expect('content-type', PROBLEM);
    expect(res.body).toMatchObject({
      status: 500,
      title: 'Internal Server Error',
      code: 'internal_error',
      detail: 'The server failed to answer this request.',
    });
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/select|sqlite|postgres|at .*\.ts|stack/i);
  });

  it('a database that went away is a 503 problem with Retry-After, for every request and /health', async () => {
    const { api, app } = await buildTestApp();
    await app.database.close();
    for (const path of ['/trips', '/trips/1?include=stops', '/health']) {
      const res = await api.get(path).expect(503).expect('content-type', PROBLEM);
      expect(res.body.code).toBe('database_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/select|sqlite|postgres|at .*\.ts|stack/i);
    }
  });

  it('a constraint the API did not foresee is a 4xx problem, never a 500', async () => {
    const { api, app } = await buildTestApp();
    // Simulate a concurrent writer taking the position between the check and the insert.
    const steal = `insert into stops (trip_id, position, city, country, time_zone, created_at, updated_at)
      values (new.trip_id, new.position, 'Elsewhere', 'EC', 'America/Guayaquil', '', '')`;
    if (TEST_ENGINE === 'postgres') {
      await sqlExec(
        app,
        sql.raw(`create function steal() returns trigger language plpgsql as $$
        begin if new.city = 'Quito' then ${steal}; end if; return new; end $$`),
      );
      await sqlExec(
        app,
        sql.raw('create trigger steal before insert on stops for each row execute function steal()'),
      );
    } else {
      await sqlExec(
        app,
        sql.raw(`create trigger steal before insert on stops when new.city = 'Quito' begin ${steal}; end`),
      );
    }
    const res = await api
      .post('/trips/1/stops')
      .send({ city: 'Quito', country: 'EC', timeZone: 'America/Guayaquil' })
      .expect(409)
      .expect('content-type', PROBLEM);
    expect(res.body).toMatchObject({
      code: 'duplicate',
      detail: 'A record with the same unique values already exists.',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/insert|stops\.|sqlite/i);
    // The failed statement left nothing behind.
    const cities = (await api.get('/trips/1/stops')).body.data.map((s: { city: string }) => s.city);
    expect(cities).not.toContain('Elsewhere');
  });
});

describe('the URL itself', () => {
  it('a malformed percent-encoding in the path is a 400 problem', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/%E0%A4%A').expect(400).expect('content-type', PROBLEM);
    expect(res.body.code).toBe('bad_url');
  });
});

describe('query parameters', () => {
  it('an operation rejects every query parameter it does not know, by name', async () => {
    const { api } = await buildTestApp();
    const list = await api.get('/trips?expand=stops&page=2').expect(400).expect('content-type', PROBLEM);
    expect(list.body.errors).toEqual([
      { path: 'query.expand', message: 'is not a known field' },
      { path: 'query.page', message: 'is not a known field' },
    ]);
    const write = await api.post('/participants?dryRun=true').send({ name: 'Nobody' }).expect(400);
    expect(write.body.errors).toEqual([{ path: 'query.dryRun', message: 'is not a known field' }]);
    expect((await api.get('/participants')).body.data.map((p: { name: string }) => p.name)).not.toContain(
      'Nobody',
    );
  });
});

describe('health', () => {
  it('answers ok once the database answers', async () => {
    const { api } = await buildTestApp({ seed: false });
    const res = await api.get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
