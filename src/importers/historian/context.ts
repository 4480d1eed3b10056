import type { ImportStore } from '../../repositories/historian-import-store.js';
import type { FileStatus, ImportReport, Severity } from './report.js';

// The state an import carries: its options and progress callback, the collections' spans read once per run
// (RunContext), and per file the store, the participants already resolved and the tally of what the file changed
// and flagged (FileContext), which the run adds up into its report once the file's transaction has committed.

export type ImportProgress = {
  /** Files done so far (1-based), of `total`. */
  done: number;
  total: number;
  file: string;
  records: number;
  status: FileStatus;
};

export type ImportOptions = {
  /** Write over rows edited by hand since the import last wrote them (default: keep them, and list them). */
  overwriteEdits?: boolean;
  /** Delete the stops of records that their file no longer holds (default: keep them, and list them). */
  removeMissing?: boolean;
  onProgress?: (progress: ImportProgress) => void;
};

export type Tally = Pick<
  ImportReport,
  'trips' | 'stops' | 'participants' | 'inferred' | 'matched' | 'edits' | 'renamed' | 'missing' | 'flagged'
>;

const counts = () => ({ created: 0, updated: 0, unchanged: 0, recreated: 0, kept: 0 });

export const emptyTally = (): Tally => ({
  trips: { ...counts(), matched: 0, deleted: 0 },
  stops: { ...counts(), missing: 0, removed: 0 },
  participants: { ...counts(), matched: 0, renamed: 0 },
  inferred: { countries: 0, timeZones: 0 },
  matched: [],
  edits: [],
  renamed: [],
  missing: [],
  flagged: [],
});

export function addTally(into: Tally, from: Tally): void {
  for (const key of ['trips', 'stops', 'participants', 'inferred'] as const) {
    const target = into[key] as Record<string, number>;
    for (const [name, n] of Object.entries(from[key])) target[name] = (target[name] ?? 0) + n;
  }
  into.matched.push(...from.matched);
  into.edits.push(...from.edits);
  into.renamed.push(...from.renamed);
  into.missing.push(...from.missing);
  into.flagged.push(...from.flagged);
}

/** Whether a file's import wrote anything: rows made, changed, re-keyed or removed. */
export function changedAnything({ trips, stops, participants, edits }: Tally): boolean {
  return (
    trips.created + trips.updated + trips.recreated + trips.deleted > 0 ||
    stops.created + stops.updated + stops.recreated + stops.removed > 0 ||
    participants.created + participants.updated + participants.renamed > 0 ||
    edits.some((e) => e.action === 'overwritten')
  );
}

/** What lasts across the files of one import: its options, and each collection's spans, read once. */
export class RunContext {
  readonly spans = new Map<string, number[]>();
  constructor(readonly options: ImportOptions) {}
}

/** One file's import: its store, its tally, and the participants it has resolved. */
export class FileContext {
  readonly people = new Map<string, number>();
  constructor(
    readonly store: ImportStore,
    readonly file: string,
    /** The name records are filed under (see ImportInput); null for an unnamed body. */
    readonly fileKey: string | null,
    readonly tally: Tally,
    readonly run: RunContext,
  ) {}

  get options(): ImportOptions {
    return this.run.options;
  }

  flag(record: { id: string; line: number } | null, severity: Severity, reason: string): void {
    this.tally.flagged.push({
      file: this.file,
      recordId: record?.id ?? null,
      line: record?.line ?? null,
      severity,
      reason,
    });
  }
}
