import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { buildTestApp } from './helpers.js';

// The cache of serialized itineraries (GET /trips/{id}?include=…): a hit sends the stored bytes, and any write,
// through the API or by another connection to the database file, is seen by the next read.

const WHOLE = '/trips/1?include=stops,meetings,participants';
const selects = (queries: string[]) => queries.filter((q) => /^\s*select/i.test(q)).length;

const dir = mkdtempSync(join(tmpdir(), 'itinerary-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the itinerary cache', () => {
  it('answers a repeated read from the stored bytes, with the same ETag and Last-Modified', async () => {
    const { api, queries } = await buildTestApp();
    const first = await api.get(WHOLE).expect(200);
    queries.length = 0;
    const second = await api.get(WHOLE).expect(200);
    // The API key's lookup and the look for writes: nothing about the trip.
    expect(selects(queries)).toBeLessThanOrEqual(2);
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['last-modified']).toBe(first.headers['last-modified']);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    await api.get(WHOLE).set('if-none-match', String(first.headers.etag)).expect(304);
    // The order of include's parts does not matter.
    const reordered = await api.get('/trips/1?include=participants,meetings,stops').expect(200);
    expect(reordered.text).toBe(first.text);
  });

  it('sees every write through the API: a meeting changed, a participant renamed', async () => {
    const { api } = await buildTestApp();
    const before = await api.get(WHOLE).expect(200);
    const stop = before.body.stops[0];
    const meeting = stop.meetings[0];
    await api.patch(`/meetings/${meeting.id}`).send({ title: 'Renamed in a test' }).expect(200);
    const afterMeeting = await api.get(WHOLE).expect(200);
    expect(afterMeeting.body.stops[0].meetings[0].title).toBe('Renamed in a test');
    expect(afterMeeting.headers.etag).not.toBe(before.headers.etag);

    const someone = afterMeeting.body.stops
      .flatMap((s: { meetings: { participants: { id: number }[] }[] }) => s.meetings)
      .flatMap((m: { participants: { id: number }[] }) => m.participants)[0];
    await api.patch(`/participants/${someone.id}`).send({ name: 'A New Name' }).expect(200);
    const afterRename = await api.get(WHOLE).expect(200);
    expect(afterRename.text).toContain('A New Name');
    await api.get(WHOLE).set('if-none-match', String(before.headers.etag)).expect(200);
  });

  it('sees writes from another connection to the same database file', async () => {
    const databasePath = join(dir, 'other-connection.db');
    const { api } = await buildTestApp({ databasePath });
    const before = await api.get(WHOLE).expect(200);
    const other = openDatabase(databasePath);
    try {
      engineOf(other)
        .sqlite.prepare('update trips set title = ? where id = 1')
        .run('Changed by another process');
    } finally {
      await other.close();
    }
    const after = await api.get(WHOLE).expect(200);
    expect(after.body.title).toBe('Changed by another process');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('can be turned off (ITINERARY_CACHE_MB=0), with the same answers', async () => {
    const databasePath = join(dir, 'off.db');
    const cached = await buildTestApp({ databasePath });
    const uncached = await buildTestApp({ databasePath, config: { ITINERARY_CACHE_MB: 0 } });
    const a = await cached.api.get(WHOLE).expect(200);
    const b = await uncached.api.get(WHOLE).expect(200);
    expect(b.text).toBe(a.text);
    expect(b.headers.etag).toBe(a.headers.etag);
    uncached.queries.length = 0;
    await uncached.api.get(WHOLE).expect(200);
    expect(selects(uncached.queries)).toBeGreaterThan(2);
  });
});
