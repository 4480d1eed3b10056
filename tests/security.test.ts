import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildTestApp, PROBLEM } from './helpers.js';

describe('security headers', () => {
  it('sends helmet’s headers with a strict Content-Security-Policy', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/1').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS allow-list', () => {
  it('allows no cross-origin calls by default', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips').set('origin', 'https://app.example.org').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the listed origins', async () => {
    const { api } = await buildTestApp({
      config: { CORS_ORIGINS: 'https://app.example.org, https://b.example.org' },
    });
    const ok = await api.get('/trips').set('origin', 'https://b.example.org').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://b.example.org');
    expect(ok.headers['access-control-expose-headers']).toContain('ETag');
    const other = await api.get('/trips').set('origin', 'https://evil.example.com').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a malformed list at start', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.org' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('rate limit', () => {
  it('answers 429 problem+json with Retry-After and RateLimit headers past the limit, per client', async () => {
    const { anon, api } = await buildTestApp({
      config: { RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW: '1 minute' },
    });
    for (let i = 0; i < 3; i += 1) {
      const res = await anon.get('/health').expect(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await anon.get('/trips').expect(429).expect('content-type', PROBLEM);
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another client (here: a valid key) has its own budget.
    await api.get('/trips').expect(200);
  });
});

describe('limits', () => {
  it('takes its body limit from BODY_LIMIT', async () => {
    const { api } = await buildTestApp({ config: { BODY_LIMIT: 2048 } });
    const res = await api
      .post('/participants')
      .send({ name: 'x'.repeat(3000) })
      .expect(413);
    expect(res.body.detail).toBe('The request body is larger than the limit of 2048 bytes.');
    await api.post('/participants').send({ name: 'Short' }).expect(201);
  });

  it('answers 414 for a URL over 8192 characters, and 400 for text fields over their length', async () => {
    const { api } = await buildTestApp();
    const long = await api
      .get(`/trips?q=${'a'.repeat(9000)}`)
      .expect(414)
      .expect('content-type', PROBLEM);
    expect(long.body.code).toBe('uri_too_long');
    const tooLongName = await api
      .post('/participants')
      .send({ name: 'x'.repeat(301) })
      .expect(400);
    expect(tooLongName.body.errors[0].path).toBe('body.name');
  });

  it('rejects __proto__ and constructor.prototype in JSON bodies', async () => {
    const { api } = await buildTestApp();
    await api
      .post('/participants')
      .set('content-type', 'application/json')
      .send('{"name":"x","__proto__":{"admin":true}}')
      .expect(400);
    await api
      .post('/participants')
      .set('content-type', 'application/json')
      .send('{"name":"x","constructor":{"prototype":{"admin":true}}}')
      .expect(400);
  });
});

describe('logs', () => {
  it('carry a request id, and never the Authorization header', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({}, { DATABASE_PATH: ':memory:', LOG_LEVEL: 'debug', NODE_ENV: 'test' });
    const app = await buildApp(config, { logger: { ...(loggerOptions(config) as object), stream } });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/trips/1',
        headers: { authorization: 'Bearer secret-token-value', cookie: 'session=secret-cookie' },
      });
      // An unknown token is refused, reads included; the log still holds no credentials.
      expect(res.statusCode).toBe(401);
      const log = lines.join('');
      expect(log).toContain('request headers');
      expect(log).toContain('"reqId"');
      expect(log).toContain('[redacted]');
      expect(log).not.toContain('secret-token-value');
      expect(log).not.toContain('secret-cookie');
    } finally {
      await app.close();
    }
  });
});
