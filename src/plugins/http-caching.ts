import etag from '@fastify/etag';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { COMPRESSION_THRESHOLD, codedTag, isCompressible } from '../content-coding.js';

// Conditional reads (RFC 9110 §13). A successful GET or HEAD with a body gets a strong ETag (hash of the bytes
// before any content coding, so JSON and CSV differ; see below for codings) and `Cache-Control: no-cache`: caches may keep it but must revalidate.
// A single resource also gets Last-Modified from its `updatedAt`. Writes and errors carry no validator.
//
// @fastify/etag computes the tag. Its own 304 is off (replyWith304: false) because it compares one exact tag
// for every method and status: it would answer 304 to a POST or to a 404 whose tag matched, and it ignores
// `If-None-Match: *` and lists of tags. The If-None-Match check below does it per RFC 9110 §13.1.2 instead.
// If-Modified-Since is not evaluated: the ETag is the validator, and clients that have it send If-None-Match,
// which RFC 9110 makes win when both are sent.
//
// Content codings (plugins/compression.ts): the tag is computed over the identity bytes, before compression, and a
// coded answer's tag names its coding (`"abc-gzip"`, `"v3-br"`; content-coding.ts: codedTag). RFC 9110 §8.8.3 asks
// that a strong tag differ between representations whose bytes differ, and tags stay strong (rather than weakened,
// as some proxies do) because If-Match compares strongly: a client holding "v3-gzip" can still write with it
// (preconditions.ts). So the If-None-Match check runs after compression, on the tag of the representation this
// request would get: a client that holds the gzip answer and asks again with gzip gets its 304, one that holds the
// identity answer and now accepts gzip gets the gzip answer. It runs as a route hook after @fastify/compress's, and
// a HEAD request's answer is measured after both, so that HEAD has the ETag, Content-Encoding and Content-Length
// that GET would have.

const isRead = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

const isSuccess = (reply: FastifyReply) => reply.statusCode >= 200 && reply.statusCode < 300;

/** The opaque tags of an If-None-Match list, without W/: the header uses weak comparison. */
const ENTITY_TAG = /(?:W\/)?("[^"]*")/g;

/** Adds `field` to the Vary header unless it (or `*`) is there. */
export function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  const fields =
    current === undefined
      ? []
      : String(current)
          .split(/\s*,\s*/)
          .filter(Boolean);
  if (fields.some((name) => name === '*' || name.toLowerCase() === field.toLowerCase())) return;
  reply.header('vary', [...fields, field].join(', '));
}

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
      return payload;
    });

    // Route hooks run after every instance-wide one, in the order they were added: @fastify/compress's first (the
    // compression plugin is registered before this one), then this check, then Fastify's HEAD handler, moved last.
    app.addHook('onRoute', (route) => {
      const hooks = route.onSend === undefined ? [] : [route.onSend].flat();
      const head = hooks.filter((hook) => hook.name === HEAD_HANDLER);
      route.onSend = [...hooks.filter((hook) => hook.name !== HEAD_HANDLER), afterCoding, ...head];
    });
  },
  { name: 'http-caching', dependencies: ['csv', 'compression'] },
);

/** The onSend hook Fastify gives the HEAD route it derives from a GET: it measures the body, then drops it. */
const HEAD_HANDLER = 'headRouteOnSendHandler';

const isStream = (payload: unknown): payload is { destroy: () => void; pipe: unknown } =>
  typeof payload === 'object' &&
  payload !== null &&
  typeof (payload as { pipe?: unknown }).pipe === 'function';

/** Whether a successful answer sent without a coding would have been compressed for a client that accepts it. */
function couldBeCoded(reply: FastifyReply, payload: unknown): boolean {
  const type = reply.getHeader('content-type');
  const size = typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.byteLength(payload) : 0;
  return typeof type === 'string' && isCompressible(type) && size >= COMPRESSION_THRESHOLD;
}

/**
 * After compression: the ETag of a coded answer names its coding (a write's too: the version it sends is then the
 * coded one, which If-Match takes). On a successful GET or HEAD, `Vary: Accept-Encoding` is on every answer that
 * depends on it (coded or not), and If-None-Match is answered: a match is a 304 without content (no Content-Type,
 * Content-Encoding or, for GET, Content-Length).
 */
const afterCoding: onSendHookHandler = async (request, reply, payload: unknown) => {
  const coding = reply.getHeader('content-encoding');
  const coded = typeof coding === 'string' && coding !== 'identity';
  const tag = reply.getHeader('etag');
  const current = tag === undefined ? undefined : coded ? codedTag(String(tag), coding) : String(tag);
  if (current !== undefined) reply.header('etag', current);
  if (!isRead(request) || !isSuccess(reply)) return payload;
  if (!coded && couldBeCoded(reply, payload)) addVary(reply, 'Accept-Encoding');
  if (current === undefined || !noneMatchHits(request.headers['if-none-match'], current)) return payload;
  reply.code(304);
  reply.removeHeader('content-type');
  reply.removeHeader('content-encoding');
  // HEAD keeps the payload only for Fastify's HEAD handler (after this hook) to state the length a 200 would have
  // had, then drops it. GET sends no body and no Content-Length; a compressing stream is stopped before it runs.
  if (request.method === 'HEAD') return payload;
  reply.removeHeader('content-length');
  if (isStream(payload)) payload.destroy();
  return null;
};
