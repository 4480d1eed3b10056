import type { ImportReport } from './import-service.js';

const n = (value: number) => value.toLocaleString('en-US');

/** The report as the command prints it: totals, then every flagged record, errors first. */
export function formatReport(report: ImportReport): string {
  const failed = report.files.filter((f) => f.status === 'failed').length;
  const { trips, stops, participants } = report;
  const lines = [
    `${n(report.files.length)} file${report.files.length === 1 ? '' : 's'} (${failed} failed), ` +
      `${n(report.records)} records read in ${(report.durationMs / 1000).toFixed(2)} s`,
    `trips:        ${n(trips.created)} created, ${n(trips.updated)} updated, ${n(trips.unchanged)} unchanged, ` +
      `${n(trips.matched)} matched to existing trips, ${n(trips.deleted)} deleted`,
    `stops:        ${n(stops.created)} created, ${n(stops.updated)} updated, ${n(stops.unchanged)} unchanged`,
    `participants: ${n(participants.created)} created, ${n(participants.updated)} updated, ` +
      `${n(participants.unchanged)} unchanged, ${n(participants.matched)} matched to existing participants`,
  ];
  for (const m of report.matched) {
    lines.push(`records ${m.recordIds.join(', ')} of ${m.file} describe trip ${m.tripId}, which cites them`);
  }
  const flagged = [...report.flagged].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  );
  const errors = flagged.filter((f) => f.severity === 'error').length;
  lines.push(
    flagged.length === 0
      ? 'flagged: none'
      : `flagged: ${errors} error${errors === 1 ? '' : 's'}, ${flagged.length - errors} warning${flagged.length - errors === 1 ? '' : 's'}`,
  );
  for (const f of flagged) {
    const where = `${f.file}${f.line === null ? '' : `:${f.line}`}`;
    const record = f.recordId === null ? '' : ` record ${f.recordId}`;
    lines.push(`  ${f.severity.padEnd(7)} ${where}${record}: ${f.reason}`);
  }
  return lines.join('\n');
}
