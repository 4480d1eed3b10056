import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { AppError, InvalidRequestError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed, to store its answer. */
    idempotency: { holder: string; key: string } | null;
  }
}

const METHODS = new Set(['POST', 'PATCH']);
const KEPT_HEADERS = ['content-type', 'location', 'etag', 'preference-applied'];

/**
 * Safe retries for POST and PATCH (IETF httpapi Idempotency-Key draft). The first request with a key runs and its
 * answer (status, headers, body) is stored for 24 hours, for the key holder only; a retry with the same key and
 * the same request gets that answer again without writing; the same key with another request is a 422, and a
 * retry while the first is still running is a 409. Runs after validation, so invalid input is never stored.
 */
export default fp(
  async (app) => {
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers['idempotency-key'];
      // Only requests that reached a route (and so were validated) claim a key; a 404 or 405 stores nothing.
      if (key === undefined || !METHODS.has(request.method) || request.routeOptions.url === undefined) return;
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
        throw new InvalidRequestError([
          { path: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' },
        ]);
      }
      const holder = request.apiKey?.name ?? `ip:${request.ip}`;
      // Prefer is part of the request when present: strict and lenient handling of one body are two requests.
      const prefer = request.headers.prefer;
      const requestHash = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .update(prefer === undefined ? '' : `\nprefer: ${String(prefer)}`)
        .digest('base64url');
      const claim = await request.database.transaction((tx) =>
        app.repos.idempotency.begin(holder, key, requestHash, tx),
      );
      if (claim.kind === 'mismatch') {
        throw new AppError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
        );
      }
      if (claim.kind === 'in_flight') {
        reply.header('retry-after', '1');
        throw new AppError(
          409,
          'idempotency_key_in_flight',
          'A request with this Idempotency-Key is still being processed; retry shortly.',
        );
      }
      if (claim.kind === 'replay') {
        const { status, headers, body } = claim.response;
        for (const [name, value] of Object.entries(headers)) reply.header(name, value);
        reply.header('idempotent-replayed', 'true');
        return reply.code(status ?? 200).send(body ?? undefined);
      }
      request.idempotency = { holder, key };
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      if (reply.statusCode >= 500) {
        await request.database.transaction((tx) =>
          app.repos.idempotency.abandon(claim.holder, claim.key, tx),
        );
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const body =
        typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
      const response = { status: reply.statusCode, headers, body };
      await request.database.transaction((tx) =>
        app.repos.idempotency.complete(claim.holder, claim.key, response, tx),
      );
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['database', 'auth'] },
);
