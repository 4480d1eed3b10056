import { isDeepStrictEqual } from 'node:util';
import { PreconditionFailedError } from '../errors.js';

// Versions for optimistic concurrency: every resource has one, and its strong ETag is "v<version>". A write that
// names the versions it expects (If-Match) goes ahead only if the resource is still at one of them; the check runs
// inside the write's transaction, so two writers from the same version cannot both succeed.

/** The versions a write accepts: undefined when it accepts any. */
export type Expected = number[] | undefined;

export const versionTag = (version: number): string => `"v${version}"`;

/** Throws a PreconditionFailedError unless the current version is one the request accepts. */
export function assertExpected(
  expected: Expected,
  resource: string,
  id: number | string,
  current: number,
): void {
  if (expected !== undefined && !expected.includes(current))
    throw new PreconditionFailedError(resource, id, versionTag(current));
}

/**
 * The part of a patch that would change the record: its fields whose value differs from the record's (compared
 * deeply, so lists and sources compare by content; a field the record lacks counts as a change). An empty result
 * means the write changes nothing, so it must keep the version, `updatedAt` and ETag, and leave no audit or
 * change-feed entry.
 */
export function changedFields<T extends object>(current: object, patch: T): Partial<T> {
  const record = current as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(patch).filter(
      ([field, value]) =>
        value !== undefined && !(field in record && isDeepStrictEqual(record[field], value)),
    ),
  ) as Partial<T>;
}
