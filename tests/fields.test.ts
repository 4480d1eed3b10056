import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTestApp, PROBLEM } from './helpers.js';

// Sparse fieldsets (plugins/fields.ts): `fields[<type>]=a,b` answers only those fields of each resource of that
// type, wherever it is in the answer; `id` and the parts `include` embeds are always there.

const ITINERARY = '/trips/1?include=stops,meetings,participants';

type Json = Record<string, unknown>;

/** The keys of each object a walk of the answer meets, by the field that holds it. */
function keysAt(body: Json, path: string[]): string[][] {
  let level: unknown[] = [body];
  for (const field of path) {
    level = level.flatMap((item) => {
      const value = (item as Json)[field];
      return Array.isArray(value) ? value : value === undefined ? [] : [value];
    });
  }
  return level.map((item) => Object.keys(item as Json));
}

describe('fields[<type>]', () => {
  it('picks the fields of every resource of an itinerary, keeping id and the parts include embeds', async () => {
    const { api } = await buildTestApp();
    const full = (await api.get(ITINERARY).expect(200)).body as Json;
    const res = await api
      .get(
        `${ITINERARY}&fields[trips]=title,startDate&fields[stops]=city&fields[meetings]=id,title,date,startsAt` +
          '&fields[participants]=name,role',
      )
      .expect(200);
    const picked = res.body as Json;
    expect(Object.keys(picked)).toEqual(['id', 'title', 'startDate', 'traveler', 'stops']);
    expect(picked.title).toBe(full.title);
    expect(keysAt(picked, ['traveler'])).toEqual([['id', 'name']]);
    const stops = keysAt(picked, ['stops']);
    expect(stops.length).toBe(keysAt(full, ['stops']).length);
    for (const keys of stops) expect(keys).toEqual(['id', 'city', 'meetings']);
    const meetings = keysAt(picked, ['stops', 'meetings']);
    expect(meetings.length).toBeGreaterThan(5);
    for (const keys of meetings) expect(keys).toEqual(['id', 'title', 'date', 'startsAt', 'participants']);
    const attendees = keysAt(picked, ['stops', 'meetings', 'participants']);
    expect(attendees.length).toBe(keysAt(full, ['stops', 'meetings', 'participants']).length);
    for (const keys of attendees) expect(keys).toEqual(['id', 'name', 'role']);
    // The values are the whole answer's.
    const firstStop = (full.stops as Json[])[0] as Json;
    expect((picked.stops as Json[])[0]).toMatchObject({ id: firstStop.id, city: firstStop.city });
  });

  it('a type not named keeps all its fields; an empty list keeps the id only', async () => {
    const { api } = await buildTestApp();
    const full = (await api.get('/trips/1?include=stops').expect(200)).body as Json;
    const picked = (await api.get('/trips/1?include=stops&fields[trips]=').expect(200)).body as Json;
    expect(Object.keys(picked)).toEqual(['id', 'stops']);
    expect(picked.stops).toEqual(full.stops);
    // Repeated, as the other list parameters may be: the same as one comma-separated list.
    const repeated = await api.get('/trips/1?fields[trips]=title&fields[trips]=status').expect(200);
    expect(Object.keys(repeated.body)).toEqual(['id', 'title', 'status']);
  });

  it('works on pages and on single records of every resource, and on nested collections', async () => {
    const { api } = await buildTestApp();
    const cases: [string, string[], string[]][] = [
      ['/trips?fields[trips]=title', ['data'], ['id', 'title']],
      [
        '/trips?include=traveler&fields[trips]=status&fields[participants]=name',
        ['data', 'traveler'],
        ['id', 'name'],
      ],
      ['/trips/1?fields[trips]=endDate,title', [], ['id', 'title', 'endDate']],
      ['/trips/1/stops?fields[stops]=position', ['data'], ['id', 'position']],
      ['/stops?fields[stops]=city,country', ['data'], ['id', 'city', 'country']],
      ['/stops/4?include=meetings&fields[meetings]=kind', ['meetings'], ['id', 'kind']],
      ['/stops/4?fields[stops]=notes', [], ['id', 'notes']],
      ['/stops/4/meetings?fields[meetings]=title', ['data'], ['id', 'title']],
      ['/meetings?fields[meetings]=title,date', ['data'], ['id', 'title', 'date']],
      ['/meetings?include=participants&fields[participants]=role', ['data', 'participants'], ['id', 'role']],
      ['/meetings/5?fields[meetings]=status', [], ['id', 'status']],
      ['/meetings/5/participants?fields[participants]=name,role', ['data'], ['id', 'name', 'role']],
      ['/participants?fields[participants]=name', ['data'], ['id', 'name']],
      ['/participants/7?fields[participants]=country', [], ['id', 'country']],
    ];
    for (const [url, path, keys] of cases) {
      const body = (await api.get(url).expect(200)).body as Json;
      const found = keysAt(body, path);
      expect(found.length, url).toBeGreaterThan(0);
      for (const item of found) expect(item, url).toEqual(keys);
    }
    // A page keeps its paging.
    const page = (await api.get('/meetings?limit=2&fields[meetings]=title').expect(200)).body as Json;
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('names unknown fields, and a type the route does not answer, in a 400', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .get(`${ITINERARY}&fields[meetings]=title,nope,startAt&fields[trips]=title`)
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body.errors).toEqual([
      {
        path: 'query.fields[meetings]',
        message: expect.stringMatching(
          /^has unknown fields: nope, startAt; the fields of a meeting are id, /,
        ),
      },
    ]);
    const single = await api.get('/participants?fields[participants]=nmae').expect(400);
    expect(single.body.errors[0].message).toMatch(/^has unknown field: nmae;/);
    const type = await api.get('/participants?fields[trips]=title').expect(400);
    expect(type.body.errors).toEqual([{ path: 'query.fields[trips]', message: 'is not a known field' }]);
    await api.get('/meetings?fields[meeting]=title').expect(400);
  });

  it('a selection is a representation of its own: its own ETag, its own 304, not the version tag', async () => {
    const { api } = await buildTestApp();
    const full = await api.get('/trips/1').expect(200);
    const title = await api.get('/trips/1?fields[trips]=title').expect(200);
    const dates = await api.get('/trips/1?fields[trips]=startDate').expect(200);
    expect(full.headers.etag).toMatch(/^"v1(-gzip)?"$/);
    const tags = [full, title, dates].map((res) => res.headers.etag);
    expect(new Set(tags).size).toBe(3);
    expect(title.headers.etag).not.toMatch(/^"v\d/);
    await api
      .get('/trips/1?fields[trips]=title')
      .set('if-none-match', title.headers.etag as string)
      .expect(304);
    await api
      .get('/trips/1?fields[trips]=title')
      .set('if-none-match', full.headers.etag as string)
      .expect(200);
    // The same for a kept itinerary.
    const itinerary = await api.get(ITINERARY).expect(200);
    const picked = await api.get(`${ITINERARY}&fields[meetings]=title`).expect(200);
    expect(picked.headers.etag).not.toBe(itinerary.headers.etag);
    await api
      .get(`${ITINERARY}&fields[meetings]=title`)
      .set('if-none-match', picked.headers.etag as string)
      .expect(304);
  });

  it('never changes the kept itinerary: whole answers before and after a selection are the same bytes', async () => {
    const { app } = await buildTestApp();
    const get = (url: string, coding = 'identity') =>
      app.inject({ method: 'GET', url, headers: { 'accept-encoding': coding } });
    const before = await get(ITINERARY);
    const gzipBefore = await get(ITINERARY, 'gzip');
    const picked = await get(`${ITINERARY}&fields[stops]=city`, 'gzip');
    expect(picked.headers['content-encoding']).toBe('gzip');
    const pickedBody = JSON.parse(zlib.gunzipSync(picked.rawPayload).toString()) as Json;
    expect(keysAt(pickedBody, ['stops'])[0]).toEqual(['id', 'city', 'meetings']);
    expect(picked.rawPayload.length).toBeLessThan(gzipBefore.rawPayload.length);
    const after = await get(ITINERARY);
    const gzipAfter = await get(ITINERARY, 'gzip');
    expect(after.rawPayload.equals(before.rawPayload)).toBe(true);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(gzipAfter.rawPayload.equals(gzipBefore.rawPayload)).toBe(true);
    expect(gzipAfter.headers.etag).toBe(gzipBefore.headers.etag);
    // Asked first with a selection, the whole answer is still whole.
    const other = await buildTestApp();
    await other.app.inject({ method: 'GET', url: `${ITINERARY}&fields[trips]=title` });
    const whole = JSON.parse((await other.app.inject({ method: 'GET', url: ITINERARY })).body) as Json;
    const beforeBody = JSON.parse(before.body) as Json;
    for (const path of [[], ['stops'], ['stops', 'meetings'], ['stops', 'meetings', 'participants']]) {
      expect(keysAt(whole, path)).toEqual(keysAt(beforeBody, path));
    }
  });

  it('CSV has the fields asked for as its columns', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/meetings?format=csv&limit=3&fields[meetings]=date,title').expect(200);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,title,date');
    expect(lines).toHaveLength(4);
    // An empty page still names them.
    const empty = await api
      .get('/meetings?format=csv&q=nothingmatchesthis&fields[meetings]=title')
      .expect(200);
    expect(empty.text.trim()).toBe('id,title');
  });
});
