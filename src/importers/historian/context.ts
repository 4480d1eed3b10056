import type { ImportStore } from '../../repositories/historian-import-store.js';
import type { FileStatus, ImportReport, Omitted, Severity } from './report.js';

// The state an import carries: its options and progress callback, the collections' spans read once per run
// (RunContext); per file what lasts across its transactions (FileState: the participants already resolved, the
// trips the current traveler's groups have claimed, the collections' span limits); and per transaction the store and
// the tally of what it changed and flagged (FileContext), which is added to the file's once the transaction commits.
// Every list here is bounded: the caches by REMEMBERED, the report's lists by REPORT_LIST_LIMIT.

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

/**
 * The most entries a report keeps in each of its lists (`matched`, `edits`, `renamed`, `missing`, and the warnings
 * of `flagged`; errors, at most one per file, are always kept): beyond it they are counted in `omitted`, so that the
 * report of a file of a million records stays small.
 */
export const REPORT_LIST_LIMIT = 1000;

export const emptyOmitted = (): Omitted => ({ matched: 0, edits: 0, renamed: 0, missing: 0, flagged: 0 });

/** Adds `from`'s counts and list entries to `into`'s, keeping each list within REPORT_LIST_LIMIT (see there). */
export function addTally(into: Tally & { omitted: Omitted }, from: Tally & { omitted?: Omitted }): void {
  for (const key of ['trips', 'stops', 'participants', 'inferred'] as const) {
    const target = into[key] as Record<string, number>;
    for (const [name, n] of Object.entries(from[key])) target[name] = (target[name] ?? 0) + n;
  }
  for (const list of ['matched', 'edits', 'renamed', 'missing', 'flagged'] as const) {
    into.omitted[list] += from.omitted?.[list] ?? 0;
    for (const entry of from[list]) {
      const kept = list === 'flagged' && (entry as { severity: Severity }).severity === 'error';
      if (kept || into[list].length < REPORT_LIST_LIMIT) (into[list] as unknown[]).push(entry);
      else into.omitted[list] += 1;
    }
  }
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

/** What lasts across the files of one import: its options, and each collection's spans (days → stops), read once. */
export class RunContext {
  readonly spans = new Map<string, Map<number, number>>();
  constructor(readonly options: ImportOptions) {}
}

/** How many participants a file's import remembers having resolved; it forgets them all beyond (and reads again). */
const REMEMBERED = 10_000;

/** A map that forgets everything when it grows past `limit` entries: a cache whose size stays bounded. */
export class BoundedCache<K, V> extends Map<K, V> {
  constructor(private readonly limit = REMEMBERED) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}

/** What one file's import keeps across its transactions. */
export class FileState {
  /** Participants resolved so far, by source and key. */
  readonly people = new BoundedCache<string, number>();
  /** The trips that the current traveler's groups have taken (a group takes a trip at most once). */
  claimed = { travelerId: 0, trips: new Set<number>() };
  /** Per collection: the median span of its records and the span beyond which a record is suspicious. */
  readonly spanLimits = new Map<string, { median: number; limit: number }>();
  constructor(
    readonly file: string,
    /** The name records are filed under (see ImportInput); null for an unnamed body. */
    readonly fileKey: string | null,
    readonly run: RunContext,
  ) {}

  /** The trips claimed by the traveler's groups: a set that starts empty for each traveler. */
  claimedBy(travelerId: number): Set<number> {
    if (this.claimed.travelerId !== travelerId) this.claimed = { travelerId, trips: new Set() };
    return this.claimed.trips;
  }
}

/** One transaction of a file's import: its store, its tally, and the file's state. */
export class FileContext {
  /** The keys the transaction's records were written under, by source (the file holds them). */
  readonly written = new Map<string, string[]>();
  constructor(
    readonly store: ImportStore,
    readonly state: FileState,
    readonly tally: Tally,
  ) {}

  get file(): string {
    return this.state.file;
  }

  get fileKey(): string | null {
    return this.state.fileKey;
  }

  get run(): RunContext {
    return this.state.run;
  }

  get people(): Map<string, number> {
    return this.state.people;
  }

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
