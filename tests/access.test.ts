import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildTestApp, newParticipant, PROBLEM } from './helpers.js';

// Who a client is (rate limits), what an unknown token gets, proxies, CORS preflights and the CSP.

const LIMITED = { RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW: '1 minute' } as const;

describe('the rate limit', () => {
  it('plain GETs get 429 on the fourth', async () => {
    const { anon } = await buildTestApp({ config: LIMITED });
    for (const remaining of ['2', '1', '0']) {
      const res = await anon.get('/trips').expect(200);
      expect(res.headers['ratelimit-remaining']).toBe(remaining);
    }
    await anon.get('/trips').expect(429).expect('content-type', PROBLEM);
  });

  it('cannot be skipped with made-up tokens: they are 401s that count against the address', async () => {
    const { anon } = await buildTestApp({ config: LIMITED });
    for (const [n, remaining] of [
      [1, '2'],
      [2, '1'],
      [3, '0'],
    ] as const) {
      const res = await anon.get('/trips').set('authorization', `Bearer made-up-${n}`).expect(401);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(remaining);
    }
    const limited = await anon.get('/trips').set('authorization', 'Bearer made-up-4').expect(429);
    expect(limited.body.code).toBe('rate_limited');
    // The address is spent, with a token or without.
    await anon.get('/trips').expect(429);
  });

  it('counts keyless writes, which carry the headers; a verified key has a budget of its own', async () => {
    const { anon, api } = await buildTestApp({ config: LIMITED });
    for (const remaining of ['2', '1', '0']) {
      const res = await anon.post('/participants').send(newParticipant()).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="diplomatic-itinerary"');
      expect(res.headers['ratelimit-remaining']).toBe(remaining);
      expect(res.headers['ratelimit-reset']).toBeDefined();
    }
    await anon.post('/participants').send(newParticipant()).expect(429);
    const keyed = await api.get('/trips').expect(200);
    expect(keyed.headers['ratelimit-remaining']).toBe('2');
  });
});

describe('an unknown token', () => {
  it('answers 401 on every route, reads included', async () => {
    const { app, anon, api, token } = await buildTestApp();
    const revoked = await token('read', 'gone');
    await app.database.transaction((tx) => app.repos.keys.revoke('gone', tx));
    const urls = [
      '/trips',
      '/trips/1',
      '/trips/1?include=stops',
      '/trips/1/calendar.ics',
      '/trips/1/route.geojson',
      '/stops/1',
      '/meetings',
      '/participants/1/schedule',
      '/search?q=Macri',
      '/conflicts',
      '/changes',
      '/countries',
      '/trips/1/history',
    ];
    for (const credentials of ['Bearer made-up-1', `Bearer ${revoked}`, 'Basic dXNlcjpwYXNz']) {
      for (const url of urls) {
        const res = await anon.get(url).set('authorization', credentials).expect(401);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.code).toBe('unauthorized');
      }
    }
    // Without credentials, reads stay public; with a valid key, they answer too.
    await anon.get('/trips/1').expect(200);
    await api.get('/trips/1').expect(200);
    // The health check and the API description touch no keys, so they answer whatever is sent.
    await anon.get('/health').set('authorization', 'Bearer made-up-1').expect(200);
    await anon.get('/openapi.json').set('authorization', 'Bearer made-up-1').expect(200);
  });
});

describe('TRUST_PROXY', () => {
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('is off by default: X-Forwarded-For is not believed, so it cannot split a budget', async () => {
    const { anon } = await buildTestApp({ config: LIMITED });
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      await anon.get('/trips').set(from(address)).expect(200);
    }
    await anon.get('/trips').set(from('203.0.113.4')).expect(429);
  });

  it('on, each client behind the proxy has its own budget', async () => {
    for (const setting of ['true', '127.0.0.1', 'loopback, 10.0.0.0/8', '1']) {
      const { anon } = await buildTestApp({ config: { ...LIMITED, TRUST_PROXY: setting } });
      for (let i = 0; i < 3; i += 1) await anon.get('/trips').set(from('203.0.113.1')).expect(200);
      await anon.get('/trips').set(from('203.0.113.1')).expect(429);
      const other = await anon.get('/trips').set(from('203.0.113.2')).expect(200);
      expect(other.headers['ratelimit-remaining']).toBe('2');
    }
  });

  it('trusts only the listed proxies', async () => {
    const { anon } = await buildTestApp({ config: { ...LIMITED, TRUST_PROXY: '10.0.0.1' } });
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      await anon.get('/trips').set(from(address)).expect(200);
    }
    await anon.get('/trips').set(from('203.0.113.4')).expect(429);
  });

  it('refuses a value that is none of its forms', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,::1' }).TRUST_PROXY).toBe('10.0.0.0/8,::1');
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(
      'TRUST_PROXY="yes" must be true, false, a number of hops, or a comma-separated list of addresses or CIDR ranges',
    );
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });
});

describe('a CORS preflight', () => {
  const preflight = { origin: 'https://app.example.org', 'access-control-request-method': 'POST' };

  it('without configured origins answers a clear 403, not a 405', async () => {
    const { anon } = await buildTestApp();
    const res = await anon.options('/trips').set(preflight).expect(403).expect('content-type', PROBLEM);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail:
        'Browsers may not call this API from https://app.example.org: the server allows no cross-origin calls ' +
        '(CORS_ORIGINS is empty).',
      instance: '/trips',
      code: 'cors_origin_not_allowed',
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('from a listed origin answers 204; from another, 403', async () => {
    const { anon } = await buildTestApp({ config: { CORS_ORIGINS: 'https://app.example.org' } });
    const ok = await anon.options('/trips/1').set(preflight).expect(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.org');
    expect(ok.headers['access-control-allow-methods']).toContain('PATCH');
    const other = await anon
      .options('/trips/1')
      .set({ ...preflight, origin: 'https://evil.example.com' })
      .expect(403);
    expect(other.body.detail).toBe(
      'Browsers may not call this API from https://evil.example.com: it is not among the origins in the ' +
        'server’s CORS_ORIGINS.',
    );
    // An OPTIONS that is not a preflight still gets the usual answer.
    await anon.options('/trips/1').expect(405);
  });
});

describe('the Content-Security-Policy', () => {
  it('never asks browsers to upgrade requests to https, on the API or on /docs', async () => {
    const { anon } = await buildTestApp();
    for (const url of ['/trips', '/docs', '/docs/static/index.html']) {
      const res = await anon.get(url).redirects(1);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    }
  });
});
