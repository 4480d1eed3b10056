import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseHandle } from '../db/handle.js';
import { AppError } from '../errors.js';
import type { AuthenticatedKey } from '../repositories/keys-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key that authenticated the request, if any. */
    apiKey: AuthenticatedKey | null;
    /**
     * The database as this request's writer (app.database.as(the key's name)): the audit log records the key
     * behind every write made through it. Request code writes through it, never through app.database.
     */
    database: DatabaseHandle;
  }
  interface FastifyContextConfig {
    /** The scope a route needs beyond its method's default (admin routes). */
    scope?: Scope;
  }
}

export type Scope = AuthenticatedKey['scope'];
export type AuthPluginOptions = { readAccess: 'public' | 'key' };

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Paths anyone may read whatever READ_ACCESS says: the health check, the API description, and the viewer's pages
 * and assets (src/plugins/viewer.ts), which hold no data: its data comes from the API, under READ_ACCESS.
 */
const ALWAYS_PUBLIC = [/^\/health$/, /^\/docs(\/|$)/, /^\/openapi\.(json|yaml)$/, /^\/$/, /^\/view\//];
const alwaysPublic = (url: string | undefined) =>
  url !== undefined && ALWAYS_PUBLIC.some((path) => path.test(url));

const CHALLENGE = 'Bearer realm="diplomatic-itinerary"';

export function requiredScope(
  request: FastifyRequest,
  readAccess: AuthPluginOptions['readAccess'],
): Scope | null {
  const url = request.routeOptions.url;
  // Unknown routes answer 404 (or 405) whatever the credentials.
  if (url === undefined || alwaysPublic(url)) return null;
  const configured = request.routeOptions.config.scope;
  if (configured) return configured;
  if (READ_METHODS.has(request.method)) return readAccess === 'key' ? 'read' : null;
  return 'write';
}

/** The token of an `Authorization: Bearer <token>` header; undefined without one, null for other credentials. */
function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Who a request counts against, for per-client bounds (the rate limit, open change streams): its verified API key
 * (`key:<id>`) once auth has run, else its address (`ip:<address>`, as TRUST_PROXY reads it).
 */
export const clientOf = (request: FastifyRequest): string =>
  request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`;

/**
 * Bearer-token authentication and scopes, in two steps. On request, the key is verified (request.apiKey), so that
 * the rate limiter, whose hook runs next, counts a verified key and never a made-up token. Before the body is
 * parsed, the request is refused when it sent credentials that are not a valid key (on every route, reads
 * included, except the health check and the API description, which touch no keys), or lacks the scope it needs.
 * A caller without the right key learns nothing about the input rules; 401 does not say whether the token was
 * missing, unknown or revoked.
 */
export default fp<AuthPluginOptions>(
  async (app, opts) => {
    app.decorateRequest('apiKey', null);
    app.decorateRequest('database', null as unknown as DatabaseHandle);

    app.addHook('onRequest', async (request) => {
      // The health check and the API description never touch keys, so they answer even when the database won't.
      if (alwaysPublic(request.routeOptions.url)) return;
      const token = bearerToken(request.headers.authorization);
      request.apiKey = token
        ? ((await app.database.autocommit((tx) => app.repos.keys.authenticate(token, tx))) ?? null)
        : null;
    });

    app.addHook('preParsing', async (request, reply) => {
      if (alwaysPublic(request.routeOptions.url)) return;
      const needed = requiredScope(request, opts.readAccess);
      const sentCredentials = request.headers.authorization !== undefined;
      if (
        !request.apiKey &&
        (needed !== null || (sentCredentials && request.routeOptions.url !== undefined))
      ) {
        reply.header('www-authenticate', CHALLENGE);
        throw new AppError(
          401,
          'unauthorized',
          'This request needs a valid API key: send Authorization: Bearer <token>.',
        );
      }
      if (needed !== null && request.apiKey && RANK[request.apiKey.scope] < RANK[needed]) {
        throw new AppError(403, 'forbidden', `This API key may not do this: it needs the ${needed} scope.`);
      }
    });

    // The rest of the request writes as its key, so the audit log knows who wrote.
    app.addHook('onRequest', (request, _reply, done) => {
      request.database = app.database.as(request.apiKey?.name ?? null);
      done();
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
