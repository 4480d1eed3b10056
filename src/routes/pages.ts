import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../repositories/pagination.js';

/**
 * Sends a page, with an RFC 8288 `Link: <...>; rel="next"` header that repeats the request's own query with the
 * next cursor (a relative reference, so it works behind any host or proxy).
 */
export function sendPage<Row>(request: FastifyRequest, reply: FastifyReply, page: Page<Row>): Page<Row> {
  if (page.nextCursor) {
    const url = new URL(request.url, 'http://localhost');
    url.searchParams.set('cursor', page.nextCursor);
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return page;
}
