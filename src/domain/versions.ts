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
