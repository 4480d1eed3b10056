import cors, { type FastifyCorsOptions, type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from './errors.js';

export type CorsPluginOptions = {
  /** Allowed origins: `*` for any, exact origins otherwise; empty allows no cross-origin calls. */
  origins: string[];
};

// An OPTIONS request that is not a CORS preflight gets CORS turned off, so it reaches the catch-all OPTIONS route
// with no preflight pending and falls through to the usual 405 (with Allow) or 404 problem, instead of the
// plugin's plain-text 400 "Invalid Preflight Request".
const NOT_CORS: FastifyCorsOptions = { origin: false };

const isPreflight = (request: FastifyRequest) =>
  request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;

/**
 * CORS for every route, for the origins CORS_ORIGINS allows; a preflight answers 204, or 403 from another origin. Browsers only let scripts
 * read the response headers listed in exposedHeaders, so the ones clients need for caching, paging and creation
 * are named there. Register it before the error mapper: the plugin adds a catch-all `OPTIONS *` route, which the
 * mapper's 405 router must not learn (it would match every path).
 */
export default fp<CorsPluginOptions>(
  async (app, opts) => {
    const allowed: FastifyCorsOptions = {
      origin: opts.origins.includes('*') ? '*' : opts.origins.length > 0 ? opts.origins : false,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
      exposedHeaders: [
        'ETag',
        'Link',
        'Location',
        'Last-Modified',
        'Retry-After',
        'Idempotent-Replayed',
        'Preference-Applied',
      ],
    };
    const allows = (origin: string) => opts.origins.includes('*') || opts.origins.includes(origin);
    // A preflight from an origin that may not call the API is refused plainly, rather than falling through to a
    // 405 that suggests OPTIONS is the problem. sendProblem, not a throw: the plugin's OPTIONS route is
    // registered before the error mapper.
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin === undefined || !isPreflight(request) || allows(origin)) return;
      sendProblem(
        request,
        reply,
        403,
        'cors_origin_not_allowed',
        `Browsers may not call this API from ${origin}: ` +
          (opts.origins.length === 0
            ? 'the server allows no cross-origin calls (CORS_ORIGINS is empty).'
            : 'it is not among the origins in the server’s CORS_ORIGINS.'),
      );
      return reply;
    });
    const delegator: FastifyCorsOptionsDelegateCallback = (request, callback) => {
      callback(null, request.method !== 'OPTIONS' || isPreflight(request) ? allowed : NOT_CORS);
    };
    await app.register(cors, { delegator });
  },
  { name: 'cors' },
);
