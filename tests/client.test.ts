import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createItineraryClient, type ItineraryClient, isProblem } from '../client/dist/index.js';
import { buildTestApp } from './helpers.js';

// The typed client (client/, compiled as it ships) against the real server on a real port, on SQLite and on
// PostgreSQL: every request and assertion here goes through the client and what it parsed, not through supertest.

/** A seeded app listening on 127.0.0.1, with a client holding a write key and one holding none. */
async function clients(): Promise<{ writer: ItineraryClient; anonymous: ItineraryClient }> {
  const { app, token } = await buildTestApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    writer: createItineraryClient({ baseUrl, token: await token('write') }),
    anonymous: createItineraryClient({ baseUrl }),
  };
}

describe('the typed client', () => {
  it('lists trips and reads the seed trip with its whole itinerary through include', async () => {
    const { anonymous } = await clients();
    const trips = await anonymous.GET('/trips');
    expect(trips.error).toBeUndefined();
    expect(trips.response.status).toBe(200);
    expect(trips.data?.data.map((trip) => trip.id)).toEqual([1]);
    expect(trips.data?.data[0]?.title).toMatch(/^Secretary Tillerson's trip/);
    expect(trips.data?.nextCursor).toBeNull();

    const { data, error, response } = await anonymous.GET('/trips/{id}', {
      params: { path: { id: '1' }, query: { include: 'stops,meetings,participants' } },
    });
    expect(error).toBeUndefined();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(data?.traveler?.name).toBe('Rex Tillerson');
    // The stops in visit order, as the trip's stop list has them.
    const listed = await anonymous.GET('/trips/{id}/stops', { params: { path: { id: '1' } } });
    expect(listed.data?.data).toHaveLength(7);
    expect(data?.stops?.map((stop) => [stop.position, stop.city])).toEqual(
      listed.data?.data.map((stop) => [stop.position, stop.city]),
    );
    const buenosAires = data?.stops?.find((stop) => stop.city === 'Buenos Aires');
    const macri = buenosAires?.meetings?.find((meeting) => meeting.id === 8);
    expect(macri?.title).toBe('Meeting with President Mauricio Macri');
    expect(macri?.participants?.map((p) => [p.name, p.role])).toEqual([
      ['Rex Tillerson', 'delegation_member'],
      ['Mauricio Macri', 'host'],
    ]);
  });

  it('sends the key it was made with: a write without one is a 401 problem', async () => {
    const { anonymous, writer } = await clients();
    const body = { kind: 'person' as const, name: 'Marcelo Ebrard', country: 'MX' };
    const refused = await anonymous.POST('/participants', { body });
    expect(refused.data).toBeUndefined();
    expect(refused.response.status).toBe(401);
    expect(isProblem(refused.error)).toBe(true);
    expect(refused.error?.code).toBe('unauthorized');
    const created = await writer.POST('/participants', { body });
    expect(created.response.status).toBe(201);
    expect(created.data?.name).toBe('Marcelo Ebrard');
  });

  it('creates with an Idempotency-Key, and the retry with that key gets the same answer without a second record', async () => {
    const { writer } = await clients();
    const body = {
      kind: 'person' as const,
      name: 'Idempotent Ebrard',
      title: 'Foreign Minister',
      country: 'MX',
    };
    const send = () =>
      writer.POST('/participants', { params: { header: { 'idempotency-key': 'create-ebrard-1' } }, body });
    const first = await send();
    const retry = await send();
    expect(first.response.status).toBe(201);
    expect(retry.response.status).toBe(201);
    expect(first.data?.id).toBeGreaterThan(0);
    expect(retry.data).toEqual(first.data);
    expect(retry.response.headers.get('location')).toBe(`/participants/${first.data?.id}`);
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    const found = await writer.GET('/participants', { params: { query: { q: 'Idempotent Ebrard' } } });
    expect(found.data?.data.map((p) => p.id)).toEqual([first.data?.id]);

    // The same key with another body is refused, not replayed.
    const other = await writer.POST('/participants', {
      params: { header: { 'idempotency-key': 'create-ebrard-1' } },
      body: { ...body, name: 'Someone Else' },
    });
    expect(other.response.status).toBe(422);
    expect(other.error?.status).toBe(422);
  });

  it('a write refused under Prefer: handling=strict is a typed 409 problem listing the conflicts', async () => {
    const { writer } = await clients();
    const meeting = (title: string) => ({
      kind: 'bilateral' as const,
      title,
      date: '2018-02-06',
      partOfDay: 'morning' as const,
      participants: [{ participantId: 1, role: 'delegation_member' as const }],
    });
    const breakfast = await writer.POST('/stops/{id}/meetings', {
      params: { path: { id: '5' } },
      body: meeting('Breakfast with Foreign Minister Aljovin'),
    });
    expect(breakfast.response.status).toBe(201);
    const { data, error, response } = await writer.POST('/stops/{id}/meetings', {
      params: { path: { id: '6' }, header: { prefer: 'handling=strict' } },
      body: meeting('Morning talks with President Santos'),
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('preference-applied')).toBe('handling=strict');
    expect(error?.status).toBe(409);
    expect(error?.code).toBe('schedule_conflict');
    expect(error?.errors).toBeUndefined();
    const conflicts = error && 'conflicts' in error ? error.conflicts : undefined;
    expect(conflicts?.map((c) => [c.kind, c.participant?.name, c.records.map((r) => r.id)])).toEqual([
      ['two_places_same_day', 'Rex Tillerson', [breakfast.data?.id, null]],
    ]);
  });

  it('a PATCH with a stale If-Match is a typed 412 problem, and the current ETag makes it', async () => {
    const { writer } = await clients();
    const read = await writer.GET('/meetings/{id}', { params: { path: { id: '8' } } });
    const etag = read.response.headers.get('etag');
    expect(etag).toBe('"v1"');
    const patch = (ifMatch: string, description: string) =>
      writer.PATCH('/meetings/{id}', {
        params: { path: { id: '8' }, header: { 'if-match': ifMatch } },
        body: { description },
      });
    const changed = await patch('"v1"', 'First change');
    expect(changed.response.status).toBe(200);
    expect(changed.data?.version).toBe(2);
    expect(changed.response.headers.get('etag')).toBe('"v2"');

    const stale = await patch('"v1"', 'A change made on an old copy');
    expect(stale.data).toBeUndefined();
    expect(stale.response.status).toBe(412);
    expect(stale.error?.status).toBe(412);
    expect(stale.error?.code).toBe('precondition_failed');
    expect(stale.error?.detail).toContain('"v2"');
    expect(stale.error?.errors).toBeUndefined();
    const after = await writer.GET('/meetings/{id}', { params: { path: { id: '8' } } });
    expect(after.data?.description).toBe('First change');
  });

  it('bad input is a typed 400 problem whose errors[] names each bad field', async () => {
    const { writer } = await clients();
    const { data, error, response } = await writer.POST('/trips/{id}/stops', {
      params: { path: { id: '1' } },
      body: {
        city: 'Quito',
        country: 'ec',
        timeZone: 'America/Quito',
        arrivalDate: '2018-02-07',
        departureDate: '2018-02-07',
      },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(isProblem(error)).toBe(true);
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('validation_failed');
    expect(error?.errors?.map((e) => e.path)).toEqual(['body.country', 'body.timeZone']);
  });

  it('isProblem tells a problem from what a proxy might answer instead', () => {
    expect(isProblem({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'x' })).toBe(true);
    expect(isProblem('<html>502 Bad Gateway</html>')).toBe(false);
    expect(isProblem({ message: 'Bad Gateway' })).toBe(false);
    expect(isProblem(null)).toBe(false);
  });
});
