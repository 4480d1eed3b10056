import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { AppError } from '../errors.js';
import { clientOf } from './auth.js';

export type SecurityPluginOptions = {
  rateLimitMax: number;
  rateLimitWindow: string;
  /** REDIS_URL: keep the rate limit's counts in Redis, shared by every instance; without it, each instance counts. */
  redisUrl?: string;
};

const MAX_URL_LENGTH = 8192;

/**
 * Security headers (helmet), a rate limit per client (counted in Redis when REDIS_URL is set, so that a client's
 * budget is the same whichever instance answers; if Redis stops answering, requests go through unlimited and
 * the error is logged, rather than the API failing with it), and a bound on URL length. A client is its API key when it
 * sends a valid one (the auth plugin has verified it by then), else its IP address (request.ip, which TRUST_PROXY
 * governs): never an unverified header, or any made-up token would be a fresh allowance.
 */
export default fp<SecurityPluginOptions>(
  async (app, opts) => {
    // helmet's middleware, built once: @fastify/helmet builds it again for every request (parsing the
    // Content-Security-Policy each time, a sixth of a cached answer's own work in the benchmark's profile). It sets
    // the same headers on the raw response, in onRequest, as that plugin did, so later hooks and routes (the docs
    // page's own policy) still override them.
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          upgradeInsecureRequests: null,
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
    app.addHook('onRequest', (request, reply, done) => {
      securityHeaders(request.raw, reply.raw, (error?: unknown) =>
        done(error === undefined ? undefined : (error as Error)),
      );
    });

    // ioredis is loaded only when REDIS_URL asks for it: loading it is a fifth of the API's start-up otherwise.
    const redis = opts.redisUrl
      ? new (await import('ioredis')).Redis(opts.redisUrl, {
          // A limiter must not hold a request up: a Redis that does not answer fails the count at once.
          connectTimeout: 500,
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        })
      : undefined;
    if (redis) {
      redis.on('error', (error: Error) => app.log.warn({ err: error }, 'rate limit store: Redis error'));
      app.addHook('onClose', async () => {
        redis.disconnect();
      });
    }
    await app.register(rateLimit, {
      global: true,
      ...(redis ? { redis, nameSpace: 'itinerary-rate-limit:', skipOnError: true } : {}),
      max: opts.rateLimitMax,
      timeWindow: /^\d+$/.test(opts.rateLimitWindow) ? Number(opts.rateLimitWindow) : opts.rateLimitWindow,
      // RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (the IETF draft), and Retry-After on a 429.
      enableDraftSpec: true,
      // The limiter's hook runs per route, after every instance-wide onRequest hook, so the auth plugin has
      // already verified the key; the 401 and 403 it decides are sent later (preParsing), and so count too.
      keyGenerator: clientOf,
      errorResponseBuilder: (_request, context) =>
        new AppError(
          429,
          'rate_limited',
          `Too many requests: the limit is ${context.max} per ${context.after}; retry after the Retry-After seconds.`,
        ),
    });

    app.addHook('onRequest', async (request) => {
      // At debug level the headers are logged to help trace a client; the logger redacts credentials.
      if (request.log.level === 'debug' || request.log.level === 'trace') {
        request.log.debug({ headers: request.headers }, 'request headers');
      }
      if (request.url.length > MAX_URL_LENGTH) {
        throw new AppError(414, 'uri_too_long', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
      }
    });
  },
  { name: 'security' },
);
