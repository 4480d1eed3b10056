import type { ImportReport } from './import-service.js';

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
