import type { Resource } from '../../repositories/historian-import-store.js';
import type { FileContext } from './context.js';

// Hand corrections survive an import: the importer notes the version of every row it writes (table
// import_writes), and a row whose version has moved since was edited by someone else, so it is kept and listed
// unless `overwriteEdits`. Also the field-by-field difference that decides whether a row needs writing at all.

/** Only the fields that differ, or null when none does. */
export function changes<T extends Record<string, unknown>>(
  current: Record<string, unknown>,
  wanted: T,
): Partial<T> | null {
  const diff: Partial<T> = {};
  let changed = false;
  for (const [key, value] of Object.entries(wanted)) {
    const now = current[key];
    const same =
      typeof value === 'object' && value !== null
        ? JSON.stringify(now) === JSON.stringify(value)
        : now === value;
    if (!same) {
      (diff as Record<string, unknown>)[key] = value;
      changed = true;
    }
  }
  return changed ? diff : null;
}

/**
 * Writes the import's changes to a row it owns, unless the row was edited by someone else since the import last
 * wrote it (its version moved past the one in import_writes): then the row is kept as edited and listed, or, under
 * `overwriteEdits`, written and listed as overwritten. `write` makes the change and resolves to the new version;
 * the promise resolves to the outcome once the write is recorded.
 */
export async function writeOwned(
  ctx: FileContext,
  resource: Resource,
  row: { id: number; version: number },
  written: number | undefined,
  diff: Record<string, unknown>,
  recordIds: string[],
  write: () => Promise<number>,
  key?: { source: string; recordId: string },
): Promise<'updated' | 'kept'> {
  const edited = written !== undefined && written !== row.version;
  if (edited) {
    const action = ctx.options.overwriteEdits ? 'overwritten' : 'kept';
    ctx.tally.edits.push({
      file: ctx.file,
      resource,
      id: row.id,
      recordIds,
      fields: Object.keys(diff),
      action,
    });
    if (action === 'kept') return 'kept';
  }
  await ctx.store.recordWrite(resource, row.id, await write(), key);
  return 'updated';
}
