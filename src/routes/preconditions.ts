import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Expected, versionTag } from '../domain/versions.js';
import { AppError } from '../errors.js';

// If-Match on PATCH, PUT and DELETE: a stale tag answers 412 and changes nothing (see domain/versions.ts). With
// REQUIRE_IF_MATCH, a write without If-Match is a 428.

/** Sends a resource's version as its ETag (the tag If-Match compares with). */
export function tagWithVersion<T extends { version: number }>(reply: FastifyReply, resource: T): T {
  reply.header('etag', versionTag(resource.version));
  return resource;
}

/** The versions If-Match accepts; undefined when it is absent (and not required) or `*`. */
export function expectedVersions(request: FastifyRequest, requireIfMatch: boolean): Expected {
  const header = request.headers['if-match'];
  if (header === undefined) {
    if (requireIfMatch) {
      throw new AppError(
        428,
        'precondition_required',
        'This server requires If-Match on writes: GET the resource, then send its ETag in If-Match.',
      );
    }
    return undefined;
  }
  if (header.trim() === '*') return undefined;
  // Strong comparison (RFC 9110): a weak tag, or one that is not a version tag, can never match.
  return header
    .split(',')
    .map((tag) => /^\s*"v(\d{1,15})"\s*$/.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}
