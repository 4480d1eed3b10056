import type { FastifyReply, FastifyRequest } from 'fastify';
import { codingFor } from '../content-coding.js';
import { addVary } from '../plugins/http-caching.js';
import type { CachedAnswer } from '../services/itinerary-cache.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends a kept answer (services/answers.ts: an itinerary, a calendar) as `contentType`, with its ETag and
 * Last-Modified: in the content coding the client prefers, from the bytes the answer keeps for that coding (compressed
 * on its first request, not on every one), else as it is. Sent as bytes: no serialization and no second hash;
 * http-caching names the coding in the ETag and answers If-None-Match. With `identityOnly` (a later hook rewrites the
 * body, as fields= does) the identity bytes go, and @fastify/compress codes what that hook makes.
 */
export async function sendCachedAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: CachedAnswer,
  contentType: string,
  options: { identityOnly?: boolean } = {},
): Promise<FastifyReply> {
  reply.type(contentType).header('etag', answer.etag);
  if (answer.lastModified) reply.header('last-modified', answer.lastModified);
  const coding = options.identityOnly
    ? undefined
    : codingFor(request.headers, contentType, answer.body.length);
  if (coding === undefined) return reply.send(answer.body);
  addVary(reply, 'Accept-Encoding');
  return reply.header('content-encoding', coding).send(await answer.coded(coding));
}
