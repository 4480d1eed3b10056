import { describe, expect, it } from 'vitest';
import { noneMatchHits } from '../src/plugins/http-caching.js';
import { buildTestApp, newParticipant, PROBLEM } from './helpers.js';

const STRONG_TAG = /^"[^"]+"$/;

describe('ETag and Cache-Control on reads', () => {
  it('a single resource and a collection get a strong ETag and no-cache', async () => {
    const { api } = await buildTestApp();
    for (const url of ['/trips/1', '/trips', '/stops/4', '/meetings', '/participants/7', '/health']) {
      const res = await api.get(url).expect(200);
      expect(res.headers.etag, url).toMatch(STRONG_TAG);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('the same content gives the same tag; a different representation a different one', async () => {
    const { api } = await buildTestApp();
    const first = await api.get('/trips/1').expect(200);
    const again = await api.get('/trips/1').expect(200);
    expect(again.headers.etag).toBe(first.headers.etag);
    const nested = await api.get('/trips/1?include=stops').expect(200);
    expect(nested.headers.etag).not.toBe(first.headers.etag);
  });

  it('If-None-Match with the current tag answers 304 with no body', async () => {
    const { api } = await buildTestApp();
    const { headers } = await api.get('/trips/1').expect(200);
    const res = await api
      .get('/trips/1')
      .set('if-none-match', headers.etag as string)
      .expect(304);
    expect(res.text ?? '').toBe('');
    expect(res.headers.etag).toBe(headers.etag);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('If-None-Match matches * , any tag of a list, and a weak form of the tag', async () => {
    const { api } = await buildTestApp();
    const tag = (await api.get('/participants').expect(200)).headers.etag as string;
    await api.get('/participants').set('if-none-match', '*').expect(304);
    await api.get('/participants').set('if-none-match', `"nope", ${tag}, "other"`).expect(304);
    await api.get('/participants').set('if-none-match', `W/${tag}`).expect(304);
    const stale = await api.get('/participants').set('if-none-match', '"nope", "other"').expect(200);
    expect(stale.body.data).toHaveLength(13);
  });

  it('HEAD has the GET tag and headers, and answers 304 too', async () => {
    const { api } = await buildTestApp();
    const get = await api.get('/trips/1').expect(200);
    const head = await api.head('/trips/1').expect(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['last-modified']).toBe(get.headers['last-modified']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    await api
      .head('/trips/1')
      .set('if-none-match', get.headers.etag as string)
      .expect(304);
  });

  it('after a PATCH the old tag no longer matches: 200 with a new tag', async () => {
    const { api } = await buildTestApp();
    const before = await api.get('/trips/1').expect(200);
    const oldTag = before.headers.etag as string;
    await api.patch('/trips/1').send({ title: 'Retitled' }).expect(200);
    const after = await api.get('/trips/1').set('if-none-match', oldTag).expect(200);
    expect(after.body.title).toBe('Retitled');
    expect(after.headers.etag).toMatch(STRONG_TAG);
    expect(after.headers.etag).not.toBe(oldTag);
    await api
      .get('/trips/1')
      .set('if-none-match', after.headers.etag as string)
      .expect(304);
  });

  it('writes are never cached or 304ed; they send the new version as their ETag', async () => {
    const { api } = await buildTestApp();
    const patch = await api
      .patch('/participants/7')
      .set('if-none-match', '*')
      .send({ title: 'Ex-President' });
    expect(patch.status).toBe(200);
    expect(patch.headers.etag).toBe(`"v${patch.body.version}"`);
    expect(patch.headers['cache-control']).toBeUndefined();
    expect(patch.headers['last-modified']).toBeUndefined();
    const post = await api.post('/participants').set('if-none-match', '*').send(newParticipant()).expect(201);
    expect(post.headers.etag).toBe('"v1"');
    const del = await api.delete(post.headers.location as string).expect(204);
    expect(del.headers.etag).toBeUndefined();
  });

  it('errors get no ETag and are never 304', async () => {
    const { api } = await buildTestApp();
    const missing = await api
      .get('/trips/999')
      .set('if-none-match', '*')
      .expect(404)
      .expect('content-type', PROBLEM);
    expect(missing.headers.etag).toBeUndefined();
    expect(missing.headers['cache-control']).toBeUndefined();
    expect(missing.body.code).toBeDefined();
    const bad = await api.get('/trips/abc').expect(400);
    expect(bad.headers.etag).toBeUndefined();
    const route = await api.get('/nowhere').set('if-none-match', '*').expect(404);
    expect(route.headers.etag).toBeUndefined();
  });
});

describe('Last-Modified', () => {
  it('a single resource sends its updatedAt as an HTTP-date', async () => {
    const { api } = await buildTestApp();
    for (const url of ['/trips/1', '/stops/4', '/meetings/8', '/participants/7']) {
      const res = await api.get(url).expect(200);
      expect(res.headers['last-modified'], url).toBe(new Date(res.body.updatedAt).toUTCString());
      expect(res.headers['last-modified'], url).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    }
  });

  it('follows a change, and a collection has none', async () => {
    const { api } = await buildTestApp();
    const patched = await api.patch('/stops/4').send({ notes: 'Changed' }).expect(200);
    const res = await api.get('/stops/4').expect(200);
    expect(res.headers['last-modified']).toBe(new Date(patched.body.updatedAt).toUTCString());
    const list = await api.get('/trips/1/stops').expect(200);
    expect(list.headers['last-modified']).toBeUndefined();
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://example.org';

  it('a read from another origin is allowed and can see the caching and paging headers', async () => {
    const { api } = await buildTestApp({ config: { CORS_ORIGINS: '*' } });
    const res = await api.get('/trips/1').set('origin', ORIGIN).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const exposed = (res.headers['access-control-expose-headers'] as string).split(/\s*,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining([
        'ETag',
        'Link',
        'Location',
        'Last-Modified',
        'Idempotent-Replayed',
        'Preference-Applied',
      ]),
    );
  });

  it('a preflight answers 204 with the methods, on any known path', async () => {
    const { api } = await buildTestApp({ config: { CORS_ORIGINS: '*' } });
    for (const url of ['/trips', '/trips/1', '/meetings/8/participants/7']) {
      const res = await api
        .options(url)
        .set('origin', ORIGIN)
        .set('access-control-request-method', 'PATCH')
        .set('access-control-request-headers', 'content-type, if-none-match')
        .expect(204);
      expect(res.headers['access-control-allow-origin'], url).toBe('*');
      const methods = (res.headers['access-control-allow-methods'] as string).split(/\s*,\s*/);
      expect(methods).toEqual(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);
      expect(res.headers['access-control-allow-headers']).toBe('content-type, if-none-match');
      expect(res.text ?? '').toBe('');
    }
  });

  it('a plain OPTIONS still answers the usual 405 or 404 problem, and other errors are unchanged', async () => {
    const { api } = await buildTestApp({ config: { CORS_ORIGINS: '*' } });
    const known = await api.options('/trips').expect(405).expect('content-type', PROBLEM);
    expect(known.headers.allow).toBe('GET, HEAD, POST');
    await api.options('/nowhere').expect(404).expect('content-type', PROBLEM);
    // The preflight route matches every path; the 405 router must not think every path takes OPTIONS.
    const unknown = await api
      .get('/nowhere')
      .set('origin', ORIGIN)
      .expect(404)
      .expect('content-type', PROBLEM);
    expect(unknown.headers['access-control-allow-origin']).toBe('*');
    const wrong = await api.put('/trips/1').send({}).expect(405);
    expect(wrong.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
  });
});

describe('If-None-Match parsing', () => {
  it('uses weak comparison over a list, and * matches anything', () => {
    expect(noneMatchHits(undefined, '"a"')).toBe(false);
    expect(noneMatchHits('"a"', '"a"')).toBe(true);
    expect(noneMatchHits(' * ', '"a"')).toBe(true);
    expect(noneMatchHits('W/"a"', '"a"')).toBe(true);
    expect(noneMatchHits('"b" , W/"a"', '"a"')).toBe(true);
    expect(noneMatchHits('"a,b"', '"a,b"')).toBe(true);
    expect(noneMatchHits('"a,b"', '"a"')).toBe(false);
    expect(noneMatchHits('"ab"', '"a"')).toBe(false);
    expect(noneMatchHits('a', '"a"')).toBe(false);
  });
});
