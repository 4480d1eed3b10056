import { describe, expect, it } from 'vitest';
import { buildTestApp, newStop, newTrip, PROBLEM, type TestApp } from './helpers.js';

type Change = { type: string; id: number; action: string; deleted: boolean; version: number | null };
type ChangesPage = { data: Change[]; nextToken: string; hasMore: boolean };

const token = async (api: TestApp['api']) =>
  ((await api.get('/changes').expect(200)).body as ChangesPage).nextToken;
const since = async (api: TestApp['api'], t: string, limit = 200) =>
  (await api.get(`/changes?since=${t}&limit=${limit}`).expect(200)).body as ChangesPage;
const brief = (c: Change) => `${c.action} ${c.type} ${c.id}`;

describe('the change feed', () => {
  it('without since answers the current token and no changes', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/changes').expect(200);
    expect(res.body).toEqual({ data: [], nextToken: expect.any(String), hasMore: false });
    // Nothing happened since: an empty page that hands back the same token.
    expect(await since(api, res.body.nextToken)).toEqual({
      data: [],
      nextToken: res.body.nextToken,
      hasMore: false,
    });
  });

  it('lists creations, updates and deletions oldest first, with tombstones for cascaded deletes', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    const trip = (await api.post('/trips').send(newTrip(1)).expect(201)).body;
    const stop = (await api.post(`/trips/${trip.id}/stops`).send(newStop()).expect(201)).body;
    const meeting = (
      await api
        .post(`/stops/${stop.id}/meetings`)
        .send({ kind: 'press', title: 'Press', participants: [{ participantId: 1, role: 'host' }] })
        .expect(201)
    ).body;
    await api.patch(`/trips/${trip.id}`).send({ status: 'confirmed' }).expect(200);
    await api.delete(`/trips/${trip.id}`).expect(204);

    const page = await since(api, start);
    expect(page.data.slice(0, 4).map(brief)).toEqual([
      `created trip ${trip.id}`,
      `created stop ${stop.id}`,
      `created meeting ${meeting.id}`,
      `updated trip ${trip.id}`,
    ]);
    // One delete, three tombstones: the engine's cascade decides their order (SQLite's children first,
    // PostgreSQL's the trip first), one transaction writes them all.
    expect(page.data.slice(4).map(brief).sort()).toEqual([
      `deleted meeting ${meeting.id}`,
      `deleted stop ${stop.id}`,
      `deleted trip ${trip.id}`,
    ]);
    expect(page.data.find((c) => c.action === 'updated')?.version).toBe(2);
    const tombstone = page.data.find((c) => c.type === 'trip' && c.deleted);
    expect(tombstone).toMatchObject({ type: 'trip', id: trip.id, deleted: true, version: null });
    expect(page.hasMore).toBe(false);
    // The next call from nextToken sees only what came after.
    await api.post('/participants').send({ name: 'Later' }).expect(201);
    expect((await since(api, page.nextToken)).data.map((c) => c.type)).toEqual(['participant']);
  });

  it('records nothing for a write that failed', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    await api.post('/trips').send(newTrip(999)).expect(400);
    await api.patch('/stops/4').send({ departureDate: '2018-01-01' }).expect(400);
    await api.delete('/participants/1').expect(409);
    expect((await since(api, start)).data).toEqual([]);
  });

  it('pages with limit and hasMore, and a Link to the next page', async () => {
    const { api } = await buildTestApp();
    const start = await token(api);
    for (let i = 0; i < 5; i += 1)
      await api
        .post('/participants')
        .send({ name: `P${i}` })
        .expect(201);
    const first = await api.get(`/changes?since=${start}&limit=2`).expect(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.hasMore).toBe(true);
    expect(first.headers.link).toContain(`since=${first.body.nextToken}`);
    const rest = await since(api, first.body.nextToken);
    expect(rest.data).toHaveLength(3);
    expect(rest.hasMore).toBe(false);
  });

  it('answers 410 Gone for a token older than the kept history, and 400 for a forged one', async () => {
    const { api, app } = await buildTestApp();
    const old = await token(api);
    await api.post('/participants').send({ name: 'Soon pruned' }).expect(201);
    const recent = await token(api);
    const cutoff = new Date(Date.now() + 60_000).toISOString();
    await app.database.transaction((tx) => app.repos.changes.pruneBefore(cutoff, tx));
    const gone = await api.get(`/changes?since=${old}`).expect(410).expect('content-type', PROBLEM);
    expect(gone.body.code).toBe('token_expired');
    // A token taken after the pruned changes is still good.
    expect((await since(api, recent)).data).toEqual([]);
    const forged = await api.get('/changes?since=abc').expect(400);
    expect(forged.body.errors[0].path).toBe('query.since');
    const ahead = Buffer.from('changes:999999').toString('base64url');
    await api.get(`/changes?since=${ahead}`).expect(400);
  });
});
