import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers.js';

// With REDIS_URL, the rate limit's counts live in Redis: a client's budget is the same whichever instance answers.
// Two apps stand for two instances; `.ci/run` starts Redis and sets REDIS_URL (under CI=true it is required).

const redisUrl = process.env.REDIS_URL;
const required = process.env.CI === 'true';

describe('the rate limit across instances', () => {
  it('with REDIS_URL, counts a client once across two instances; without it, each counts alone', async () => {
    if (!redisUrl) {
      if (required) throw new Error('CI=true needs REDIS_URL: the shared rate limit would go untested');
      return;
    }
    // The counts of an earlier run must not spend this one's budget.
    const redis = new Redis(redisUrl);
    const stale = await redis.keys('itinerary-rate-limit:*');
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
    const limited = { RATE_LIMIT_MAX: 6, RATE_LIMIT_WINDOW: '1 minute' };
    const a = await buildTestApp({ config: { ...limited, REDIS_URL: redisUrl } });
    const b = await buildTestApp({ config: { ...limited, REDIS_URL: redisUrl } });
    // Anonymous reads from one address: the client is the address, the same on both instances.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await (i % 2 === 0 ? a : b).anon.get('/health')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    // Without Redis, each instance has the whole budget to itself.
    const c = await buildTestApp({ config: limited });
    const d = await buildTestApp({ config: limited });
    const alone: number[] = [];
    for (let i = 0; i < 8; i += 1) alone.push((await (i % 2 === 0 ? c : d).anon.get('/health')).status);
    expect(alone).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
  });
});
