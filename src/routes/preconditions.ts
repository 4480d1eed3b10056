import type { FastifyReply, FastifyRequest } from 'fastify';
import { CODINGS } from '../content-coding.js';
import type { Transaction } from '../db/client.js';
import { type Expected, versionTag } from '../domain/versions.js';
import { AppError } from '../errors.js';

// If-Match on PATCH, PUT and DELETE: a stale tag answers 412 and changes nothing (see domain/versions.ts), and so
// does a header that can never match (weak or foreign tags). With REQUIRE_IF_MATCH, a write without If-Match is a 428.

/** Sends a resource's version as its ETag (the tag If-Match compares with). */
export function tagWithVersion<T extends { version: number }>(reply: FastifyReply, resource: T): T {
  reply.header('etag', versionTag(resource.version));
  return resource;
}

/** The versions this request's If-Match accepts, under the server's REQUIRE_IF_MATCH (see expectedVersions). */
export const ifMatch = (request: FastifyRequest): Expected =>
  expectedVersions(request, request.server.config.REQUIRE_IF_MATCH);

/**
 * A 201 Created answer of a new record: `Location` names it, its version is the ETag (for a later If-Match), and
 * the body is `body` (the record itself unless given, for example with `warnings`).
 */
export function sendCreated<T extends { version: number }>(
  reply: FastifyReply,
  location: string,
  record: T,
  body: object = record,
): FastifyReply {
  return reply.code(201).header('location', location).header('etag', versionTag(record.version)).send(body);
}

/**
 * An unchecked PATCH: `update` runs in a transaction with the versions If-Match accepts; answers the record and
 * sends its version as the ETag.
 */
export async function updateRecord<T extends { version: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  update: (tx: Transaction, expected: Expected) => Promise<T>,
): Promise<T> {
  const expected = ifMatch(request);
  return tagWithVersion(reply, await request.database.transaction((tx) => update(tx, expected)));
}

/** A DELETE: `remove` runs in a transaction with the versions If-Match accepts; answers 204 No Content. */
export async function deleteRecord(
  request: FastifyRequest,
  reply: FastifyReply,
  remove: (tx: Transaction, expected: Expected) => Promise<void>,
): Promise<FastifyReply> {
  const expected = ifMatch(request);
  await request.database.transaction((tx) => remove(tx, expected));
  return reply.code(204).send(null);
}

/** A version tag, in any content coding a GET may have answered it in (`"v3"`, `"v3-gzip"`, `"v3-br"`). */
const VERSION_TAG = new RegExp(`^"v(\\d{1,15})(?:-(?:${CODINGS.join('|')}))?"$`);

/**
 * The versions If-Match accepts; undefined when it is absent (and not required) or `*`. Throws 428 when it is
 * required and absent, and 412 when no tag in it is a strong version tag (`"v<n>"`, in a content coding or not).
 */
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
  const tags = header.split(',').map((tag) => tag.trim());
  const versions = tags
    .map((tag) => VERSION_TAG.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  if (versions.length > 0) return versions;
  // Nothing in the header can ever match, whatever the record's state: say why, rather than that it changed.
  if (tags.some((tag) => tag.startsWith('W/'))) {
    throw new AppError(
      412,
      'precondition_failed',
      'If-Match uses the strong comparison (RFC 9110 §13.1.1), so a weak tag (W/"…") can never match: send the ' +
        'ETag exactly as a GET answered it, such as "v3".',
    );
  }
  throw new AppError(
    412,
    'precondition_failed',
    'If-Match names no version of this record: its tags are "v<version>", as a GET answers in ETag.',
  );
}
