import type { DatabaseHandle, Transaction } from '../db/handle.js';
import type { RecordRef } from '../domain/conflicts.js';
import { ConflictError } from '../errors.js';
import type { ConflictsRepository, Focus } from '../repositories/conflicts-repository.js';
import type { Conflict } from '../schemas/conflicts.js';

// Checked writes: a rule across resources, so it lives here rather than in a repository. A write that can place
// someone (a meeting's date or participants, a stop's dates, a trip's traveler) runs in one transaction with two
// looks at the schedules it touches, before and after; the conflicts found after and not before are the ones it
// introduced. The repository (repositories/conflicts-repository.ts) loads the facts and the rules of
// domain/conflicts.ts find the conflicts in them.

/** RFC 7240 `handling`: lenient writes and warns; strict refuses a write that introduces conflicts. */
export type Handling = 'strict' | 'lenient';

export type CheckedWrite<T> = {
  handling: Handling;
  /** The write, on the transaction it is given. */
  write: (tx: Transaction) => Promise<T>;
  /** The records whose conflicts count; a function of the result when the write creates the record. */
  focus: Focus | ((result: T) => Focus);
  /** false when the write cannot change anyone's schedule (routes/conflict-checks.ts): it is just made. */
  relevant?: boolean;
  /** The record the write creates, if it creates one: a refusal must not name its id, which is rolled back. */
  created?: (result: T) => RecordRef;
};

/**
 * Runs `write` in a transaction of `database` and answers its result with the conflicts it introduced, as
 * `warnings`. Under strict handling a write that introduced any is rolled back whole and refused: a ConflictError
 * (409, `schedule_conflict`) whose `conflicts` lists them. Errors of the write itself come back unchanged.
 */
export async function checkedWrite<T>(
  database: Pick<DatabaseHandle, 'transaction'>,
  conflicts: ConflictsRepository,
  change: CheckedWrite<T>,
): Promise<{ result: T; warnings: Conflict[] }> {
  const { handling, write, focus, relevant = true, created } = change;
  return database.transaction(async (tx) => {
    if (!relevant) return { result: await write(tx), warnings: [] };
    // The check reads, then the write writes: no other write of the same schedules may slip in between
    // (PostgreSQL), so both looks lock the schedules they read.
    const before =
      typeof focus === 'function'
        ? new Set<string>()
        : new Set((await conflicts.lockedFound(focus, tx)).found.map((c) => c.key));
    const result = await write(tx);
    const after = await conflicts.lockedFound(typeof focus === 'function' ? focus(result) : focus, tx);
    const introduced = after.found.filter((c) => !before.has(c.key));
    if (handling === 'strict' && introduced.length > 0) {
      throw refusal(await conflicts.describe(introduced, after.facts, created?.(result), tx));
    }
    return { result, warnings: await conflicts.describe(introduced, after.facts, undefined, tx) };
  });
}

/** The 409 of a strict write that would introduce `conflicts`, the first explained in `detail`. */
function refusal(conflicts: Conflict[]): ConflictError {
  const [first] = conflicts;
  const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more, in \`conflicts\`)` : '';
  return new ConflictError(
    'schedule_conflict',
    `The change would introduce ${conflicts.length} scheduling conflict${conflicts.length === 1 ? '' : 's'}, ` +
      `and Prefer: handling=strict refuses it; nothing was written. ${first?.explanation ?? ''}${more} ` +
      'Resolve the conflict, or send the change without handling=strict to write it with warnings.',
    { conflicts },
  );
}
