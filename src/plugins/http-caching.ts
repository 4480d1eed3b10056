import etag from '@fastify/etag';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

// Conditional reads (RFC 9110 §13). A successful GET or HEAD with a body gets a strong ETag (hash of the exact
// bytes sent, so JSON and CSV differ) and `Cache-Control: no-cache`: caches may keep it but must revalidate.
// A single resource also gets Last-Modified from its `updatedAt`. Writes and errors carry no validator.
//
// @fastify/etag computes the tag. Its own 304 is off (replyWith304: false) because it compares one exact tag
// for every method and status: it would answer 304 to a POST or to a 404 whose tag matched, and it ignores
// `If-None-Match: *` and lists of tags. The If-None-Match check below does it per RFC 9110 §13.1.2 instead.
// If-Modified-Since is not evaluated: the ETag is the validator, and clients that have it send If-None-Match,
// which RFC 9110 makes win when both are sent.

const isRead = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

const isSuccess = (reply: FastifyReply) => reply.statusCode >= 200 && reply.statusCode < 300;

/** The opaque tags of an If-None-Match list, without W/: the header uses weak comparison. */
const ENTITY_TAG = /(?:W\/)?("[^"]*")/g;

/** Whether If-None-Match matches the current tag, so the answer is 304. */
export function noneMatchHits(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = tag.replace(/^W\//, '');
  for (const match of header.matchAll(ENTITY_TAG)) if (match[1] === opaque) return true;
  return false;
}

export default fp(
  async (app) => {
    // Tags a route sets itself (none does today) are its own business and stay, whatever the method.
    const ownTags = new WeakSet<FastifyReply>();

    app.addHook('preSerialization', async (request, reply, payload: unknown) => {
      if (isRead(request) && reply.statusCode === 200 && typeof payload === 'object' && payload !== null) {
        const updatedAt = (payload as { updatedAt?: unknown }).updatedAt;
        const date = typeof updatedAt === 'string' ? new Date(updatedAt) : undefined;
        if (date && !Number.isNaN(date.getTime())) reply.header('last-modified', date.toUTCString());
      }
      return payload;
    });

    // Runs before @fastify/etag's onSend hook, which is registered just after it.
    app.addHook('onSend', async (_request, reply, payload: unknown) => {
      if (reply.hasHeader('etag')) ownTags.add(reply);
      return payload;
    });

    await app.register(etag, { replyWith304: false });

    app.addHook('onSend', async (request, reply, payload: unknown) => {
      const tag = reply.getHeader('etag');
      if (tag === undefined) return payload;
      if (!isRead(request) || !isSuccess(reply)) {
        if (!ownTags.has(reply)) reply.removeHeader('etag');
        return payload;
      }
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
      if (!noneMatchHits(request.headers['if-none-match'], String(tag))) return payload;
      reply.code(304);
      // A 304 has no content, so no Content-Type. GET sends no body and no Content-Length; HEAD keeps the
      // payload only for Fastify's HEAD handler to state the length a 200 would have had, then drops it.
      reply.removeHeader('content-type');
      return request.method === 'HEAD' ? payload : null;
    });
  },
  { name: 'http-caching', dependencies: ['csv'] },
);
