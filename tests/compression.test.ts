import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCompressible } from '../src/content-coding.js';
import compression from '../src/plugins/compression.js';
import { buildTestApp } from './helpers.js';

// Compressed answers (plugins/compression.ts, content-coding.ts) and their validators (plugins/http-caching.ts),
// through the real app. app.inject hands back the bytes as sent, so each coded body is decoded here and compared
// with the identity body byte for byte.

const ITINERARY = '/trips/1?include=stops,meetings,participants';

type Sent = { status: number; headers: Record<string, string | undefined>; bytes: Buffer };

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

async function send(
  app: App,
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<Sent> {
  const res = await app.inject({ method, url, headers });
  return {
    status: res.statusCode,
    headers: Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, String(value)])),
    bytes: res.rawPayload,
  };
}

const decode = (sent: Sent): Buffer => {
  const coding = sent.headers['content-encoding'];
  if (coding === 'gzip') return zlib.gunzipSync(sent.bytes);
  if (coding === 'br') return zlib.brotliDecompressSync(sent.bytes);
  expect(coding).toBeUndefined();
  return sent.bytes;
};

const varyNames = (sent: Sent) => (sent.headers.vary ?? '').toLowerCase().split(/\s*,\s*/);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('compressed answers', () => {
  it('gzip and brotli decode to the identity bytes: an itinerary, a page, a record, a calendar, CSV', async () => {
    const { app } = await buildTestApp();
    for (const url of [ITINERARY, '/meetings', '/trips/1', '/trips/1/calendar.ics', '/meetings?format=csv']) {
      const identity = await send(app, url);
      expect(identity.status, url).toBe(200);
      expect(identity.headers['content-encoding'], url).toBeUndefined();
      expect(identity.bytes.length, url).toBeGreaterThan(1024);
      for (const coding of ['gzip', 'br']) {
        const coded = await send(app, url, { 'accept-encoding': coding });
        expect(coded.status, url).toBe(200);
        expect(coded.headers['content-encoding'], `${url} ${coding}`).toBe(coding);
        expect(coded.headers['content-type'], url).toBe(identity.headers['content-type']);
        expect(varyNames(coded), url).toContain('accept-encoding');
        expect(coded.bytes.length, url).toBeLessThan(identity.bytes.length / 2);
        expect(decode(coded).equals(identity.bytes), `${url} ${coding}`).toBe(true);
        // A stated length is the coded body's (the largest bodies are streamed, chunked, without one).
        if (coded.headers['content-length'] !== undefined) {
          expect(coded.headers['content-length'], url).toBe(String(coded.bytes.length));
        }
      }
    }
  });

  it('each coding has its own strong ETag, and If-None-Match is answered per coding', async () => {
    const { app } = await buildTestApp();
    for (const url of [ITINERARY, '/meetings', '/trips/1', '/trips/1/calendar.ics']) {
      const identity = await send(app, url);
      const gzip = await send(app, url, { 'accept-encoding': 'gzip' });
      const br = await send(app, url, { 'accept-encoding': 'br' });
      const tags = [identity, gzip, br].map((sent) => sent.headers.etag);
      expect(
        tags.every((tag) => /^"[^"]+"$/.test(tag ?? '')),
        url,
      ).toBe(true);
      expect(new Set(tags).size, url).toBe(3);

      // The client holding the gzip answer asks again with gzip: 304, no body, no coding, no length.
      const notModified = await send(app, url, {
        'accept-encoding': 'gzip',
        'if-none-match': gzip.headers.etag as string,
      });
      expect(notModified.status, url).toBe(304);
      expect(notModified.bytes.length).toBe(0);
      expect(notModified.headers.etag).toBe(gzip.headers.etag);
      expect(notModified.headers['content-encoding']).toBeUndefined();
      expect(notModified.headers['content-type']).toBeUndefined();
      expect(notModified.headers['content-length']).toBeUndefined();
      expect(varyNames(notModified)).toContain('accept-encoding');
      // Identity with its own tag: 304 too.
      const identityAgain = await send(app, url, { 'if-none-match': identity.headers.etag as string });
      expect(identityAgain.status, url).toBe(304);

      // A tag of another coding is another representation: the answer is the one this request gets.
      const other = await send(app, url, {
        'accept-encoding': 'br',
        'if-none-match': `${identity.headers.etag}, ${gzip.headers.etag}`,
      });
      expect(other.status, url).toBe(200);
      expect(other.headers['content-encoding']).toBe('br');
      expect(other.headers.etag).toBe(br.headers.etag);
      expect(decode(other).equals(identity.bytes)).toBe(true);
    }
  });

  it('HEAD has the headers GET has in the same coding, and its 304', async () => {
    const { app } = await buildTestApp();
    for (const url of [ITINERARY, '/trips/1', '/trips/1/calendar.ics']) {
      const get = await send(app, url, { 'accept-encoding': 'gzip' });
      const head = await send(app, url, { 'accept-encoding': 'gzip' }, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.bytes.length).toBe(0);
      for (const name of ['etag', 'content-encoding', 'content-length', 'content-type', 'vary']) {
        expect(head.headers[name], `${url} ${name}`).toBe(get.headers[name]);
      }
      expect(get.headers['content-length']).toBe(String(get.bytes.length));
      const headNotModified = await send(
        app,
        url,
        { 'accept-encoding': 'gzip', 'if-none-match': get.headers.etag as string },
        'HEAD',
      );
      expect(headNotModified.status).toBe(304);
      expect(headNotModified.bytes.length).toBe(0);
    }
  });

  it('honours identity and q=0, reads * as the codings not named, and prefers brotli on a tie', async () => {
    const { app } = await buildTestApp();
    const cases: [string, string | undefined][] = [
      ['identity', undefined],
      ['gzip;q=0, br;q=0', undefined],
      ['*;q=0', undefined],
      ['deflate', undefined],
      ['br;q=0, gzip', 'gzip'],
      ['br;q=0.5, gzip;q=0.8', 'gzip'],
      ['gzip, br', 'br'],
      ['*', 'br'],
      // A coding named explicitly overrides * (RFC 9110 §12.5.3): gzip refused stays refused.
      ['gzip;q=0, *', 'br'],
      ['br;q=0, *', 'gzip'],
      ['*;q=0.5, gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['GZIP', 'gzip'],
    ];
    const identity = await send(app, '/meetings');
    for (const [accept, expected] of cases) {
      for (const url of ['/meetings', ITINERARY]) {
        const sent = await send(app, url, { 'accept-encoding': accept });
        expect(sent.headers['content-encoding'], `${url} with ${accept}`).toBe(expected);
        if (url === '/meetings') expect(decode(sent).equals(identity.bytes)).toBe(true);
      }
    }
    // Sent as it is, the answer still says it depends on Accept-Encoding, for caches.
    expect(varyNames(identity)).toContain('accept-encoding');
  });

  it('leaves small answers, writes without content and 304s as they are', async () => {
    const { app, api } = await buildTestApp();
    const health = await send(app, '/health', { 'accept-encoding': 'gzip' });
    expect(health.status).toBe(200);
    expect(health.bytes.length).toBeLessThan(1024);
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(health.headers.etag).toMatch(/^"[^"-]+"$/);
    expect(varyNames(health)).not.toContain('accept-encoding');
    const deleted = await api.delete('/meetings/1').set('accept-encoding', 'gzip').expect(204);
    expect(deleted.headers['content-encoding']).toBeUndefined();
  });

  it('a coded version tag still works in If-Match', async () => {
    const { api, app } = await buildTestApp();
    const record = await send(app, '/trips/1', { 'accept-encoding': 'gzip' });
    expect(record.headers.etag).toBe('"v1-gzip"');
    // A write's answer in a coding names it too: the new version, as a later If-Match may send it.
    const patched = await api
      .patch('/trips/1')
      .set('accept-encoding', 'br')
      .set('if-match', record.headers.etag as string)
      .send({ title: 'Retitled' })
      .expect(200);
    expect(patched.headers['content-encoding']).toBe('br');
    expect(patched.headers.etag).toBe('"v2-br"');
    await api.patch('/trips/1').set('if-match', '"v2-br"').send({ title: 'Retitled' }).expect(200);
    // Now stale, in any coding.
    await api.patch('/trips/1').set('if-match', '"v1-br"').send({ title: 'Again' }).expect(412);
  });
});

describe('kept answers keep their coded bytes', () => {
  /** Every zlib entry point that compresses, counted from before the app is built (the library keeps references). */
  const countCompressions = () => {
    const spies = [
      vi.spyOn(zlib, 'gzip'),
      vi.spyOn(zlib, 'gzipSync'),
      vi.spyOn(zlib, 'createGzip'),
      vi.spyOn(zlib, 'brotliCompress'),
      vi.spyOn(zlib, 'brotliCompressSync'),
      vi.spyOn(zlib, 'createBrotliCompress'),
    ];
    return () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  };

  it('an itinerary and a calendar are compressed once per coding, then sent as the same bytes', async () => {
    const compressions = countCompressions();
    const { app, api } = await buildTestApp();
    for (const url of [ITINERARY, '/participants/1/calendar.ics']) {
      const before = compressions();
      const first = await send(app, url, { 'accept-encoding': 'gzip' });
      expect(first.headers['content-encoding']).toBe('gzip');
      expect(compressions() - before, url).toBe(1);

      const hits = await Promise.all([1, 2, 3].map(() => send(app, url, { 'accept-encoding': 'gzip' })));
      expect(compressions() - before, url).toBe(1);
      for (const hit of hits) {
        expect(hit.bytes.equals(first.bytes)).toBe(true);
        expect(hit.headers.etag).toBe(first.headers.etag);
      }
      // Brotli is kept beside gzip: once for it, then none.
      const br = await send(app, url, { 'accept-encoding': 'br' });
      await send(app, url, { 'accept-encoding': 'br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(compressions() - before, url).toBe(2);
      expect(decode(br).equals(decode(first))).toBe(true);
    }

    // A write empties the cache: the next answer is built and compressed again, with a new tag.
    const old = await send(app, ITINERARY, { 'accept-encoding': 'gzip' });
    await api.patch('/meetings/1').send({ title: 'Renamed meeting' }).expect(200);
    const before = compressions();
    const fresh = await send(app, ITINERARY, { 'accept-encoding': 'gzip' });
    expect(compressions() - before).toBe(1);
    expect(fresh.headers.etag).not.toBe(old.headers.etag);
    expect(decode(fresh).toString()).toContain('Renamed meeting');
  });

  it('a page, which is not kept, is compressed on every request', async () => {
    const compressions = countCompressions();
    const { app } = await buildTestApp();
    const before = compressions();
    await send(app, '/meetings', { 'accept-encoding': 'gzip' });
    await send(app, '/meetings', { 'accept-encoding': 'gzip' });
    expect(compressions() - before).toBe(2);
  });
});

describe('event streams', () => {
  it('text/event-stream is never compressed: each event reaches the client as it is written', async () => {
    expect(isCompressible('text/event-stream')).toBe(false);
    expect(isCompressible('text/event-stream; charset=utf-8')).toBe(false);
    expect(isCompressible('text/csv; charset=utf-8')).toBe(true);
    expect(isCompressible('application/problem+json')).toBe(true);
    expect(isCompressible('image/png')).toBe(false);

    // The plugin as the app registers it, before a route that writes an event and then waits.
    const server = Fastify();
    await server.register(compression);
    let finish: () => void = () => {};
    server.get('/events', (_request, reply) => {
      const stream = new PassThrough();
      stream.write(`data: ${'x'.repeat(4000)}\n\n`);
      finish = () => stream.end();
      return reply.type('text/event-stream').send(stream);
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = server.server.address() as AddressInfo;
      const first = await new Promise<{ encoding: string | undefined; chunk: string }>((resolve, reject) => {
        httpGet(
          { port, host: '127.0.0.1', path: '/events', headers: { 'accept-encoding': 'gzip, br' } },
          (res) => {
            res.once('data', (chunk: Buffer) =>
              resolve({ encoding: res.headers['content-encoding'], chunk: chunk.toString('utf8') }),
            );
          },
        ).on('error', reject);
        // A compressor would hold the event until the stream ends, which it does only after this.
        setTimeout(() => reject(new Error('no event within 3 s: the stream is buffered')), 3000).unref();
      });
      // The first event arrived while the stream was still open, and as text.
      expect(first.encoding).toBeUndefined();
      expect(first.chunk.startsWith('data: xxx')).toBe(true);
    } finally {
      finish();
      await server.close();
    }
  });
});
