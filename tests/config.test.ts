import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_PATH: './data/itinerary.db',
      DATABASE_POOL_SIZE: 10,
      DATABASE_PREPARED_STATEMENTS: 256,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      READ_ACCESS: 'public',
      REQUIRE_IF_MATCH: false,
      BODY_LIMIT: 102400,
      CALENDAR_UID_DOMAIN: 'diplomatic-itinerary.invalid',
      CORS_ORIGINS: [],
      RATE_LIMIT_MAX: 1000,
      RATE_LIMIT_WINDOW: '1 minute',
      CHANGES_RETENTION_DAYS: 30,
      CHANGES_STREAMS_PER_CLIENT: 10,
      CHANGES_STREAM_HEARTBEAT_MS: 15_000,
      CHANGES_STREAM_POLL_MS: 1000,
      GROUP_COMMIT: true,
      ITINERARY_CACHE_MB: 32,
      SEED_ON_START: true,
      TRUST_PROXY: false,
      REQUEST_TIMEOUT_MS: 300000,
      HEADERS_TIMEOUT_MS: 60000,
      CONNECTION_TIMEOUT_MS: 120000,
      KEEP_ALIVE_TIMEOUT_MS: 72000,
    });
  });

  it('reads the environment, and an explicit override wins', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATABASE_PATH: ':memory:' }, { PORT: 9090 });
    expect(config).toMatchObject({ PORT: 9090, HOST: '0.0.0.0', DATABASE_PATH: ':memory:' });
  });

  it('names the variable and the bad value in one line', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT="eighty" /);
    expect(() => loadConfig({ PORT: '70000' })).toThrow('PORT="70000" must be between 0 and 65535');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud" must be one of fatal, error/);
    expect(() => loadConfig({ CALENDAR_UID_DOMAIN: 'not a domain' })).toThrow(
      'CALENDAR_UID_DOMAIN="not a domain" must be a domain name such as itinerary.example.org',
    );
    expect(loadConfig({ CALENDAR_UID_DOMAIN: 'itinerary.example.org' }).CALENDAR_UID_DOMAIN).toBe(
      'itinerary.example.org',
    );
  });

  it('stops the server at start with that one line and exit code 1', () => {
    const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', server], {
      env: { ...process.env, PORT: 'abc', DATABASE_PATH: ':memory:' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: PORT="abc" must be a whole number',
    ]);
  });
});
