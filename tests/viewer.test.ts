import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import errors from '../src/plugins/errors.js';
import viewer from '../src/plugins/viewer.js';
import { buildTestApp, PROBLEM } from './helpers.js';

// The itinerary viewer as the server answers it (src/plugins/viewer.ts): its pages and assets, under the API's
// Content-Security-Policy, without taking any path of the API. tests/viewer-browser.test.ts runs it in a browser.
// The suite's global setup builds it (scripts/build-viewer.mjs).

/** The local scripts and styles an index.html loads. */
const assetsOf = (html: string) =>
  [...html.matchAll(/(?:src|href)="(\/view\/assets\/[^"]+)"/g)].map((m) => m[1] as string);

describe('the viewer’s pages', () => {
  it('/ and a trip’s address answer the same index.html, which loads only its own files and runs no inline script', async () => {
    const { anon } = await buildTestApp();
    const list = await anon.get('/').expect(200);
    expect(list.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(list.headers['cache-control']).toBe('no-cache');
    expect(list.text).toContain('<div id="app">');
    const trip = await anon.get('/view/trips/1').expect(200);
    expect(trip.text).toBe(list.text);
    // An unknown trip still gets the page, which says so: the page cannot know before it asks the API.
    await anon.get('/view/trips/999').expect(200);

    // Every script is a file of the same origin: the CSP's script-src 'self' (without 'unsafe-inline') runs it.
    const csp = String(list.headers['content-security-policy']);
    expect(csp).toMatch(/(^|;)script-src 'self'(;|$)/);
    expect(csp).toContain("script-src-attr 'none'");
    const scripts = [...list.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/view\/assets\/[\w.-]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(list.text).not.toMatch(/https?:\/\//);

    const assets = assetsOf(list.text);
    expect(assets.some((path) => path.endsWith('.js'))).toBe(true);
    expect(assets.some((path) => path.endsWith('.css'))).toBe(true);
    for (const path of assets) {
      const asset = await anon.get(path).expect(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-type']).toMatch(path.endsWith('.js') ? /javascript/ : /^text\/css/);
    }
  });

  it('takes no path of the API: unknown paths, bad ids and missing assets stay 404 problems, wrong methods 405', async () => {
    const { anon } = await buildTestApp();
    for (const path of [
      '/view/trips/abc',
      '/view/trips/0',
      '/view/trips/01',
      '/view/trips/1/x',
      '/view',
      '/view/assets/none.js',
      '/nope',
    ]) {
      const res = await anon.get(path).expect(404);
      expect(res.headers['content-type'], path).toMatch(PROBLEM);
      expect(res.body.code, path).toBe('route_not_found');
    }
    const post = await anon.post('/').send({}).expect(405);
    expect(post.headers['content-type']).toMatch(PROBLEM);
    expect(post.headers.allow).toBe('GET, HEAD');
    await anon.delete('/trips').expect(405);
    // The API's own answers are as they were.
    const trip = await anon.get('/trips/1').expect(200);
    expect(trip.headers['content-type']).toMatch(/^application\/json/);
  });

  it('is public under READ_ACCESS=key (it holds no data), while its data still needs a key', async () => {
    const { anon } = await buildTestApp({ config: { READ_ACCESS: 'key' } });
    await anon.get('/').expect(200);
    await anon.get('/view/trips/1').expect(200);
    await anon.get('/trips/1').expect(401);
  });

  it('is not an operation of the OpenAPI document', async () => {
    const { anon } = await buildTestApp();
    const doc = (await anon.get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((path) => path === '/' || path.startsWith('/view'))).toEqual([]);
    expect(Object.keys(doc.paths)).toContain('/trips/{id}');
  });

  it('answers a 503 problem that says how to build it when it is not built', async () => {
    const app = Fastify({ logger: false });
    await app.register(errors);
    await app.register(viewer, { root: mkdtempSync(join(tmpdir(), 'viewer-unbuilt-')) });
    await app.ready();
    try {
      const res = await supertest(app.server).get('/view/trips/1').expect(503);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('viewer_not_built');
      expect(res.body.detail).toContain('npm run build');
    } finally {
      await app.close();
    }
  });
});
