import { basename } from 'node:path';
import type { DatabaseHandle } from '../../db/client.js';
import { openStaging, type StagedRecord, type Staging } from '../../db/import-staging.js';
import { createImportStore } from '../../repositories/historian-import-store.js';
import { applyGroups } from './apply.js';
import {
  addTally,
  BoundedCache,
  changedAnything,
  emptyOmitted,
  emptyTally,
  FileContext,
  FileState,
  type ImportOptions,
  RunContext,
  type Tally,
} from './context.js';
import { displayCountry, resolveCountry, UNKNOWN_COUNTRY } from './countries.js';
import { joinsTrip } from './grouping.js';
import {
  type FileKind,
  type HistorianRecord,
  ImportFileError,
  readFileRecords,
  readTextRecords,
  type TravelRecord,
  type VisitRecord,
} from './parser.js';
import { displayName, nameKey, splitVisitor, TRAVELER_TITLES } from './people.js';
import { traveler, visitor } from './people-matching.js';
import { type GroupPlan, idList, legOf, tripTitle } from './plan.js';
import type { FileStatus, ImportFlag, ImportReport } from './report.js';
import { daysOf, handleMissingPage, type PageEnd, setSpanLimits } from './upstream-corrections.js';

// Imports the Office of the Historian's records of travel (<trips>) and of visits (<visits>).
//
// - A file is read whole before anything of it is written: a file that cannot be read (broken XML, a bad date, a
//   start after the end) is reported with its line and leaves the database as it was, and the import goes on with
//   the next file. It is read into a scratch store (db/import-staging.ts) rather than into memory, so a file of any
//   size is held a page at a time.
// - It is then written in bounded transactions of about BATCH_RECORDS records each, a whole number of trips (a
//   trip and all its stops, bookkeeping included, are always in one transaction), so that every commit leaves the
//   database consistent and no statement grows with the file. If the import stops halfway (a crash, a kill, an
//   error of the database), the trips committed so far stay, whole, and the file is reported failed; importing it
//   again finds them unchanged and writes the rest (records are keyed, below), so running it again finishes it.
//   Records the file no longer holds are looked for only once every batch is written.
// - Records are keyed by their collection and id (table import_records): importing the same files again changes
//   nothing (no version moves), and a corrected file updates just the records it corrects.
// - A person's legs are grouped into trips (see grouping.ts); each leg is a stop citing its record.
// - Records that describe a journey already entered by hand (the seed's trip 1) are matched to it rather than
//   entered twice: same traveler, overlapping dates, and for each leg the trip's stops in the same country on
//   overlapping dates. Those stops get the record as a source, unless they cite it already; where their dates
//   disagree with the record's, the import says so. Matched records are never rewritten.
// - Hand corrections survive: the importer notes the version of every row it writes (table import_writes); a row
//   whose version has moved since was edited by someone else, and is kept and listed unless `overwriteEdits`.
// - A record's file is noted (import_records.file): a record id that another file already holds for another
//   person is a collision, imported under a key of its own (`<id>@<file>`) so that neither overwrites the other;
//   records a file no longer holds are listed, and their stops removed only under `removeMissing`.

// This file is the entry point: importHistorian reads each input and, in the file's transaction, turns its records
// into plans (plan.ts, people-matching.ts) and writes them (apply.ts, with hand-edits.ts and
// upstream-corrections.ts); context.ts holds what a run and a file carry, report.ts what the import reports. The
// names those files export for callers are re-exported here, so callers import from this file alone.
export type { ImportOptions, ImportProgress } from './context.js';
export { period, tripTitle } from './plan.js';
export type {
  Counts,
  FileStatus,
  HandEdit,
  ImportFlag,
  ImportReport,
  MissingRecord,
  RenamedTraveler,
  Severity,
} from './report.js';
export { SUSPICIOUS_SPAN } from './upstream-corrections.js';

export const HISTORIAN_PUBLISHER = 'Office of the Historian, US Department of State';
const SITE = 'https://history.state.gov/departmenthistory';

/**
 * A document to import: a file on disk, or a text such as an HTTP body. `file` is the name records are filed
 * under (a file's base name), by which records the document no longer holds and record ids that two files share
 * are found; null for an unnamed body, which skips both checks.
 */
export type ImportInput = {
  name: string;
  file: string | null;
  read: (onRecord: (record: HistorianRecord) => void) => Promise<{ kind: FileKind; records: number }>;
};

export const fileInput = (path: string): ImportInput => ({
  name: path,
  file: basename(path),
  read: (onRecord) => readFileRecords(path, onRecord),
});

export const textInput = (name: string, xml: string, file: string | null = null): ImportInput => ({
  name,
  file,
  read: async (onRecord) => readTextRecords(xml, onRecord),
});

/** About how many records one transaction of an import writes (it ends at the end of a trip). */
export const BATCH_RECORDS = 2000;

/**
 * Imports the documents in order. Each is read whole into a scratch store, then written in transactions of the
 * handle (`database.transaction`) of about BATCH_RECORDS records, a whole number of trips each. A document that
 * cannot be read is reported under `flagged` with severity `error` and nothing of it is written; one whose writing
 * fails keeps its committed transactions and is reported `failed` too (importing it again finishes it). The import
 * goes on with the next document. Each transaction awaits nothing but the store.
 */
export async function importHistorian(
  database: Pick<DatabaseHandle, 'transaction'>,
  inputs: ImportInput[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const report: ImportReport = {
    files: [],
    outcome: 'unchanged',
    records: 0,
    ...emptyTally(),
    omitted: emptyOmitted(),
    durationMs: 0,
  };
  const run = new RunContext(options);
  let done = 0;
  for (const input of inputs) {
    const fileTally = { ...emptyTally(), omitted: emptyOmitted() };
    let kind: FileKind | null = null;
    let status: FileStatus = 'imported';
    let records = 0;
    const staging = openStaging();
    const file = new FileImport(database, staging, new FileState(input.name, input.file, run), fileTally);
    try {
      kind = (
        await input.read((record) => {
          records += 1;
          file.stage(record);
        })
      ).kind;
      staging.seal();
      await file.write(kind);
      if (!changedAnything(fileTally)) status = 'unchanged';
    } catch (error) {
      status = 'failed';
      fileTally.flagged.push(failure(input.name, error, file.committed));
    } finally {
      staging.close();
    }
    addTally(report, fileTally);
    if (changedAnything(fileTally)) report.outcome = 'changed';
    report.records += records;
    report.files.push({ file: input.name, kind, records, status });
    done += 1;
    options.onProgress?.({ done, total: inputs.length, file: input.name, records, status });
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

function failure(file: string, error: unknown, committed: number): ImportFlag {
  if (error instanceof ImportFileError) {
    return { file, recordId: error.recordId, line: error.line, severity: 'error', reason: error.message };
  }
  const reason = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return { file, recordId: null, line: null, severity: 'error', reason: 'no such file' };
  }
  const kept =
    committed === 0
      ? ''
      : ` (the ${committed} records written before stay, in whole trips; importing the file again finishes it)`;
  return {
    file,
    recordId: null,
    line: null,
    severity: 'error',
    reason: `could not be imported: ${reason}${kept}`,
  };
}

const sourceOf = (record: HistorianRecord) =>
  record.kind === 'travel' ? `historian:${record.role}-travels` : 'historian:visits';

/** A visitor across visits: their name and country (one participant each). */
const visitorKey = (r: VisitRecord) => {
  const from = resolveCountry(r.fromSlug, r.fromLabel);
  return `${nameKey(splitVisitor(r.visitor).name)}|${from.known ? from.code : '-'}`;
};

/** A traveler's legs so far in a batch: the trips they make, and the first record, which names the traveler. */
type TravelerRun = { source: string; group: string; first: TravelRecord; trips: TravelRecord[][] };

/** One document's import: staged record by record as it is read, then written batch by batch. */
class FileImport {
  /** Records written in committed transactions. */
  committed = 0;
  /** When the tables' statistics are next brought up to date: each time the records written double. */
  private nextStatistics = BATCH_RECORDS;

  constructor(
    private readonly database: Pick<DatabaseHandle, 'transaction'>,
    private readonly staging: Staging,
    private readonly state: FileState,
    private readonly tally: Tally & { omitted: ReturnType<typeof emptyOmitted> },
  ) {}

  stage(record: HistorianRecord): void {
    const { line, ...rest } = record;
    this.staging.add({
      line,
      id: record.id,
      source: sourceOf(record),
      group: record.kind === 'travel' ? `${sourceOf(record)}|${record.who}` : '',
      startDate: record.startDate,
      endDate: record.endDate,
      days: daysOf(record),
      lookup: record.kind === 'visit' ? visitorKey(record) : '',
      // The record as the repeat check compares it: every field but its line.
      data: JSON.stringify({ ...rest, line: 0 }),
    });
  }

  /** Writes the staged document: repeats sorted out, then its groups batch by batch, then what it no longer holds. */
  async write(kind: FileKind): Promise<void> {
    this.uniqueKeys();
    const spans = new Map<string, Map<number, number>>();
    for (const { source, days, n } of this.staging.spanCounts()) {
      const histogram = spans.get(source) ?? new Map<number, number>();
      histogram.set(days, n);
      spans.set(source, histogram);
    }
    await this.inTransaction((ctx) => setSpanLimits(ctx, spans));
    if (kind === 'travels') await this.travels();
    else await this.visits();
    const { fileKey } = this.state;
    if (fileKey === null) return;
    for (const source of spans.keys()) {
      let after: PageEnd | null = null;
      do {
        const from: PageEnd | null = after;
        after = await this.inTransaction((ctx) =>
          handleMissingPage(ctx, source, fileKey, from, (key) => this.staging.isPresent(source, key)),
        );
      } while (after !== null);
    }
  }

  /**
   * The file's records with one key each. The Office of the Historian's files sometimes number two different
   * records alike (its visits of 2017 reuse ids 2879 to 2888 three times over), and a record is keyed by its id, so
   * each later record under a taken id gets the id with a suffix (`2879.2`, `2879.3`, in file order, so a re-import
   * keys it the same) and a warning; a record that repeats an earlier one field for field is left out, with a
   * warning. Only the repeated ids are read back, one id at a time.
   */
  private uniqueKeys(): void {
    const flagged: Tally = emptyTally();
    for (const id of this.staging.repeatedIds()) {
      const seen: StagedRecord[] = [];
      for (const record of this.staging.recordsOf(id)) {
        const at = { id: record.id, line: record.line };
        if (seen.length === 0) {
          seen.push(record);
        } else if (seen.some((e) => e.data === record.data)) {
          this.staging.setKey(record.seq, null);
          this.flagInto(
            flagged,
            at,
            `record ${id} repeats an earlier record of the same id field for field: left out`,
          );
        } else {
          const distinct = new Set(seen.map((e) => e.data)).size;
          const key = `${id}.${distinct + 1}`;
          this.staging.setKey(record.seq, key);
          this.flagInto(
            flagged,
            at,
            `record ${id} is the id of an earlier, different record too: this one is keyed ${key}`,
          );
          seen.push(record);
        }
      }
    }
    addTally(this.tally, flagged);
  }

  private flagInto(tally: Tally, record: { id: string; line: number }, reason: string): void {
    tally.flagged.push({
      file: this.state.file,
      recordId: record.id,
      line: record.line,
      severity: 'warning',
      reason,
    });
  }

  /** Runs `fn` in a transaction of its own, whose tally joins the file's once it commits. */
  private async inTransaction<T>(fn: (ctx: FileContext) => Promise<T>): Promise<T> {
    const tally = emptyTally();
    let ctx: FileContext | undefined;
    const result = await this.database.transaction(async (tx) => {
      ctx = new FileContext(createImportStore(tx), this.state, tally);
      return fn(ctx);
    });
    addTally(this.tally, tally);
    for (const [source, keys] of ctx?.written ?? []) {
      this.staging.markPresent(source, keys);
      this.committed += keys.length;
    }
    if (this.committed >= this.nextStatistics) {
      this.nextStatistics *= 2;
      await this.database.transaction((tx) => createImportStore(tx).refreshStatistics());
    }
    return result;
  }

  /**
   * Travels: each traveler's legs in date order (the store walks them so), grouped into trips as they come
   * (grouping.ts: a leg joins the trip when it starts no later than the day after the trip so far ends), written in
   * batches of whole trips.
   */
  private async travels(): Promise<void> {
    let batch: TravelerRun[] = [];
    let legs = 0;
    let run: TravelerRun | undefined;
    let trip: TravelRecord[] = [];
    let end = '';
    const closeTrip = async () => {
      if (trip.length === 0 || !run) return;
      run.trips.push(trip);
      legs += trip.length;
      trip = [];
      if (legs >= BATCH_RECORDS) {
        await this.writeTravels(batch);
        // The traveler goes on in the next batch (resolved by then: the file's state remembers them).
        run = { ...run, trips: [] };
        batch = [run];
        legs = 0;
      }
    };
    for (const row of this.staging.grouped()) {
      const record = { ...(JSON.parse(row.data) as TravelRecord), id: row.key, line: row.line };
      if (run?.group !== row.group) {
        await closeTrip();
        // The traveler as their first record in the file names them.
        const first = this.staging.firstOfGroup(row.group);
        const named = first
          ? { ...(JSON.parse(first.data) as TravelRecord), id: first.key, line: first.line }
          : record;
        run = { source: sourceOf(record), group: row.group, first: named, trips: [] };
        batch.push(run);
      } else if (trip.length > 0 && !joinsTrip(end, record.startDate)) {
        await closeTrip();
      }
      trip.push(record);
      if (trip.length === 1 || record.endDate > end) end = record.endDate;
    }
    await closeTrip();
    await this.writeTravels(batch);
  }

  private async writeTravels(batch: TravelerRun[]): Promise<void> {
    const runs = batch.filter((r) => r.trips.length > 0);
    if (runs.length === 0) return;
    await this.inTransaction(async (ctx) => {
      let groups: GroupPlan[] = [];
      let source = runs[0]?.source ?? '';
      for (const run of runs) {
        if (run.source !== source) {
          await applyGroups(ctx, source, groups);
          groups = [];
          source = run.source;
        }
        const travelerId = await traveler(ctx, run.first, () => this.staging.keysOfGroup(run.group));
        for (const legs of run.trips) groups.push(travelGroup(ctx, travelerId, run.first, legs));
      }
      await applyGroups(ctx, source, groups);
    });
  }

  /** Visits: one trip each, by date, in batches; each visitor titled as at their latest visit in the file. */
  private async visits(): Promise<void> {
    const latest = new BoundedCache<string, VisitRecord>();
    const latestOf = (r: VisitRecord, lookup: string): VisitRecord => {
      let found = latest.get(lookup);
      if (!found) {
        const row = this.staging.latest(lookup);
        found = row ? { ...(JSON.parse(row.data) as VisitRecord), id: row.key, line: row.line } : r;
        latest.set(lookup, found);
      }
      return found;
    };
    let batch: { record: VisitRecord; latest: VisitRecord }[] = [];
    for (const row of this.staging.byDate()) {
      const record = { ...(JSON.parse(row.data) as VisitRecord), id: row.key, line: row.line };
      batch.push({ record, latest: latestOf(record, visitorKey(record)) });
      if (batch.length >= BATCH_RECORDS) {
        await this.writeVisits(batch);
        batch = [];
      }
    }
    await this.writeVisits(batch);
  }

  private async writeVisits(batch: { record: VisitRecord; latest: VisitRecord }[]): Promise<void> {
    if (batch.length === 0) return;
    await this.inTransaction(async (ctx) => {
      const groups: GroupPlan[] = [];
      for (const { record: r, latest } of batch) groups.push(await visitGroup(ctx, r, latest));
      await applyGroups(ctx, 'historian:visits', groups);
    });
  }
}

/** A traveler's trip: its legs (in visit order) as stops, titled by traveler, countries and period. */
function travelGroup(
  ctx: FileContext,
  travelerId: number,
  first: TravelRecord,
  travels: TravelRecord[],
): GroupPlan {
  const name = displayName(first.name);
  const plans = travels.map((r) =>
    legOf(
      ctx,
      r,
      { slug: r.countrySlug, label: r.countryLabel, locale: r.locale },
      r.remarks,
      {
        title: `Travels Abroad of the ${r.role === 'president' ? 'President' : 'Secretary of State'}: ${r.name}`,
        publisher: HISTORIAN_PUBLISHER,
        publishedAt: null,
        url: `${SITE}/travels/${r.role}/${r.who}`,
      },
      r.remarks || r.locale || r.countryLabel,
    ),
  );
  // Legs come in start order; a long leg can end after the last one starts.
  const startDate = plans[0]?.startDate ?? '';
  const endDate = plans.map((l) => l.endDate).sort()[plans.length - 1] ?? startDate;
  const countries = [
    ...new Map(
      plans.map((l) => [
        `${l.country}|${l.country === UNKNOWN_COUNTRY ? l.countryLabel : ''}`,
        displayCountry(l.countryLabel),
      ]),
    ).values(),
  ];
  const office = TRAVELER_TITLES[first.role] ?? first.role;
  return {
    travelerId,
    legs: plans,
    trip: {
      title: tripTitle(name, countries, startDate, endDate),
      summary:
        `${name}'s travel as ${office}, from the Office of the Historian's ${plans.length === 1 ? 'record' : `${plans.length} records`} ` +
        `(${idList(plans.map((l) => l.id))}); each stop cites its record.`,
      travelerId,
      startDate,
      endDate,
      status: 'completed',
    },
  };
}

/** A visit: a trip of the visitor to the United States. */
async function visitGroup(ctx: FileContext, r: VisitRecord, latest: VisitRecord): Promise<GroupPlan> {
  const from = resolveCountry(r.fromSlug, r.fromLabel);
  if (!from.known) {
    ctx.flag(
      r,
      'warning',
      `unknown country "${r.fromSlug}" ("${from.label}"): the visitor is imported with no country`,
    );
  } else if (from.inferred) {
    ctx.flag(
      r,
      'warning',
      `country "${r.fromSlug}" ("${from.label}") inferred as ${from.code}: ${from.inferred}`,
    );
  }
  const { name } = splitVisitor(r.visitor);
  const travelerId = await visitor(ctx, latest, from.known ? from.code : null);
  const leg = legOf(
    ctx,
    r,
    { us: true },
    r.description,
    {
      title: `Visits by Foreign Leaders: ${from.label}`,
      publisher: HISTORIAN_PUBLISHER,
      publishedAt: null,
      url: `${SITE}/visits/${r.fromSlug || 'index'}`,
    },
    r.description || r.visitor,
  );
  return {
    travelerId,
    legs: [leg],
    trip: {
      title: tripTitle(name, ['United States'], r.startDate, r.endDate),
      summary: `Visit of ${r.visitor} (${displayCountry(from.label)}) to the United States, from the Office of the Historian's record ${r.id} of visits by foreign leaders.`,
      travelerId,
      startDate: r.startDate,
      endDate: r.endDate,
      status: 'completed',
    },
  };
}
