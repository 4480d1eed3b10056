import { basename } from 'node:path';
import type { DatabaseHandle } from '../../db/client.js';
import { createImportStore } from '../../repositories/historian-import-store.js';
import { applyGroups } from './apply.js';
import {
  addTally,
  changedAnything,
  emptyTally,
  FileContext,
  type ImportOptions,
  RunContext,
} from './context.js';
import { displayCountry, resolveCountry, UNKNOWN_COUNTRY } from './countries.js';
import { groupBy, groupLegs } from './grouping.js';
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
import { type GroupPlan, idList, legOf, tripTitle, uniqueIds } from './plan.js';
import type { FileStatus, ImportFlag, ImportReport } from './report.js';

// Imports the Office of the Historian's records of travel (<trips>) and of visits (<visits>).
//
// - Each file is one transaction: a file that cannot be read (broken XML, a bad date, a start after the end) is
//   reported with its line and leaves the database as it was, and the import goes on with the next file.
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

/**
 * Imports the documents in order, each in its own transaction of the handle (`database.transaction`): a document
 * that fails is rolled back alone, reported under `flagged` with severity `error`, and the import goes on. Each
 * document is read in full before its transaction opens, so the transaction awaits nothing but the store.
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
    durationMs: 0,
  };
  const run = new RunContext(options);
  let done = 0;
  for (const input of inputs) {
    const records: HistorianRecord[] = [];
    const tally = emptyTally();
    let kind: FileKind | null = null;
    let status: FileStatus = 'imported';
    try {
      kind = (await input.read((record) => records.push(record))).kind;
      await database.transaction(async (tx) => {
        const ctx = new FileContext(createImportStore(tx), input.name, input.file, tally, run);
        if (kind === 'travels') await importTravels(ctx, records as TravelRecord[]);
        else await importVisits(ctx, records as VisitRecord[]);
      });
      addTally(report, tally);
      if (changedAnything(tally)) report.outcome = 'changed';
      else status = 'unchanged';
    } catch (error) {
      status = 'failed';
      report.flagged.push(failure(input.name, error));
    }
    report.records += records.length;
    report.files.push({ file: input.name, kind, records: records.length, status });
    done += 1;
    options.onProgress?.({ done, total: inputs.length, file: input.name, records: records.length, status });
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

function failure(file: string, error: unknown): ImportFlag {
  if (error instanceof ImportFileError) {
    return { file, recordId: error.recordId, line: error.line, severity: 'error', reason: error.message };
  }
  const reason = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return { file, recordId: null, line: null, severity: 'error', reason: 'no such file' };
  }
  return { file, recordId: null, line: null, severity: 'error', reason: `could not be imported: ${reason}` };
}

async function importTravels(ctx: FileContext, read: TravelRecord[]): Promise<void> {
  const records = uniqueIds(read, (record, reason) => ctx.flag(record, 'warning', reason));
  // One collection per role (the Secretaries', the Presidents'), one traveler per slug.
  const bySource = groupBy(records, (r) => `historian:${r.role}-travels`);
  for (const [source, sourceRecords] of bySource) {
    const groups: GroupPlan[] = [];
    for (const travels of groupBy(sourceRecords, (r) => r.who).values()) {
      const first = travels[0] as TravelRecord;
      const name = displayName(first.name);
      const travelerId = await traveler(
        ctx,
        first,
        travels.map((r) => r.id),
      );
      for (const legs of groupLegs(travels)) {
        const plans = legs.map((r) =>
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
        groups.push({
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
        });
      }
    }
    await applyGroups(ctx, source, groups);
  }
}

async function importVisits(ctx: FileContext, read: VisitRecord[]): Promise<void> {
  const records = uniqueIds(read, (record, reason) => ctx.flag(record, 'warning', reason));
  const groups: GroupPlan[] = [];
  const sorted = [...records].sort(
    (a, b) => a.startDate.localeCompare(b.startDate) || a.id.localeCompare(b.id),
  );
  // Each visitor's latest visit in the file, whose title they carry (visits come sorted by date).
  const keyOf = (r: VisitRecord) => {
    const from = resolveCountry(r.fromSlug, r.fromLabel);
    return `${nameKey(splitVisitor(r.visitor).name)}|${from.known ? from.code : '-'}`;
  };
  const latest = new Map(sorted.map((r) => [keyOf(r), r]));
  for (const r of sorted) {
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
    const travelerId = await visitor(ctx, latest.get(keyOf(r)) ?? r, from.known ? from.code : null);
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
    groups.push({
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
    });
  }
  await applyGroups(ctx, 'historian:visits', groups);
}
