import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildTestApp, newParticipant, PROBLEM, sqlExec } from './helpers.js';

const countParticipants = async (api: Awaited<ReturnType<typeof buildTestApp>>['api']) =>
  (await api.get('/participants?count=true&limit=1').expect(200)).body.total as number;

describe('Idempotency-Key', () => {
  it('a POST retried with the same key creates one record and replays the first answer', async () => {
    const { api } = await buildTestApp();
    const before = await countParticipants(api);
    const send = () =>
      api.post('/participants').set('idempotency-key', 'create-ebrard-1').send(newParticipant());
    const first = await send().expect(201);
    const retry = await send().expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await countParticipants(api)).toBe(before + 1);
  });

  it('the same key with a different request is a 422, and changes nothing', async () => {
    const { api } = await buildTestApp();
    await api.post('/participants').set('idempotency-key', 'k1').send(newParticipant()).expect(201);
    const before = await countParticipants(api);
    const res = await api
      .post('/participants')
      .set('idempotency-key', 'k1')
      .send(newParticipant({ name: 'Someone else' }))
      .expect(422)
      .expect('content-type', PROBLEM);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await countParticipants(api)).toBe(before);
  });

  it('a retry while the first request is still in flight is a 409', async () => {
    const { api, app } = await buildTestApp();
    const send = () => api.post('/participants').set('idempotency-key', 'slow-1').send(newParticipant());
    await send().expect(201);
    // As if that first request had claimed the key and not answered yet.
    await sqlExec(app, sql`update idempotency_records set state = 'in_flight', status = null`);
    const res = await send().expect(409);
    expect(res.body.code).toBe('idempotency_key_in_flight');
    expect(res.headers['retry-after']).toBe('1');
    // A claim that never answered (the server died) is taken over after a minute.
    const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
    await sqlExec(app, sql`update idempotency_records set created_at = ${twoMinutesAgo}`);
    const takeover = await send().expect(201);
    expect(takeover.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keys are scoped to their holder, expire after 24 hours, and also cover PATCH and its failures', async () => {
    const { api, anon, app, token } = await buildTestApp();
    const other = await token('write');
    await api.post('/participants').set('idempotency-key', 'shared').send(newParticipant()).expect(201);
    const theirs = await anon
      .post('/participants')
      .set('authorization', `Bearer ${other}`)
      .set('idempotency-key', 'shared')
      .send(newParticipant())
      .expect(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();

    const patch = () => api.patch('/trips/1').set('idempotency-key', 'p1').send({ summary: 'Once' });
    const first = await patch().expect(200);
    const again = await patch().expect(200);
    expect(again.body.version).toBe(first.body.version);
    expect((await api.get('/trips/1')).body.version).toBe(first.body.version);

    // A 4xx answer is stored and replayed too.
    const bad = () =>
      api.patch('/stops/4').set('idempotency-key', 'p2').send({ departureDate: '2018-01-01' });
    await bad().expect(400);
    expect((await bad().expect(400)).headers['idempotent-replayed']).toBe('true');

    await sqlExec(app, sql`update idempotency_records set created_at = '2000-01-01T00:00:00.000Z'`);
    const afterExpiry = await api
      .post('/participants')
      .set('idempotency-key', 'shared')
      .send(newParticipant())
      .expect(201);
    expect(afterExpiry.headers['idempotent-replayed']).toBeUndefined();
    await api
      .post('/participants')
      .set('idempotency-key', 'bad key with spaces')
      .send(newParticipant())
      .expect(400);
    // A request that reaches no route claims nothing: the second 405 is answered afresh, with its Allow header.
    const wrongMethod = () => api.patch('/meetings').set('idempotency-key', 'k-405').send({});
    await wrongMethod().expect(405);
    const again405 = await wrongMethod().expect(405);
    expect(again405.headers.allow).toBe('GET, HEAD');
    expect(again405.headers['idempotent-replayed']).toBeUndefined();
  });
});
