import { isDeepStrictEqual } from 'node:util';
import { BusyError, PreconditionFailedError } from '../errors.js';

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

/** How many times a write is tried again after another writer changed its record between its read and its write. */
const WRITE_ATTEMPTS = 5;

/**
 * Runs `attempt` until its write lands. An attempt reads the record, checks If-Match against it (assertExpected),
 * and writes with the version it read as a condition (`… WHERE id = $id AND version = $read`), so that the check
 * holds at the moment of the write, not only at the read; it answers undefined when that write changed no row:
 * another writer (another transaction on PostgreSQL) changed the record in between. The next attempt reads it
 * again: a request that named versions then gets its 412, one that did not applies its change to the newer state,
 * and a record deleted meanwhile is a 404. After WRITE_ATTEMPTS, a BusyError (503, retry).
 */
export async function untilWritten<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < WRITE_ATTEMPTS; tries += 1) {
    const written = await attempt();
    if (written !== undefined) return written;
  }
  throw new BusyError();
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
