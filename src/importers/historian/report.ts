import type { Resource } from '../../repositories/historian-import-store.js';
import type { FileKind } from './parser.js';

// What an import reports: per file, the rows it made, changed or kept, the records it matched to trips entered by
// other means, the rows edited by hand since it wrote them, the records gone upstream, and every record it flagged;
// and that report as the import command prints it.

export type Severity = 'error' | 'warning';

export type ImportFlag = {
  file: string;
  recordId: string | null;
  line: number | null;
  /** Errors make the file fail (nothing of it is written); warnings are about records that were imported. */
  severity: Severity;
  reason: string;
};

/** `kept`: rows edited by hand since the import wrote them, left as they are; `recreated`: deleted by hand, made again. */
export type Counts = { created: number; updated: number; unchanged: number; recreated: number; kept: number };

/** A row the import would have changed but that was edited by someone else since the import last wrote it. */
export type HandEdit = {
  file: string;
  resource: Resource;
  id: number;
  recordIds: string[];
  /** The fields the import would have set. */
  fields: string[];
  /** `kept` by default; `overwritten` under the `overwriteEdits` option. */
  action: 'kept' | 'overwritten';
};

/** A stop whose record its file no longer holds (an editor deleted it upstream). */
export type MissingRecord = {
  file: string;
  recordId: string;
  stopId: number;
  tripId: number | null;
  /** `kept` by default; `removed` under the `removeMissing` option. */
  action: 'kept' | 'removed';
};

/** A traveler whose id the upstream data renamed while keeping their records' ids: one participant, re-keyed. */
export type RenamedTraveler = { file: string; participantId: number; from: string; to: string };

export type FileStatus = 'imported' | 'unchanged' | 'failed';

/** Entries of each list beyond the most a report keeps (context.ts, REPORT_LIST_LIMIT): counted, not listed. */
export type Omitted = Record<'matched' | 'edits' | 'renamed' | 'missing' | 'flagged', number>;

export type ImportReport = {
  /** `imported`: the file changed something; `unchanged`: it changed nothing; `failed`: it was not imported. */
  files: { file: string; kind: FileKind | null; records: number; status: FileStatus }[];
  /** `unchanged` when no file changed anything. */
  outcome: 'changed' | 'unchanged';
  /** Records read, in every file (a failed file's too, up to where it failed). */
  records: number;
  /** `matched`: existing trips that records were matched to; `deleted`: imported trips left without stops. */
  trips: Counts & { matched: number; deleted: number };
  /** `missing`: stops of records their file no longer holds, left in place; `removed`: those removed. */
  stops: Counts & { missing: number; removed: number };
  /** `matched`: existing participants that records were matched to (the seed's Rex Tillerson). */
  participants: Counts & { matched: number; renamed: number };
  /** Stops whose country code, or whose zone (chosen from the country alone), is a guess. */
  inferred: { countries: number; timeZones: number };
  /** Records that describe an existing trip, which now cites them. */
  matched: { file: string; tripId: number; recordIds: string[] }[];
  edits: HandEdit[];
  renamed: RenamedTraveler[];
  missing: MissingRecord[];
  flagged: ImportFlag[];
  /** Entries left out of the lists above, which keep their first REPORT_LIST_LIMIT (every error is kept). */
  omitted: Omitted;
  durationMs: number;
};

const n = (value: number) => value.toLocaleString('en-US');

/** The report as the command prints it: totals, then every flagged record, errors first. */
export function formatReport(report: ImportReport): string {
  const failed = report.files.filter((f) => f.status === 'failed').length;
  const { trips, stops, participants } = report;
  const lines = [
    `${n(report.files.length)} file${report.files.length === 1 ? '' : 's'} (${failed} failed), ` +
      `${n(report.records)} records read in ${(report.durationMs / 1000).toFixed(2)} s: ${report.outcome}`,
    `trips:        ${n(trips.created)} created, ${n(trips.recreated)} re-created, ${n(trips.updated)} updated, ` +
      `${n(trips.unchanged)} unchanged, ${n(trips.kept)} kept as edited, ` +
      `${n(trips.matched)} matched to existing trips, ${n(trips.deleted)} deleted`,
    `stops:        ${n(stops.created)} created, ${n(stops.recreated)} re-created, ${n(stops.updated)} updated, ` +
      `${n(stops.unchanged)} unchanged, ${n(stops.kept)} kept as edited, ` +
      `${n(stops.missing)} missing upstream, ${n(stops.removed)} removed`,
    `participants: ${n(participants.created)} created, ${n(participants.recreated)} re-created, ` +
      `${n(participants.updated)} updated, ${n(participants.unchanged)} unchanged, ` +
      `${n(participants.kept)} kept as edited, ${n(participants.matched)} matched to existing participants, ` +
      `${n(participants.renamed)} renamed`,
    `inferred:     ${n(report.inferred.countries)} countries, ${n(report.inferred.timeZones)} time zones`,
  ];
  for (const m of report.matched) {
    lines.push(`records ${m.recordIds.join(', ')} of ${m.file} describe trip ${m.tripId}, which cites them`);
  }
  for (const r of report.renamed) {
    lines.push(
      `traveler ${r.from} is now ${r.to} in ${r.file}: participant ${r.participantId} kept and renamed`,
    );
  }
  for (const e of report.edits) {
    lines.push(
      `${e.resource} ${e.id} (records ${e.recordIds.join(', ')}) was edited by hand since it was imported: ` +
        `${e.action === 'kept' ? 'kept' : 'overwritten'} (${e.fields.join(', ')})`,
    );
  }
  for (const m of report.missing) {
    lines.push(
      `record ${m.recordId} is no longer in ${m.file}: its stop ${m.stopId} (trip ${m.tripId}) ` +
        `${m.action === 'kept' ? 'is kept (--remove-missing removes it)' : 'was removed'}`,
    );
  }
  const { omitted } = report;
  for (const [list, what] of [
    ['matched', 'more matched groups'],
    ['renamed', 'more renamed travelers'],
    ['edits', 'more rows edited by hand'],
    ['missing', 'more records no longer in their file'],
  ] as const) {
    if (omitted[list] > 0) lines.push(`… and ${n(omitted[list])} ${what}, not listed`);
  }
  const flagged = [...report.flagged].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  );
  const errors = flagged.filter((f) => f.severity === 'error').length;
  const warnings = flagged.length - errors + omitted.flagged;
  lines.push(
    flagged.length === 0
      ? 'flagged: none'
      : `flagged: ${errors} error${errors === 1 ? '' : 's'}, ${n(warnings)} warning${warnings === 1 ? '' : 's'}`,
  );
  for (const f of flagged) {
    const where = `${f.file}${f.line === null ? '' : `:${f.line}`}`;
    const record = f.recordId === null ? '' : ` record ${f.recordId}`;
    lines.push(`  ${f.severity.padEnd(7)} ${where}${record}: ${f.reason}`);
  }
  if (omitted.flagged > 0) lines.push(`  … and ${n(omitted.flagged)} more warnings, not listed`);
  return lines.join('\n');
}
