import cors, { type FastifyCorsOptions, type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

// A public read API: any origin may call it. Browsers only let scripts read the response headers listed in
// exposedHeaders, so the ones clients need for caching, paging and creation are named there.
const CORS: FastifyCorsOptions = {
  origin: '*',
  methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
  exposedHeaders: ['ETag', 'Link', 'Location', 'Last-Modified'],
};

// An OPTIONS request that is not a CORS preflight gets CORS turned off, so it reaches the catch-all OPTIONS route
// with no preflight pending and falls through to the usual 405 (with Allow) or 404 problem, instead of the
// plugin's plain-text 400 "Invalid Preflight Request".
const NOT_CORS: FastifyCorsOptions = { origin: false };

const isPreflight = (request: FastifyRequest) =>
  request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;

const delegator: FastifyCorsOptionsDelegateCallback = (request, callback) => {
  callback(null, request.method !== 'OPTIONS' || isPreflight(request) ? CORS : NOT_CORS);
};

/**
 * CORS for every route; a preflight answers 204. Register it before the error mapper: the plugin adds a
 * catch-all `OPTIONS *` route, which the mapper's 405 router must not learn (it would match every path).
 */
export default fp(
  async (app) => {
    await app.register(cors, { delegator });
  },
  { name: 'cors' },
);
