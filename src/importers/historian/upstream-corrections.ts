import type { FileContext } from './context.js';
import type { GroupPlan } from './plan.js';

// Upstream corrections, found before anything is written: a record id that another file already holds for another
// person (imported under a key of its own), a leg whose span is implausibly long for its collection (flagged), and,
// after a file is written, the records that file no longer holds (listed, and their stops removed only under
// `removeMissing`).

/**
 * Record ids that another file already holds for another person (an id used twice upstream, as once in the 1960
 * and 2010 visits): such a leg is keyed `<id>@<file>` instead, so that the two records keep a stop each. A record
 * that moved files for the same person (a renamed file) is the same record.
 */
export async function separateCollisions(
  ctx: FileContext,
  source: string,
  groups: GroupPlan[],
): Promise<void> {
  const { fileKey, store } = ctx;
  if (fileKey === null) return;
  const rows = (
    await store.mappings(
      source,
      groups.flatMap((g) => g.legs.map((l) => l.id)),
    )
  ).filter((r) => !r.adopted && r.tripId !== null && r.file !== null && r.file !== fileKey);
  if (rows.length === 0) return;
  const travelerOf = new Map(
    (await store.trips([...new Set(rows.map((r) => r.tripId as number))])).map((t) => [t.id, t]),
  );
  const elsewhere = new Map(rows.map((r) => [r.recordId, r]));
  for (const group of groups) {
    for (const leg of group.legs) {
      const other = elsewhere.get(leg.id);
      const trip = other?.tripId ? travelerOf.get(other.tripId) : undefined;
      if (!other || !trip || trip.travelerId === group.travelerId) continue;
      const key = `${leg.id}@${fileKey}`;
      ctx.flag(
        leg,
        'warning',
        `record id ${leg.id} is also the id of a record of ${other.file} about another person (trip ${trip.id}, "${trip.title}"): ` +
          `both are kept, this one under the key ${key}`,
      );
      leg.id = key;
    }
  }
}

/** The median of the numbers (0 for none). */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A span is suspicious beyond this many times the collection's median span, and never below the floor. */
export const SUSPICIOUS_SPAN = { timesMedian: 30, floorDays: 90 };

const daysOf = (leg: { startDate: string; endDate: string }) =>
  Math.round((Date.parse(leg.endDate) - Date.parse(leg.startDate)) / 86_400_000) + 1;

/**
 * Flags legs that last far longer than the collection's norm (an end date a year late turns a one-day visit into
 * a year, and merges the journeys around it into one trip). The norm is the median span of the collection's
 * stops imported before the run and of the legs of the run's files so far, this one's included.
 */
export async function flagLongSpans(ctx: FileContext, source: string, groups: GroupPlan[]): Promise<void> {
  let known = ctx.run.spans.get(source);
  if (!known) {
    known = await ctx.store.spans(source);
    ctx.run.spans.set(source, known);
  }
  const legs = groups.flatMap((g) => g.legs);
  // The collection so far: what the database held when the run began, and every file of the run up to this one.
  known.push(...legs.map(daysOf));
  const norm = median(known);
  const limit = Math.max(SUSPICIOUS_SPAN.floorDays, SUSPICIOUS_SPAN.timesMedian * norm);
  for (const group of groups) {
    for (const leg of group.legs) {
      const days = daysOf(leg);
      if (days <= limit) continue;
      const merged = group.legs.length > 1 ? `; its trip holds ${group.legs.length} records` : '';
      ctx.flag(
        leg,
        'warning',
        `suspicious span: ${days} days (${leg.startDate} to ${leg.endDate}), far beyond the collection's norm ` +
          `(median ${norm} days, flagged above ${limit}); check the dates${merged}`,
      );
    }
  }
}

/**
 * The stops of records that the file held before and holds no longer (an editor deleted them upstream): listed,
 * and deleted under `removeMissing` unless edited by hand since; their trips are noted so that an emptied one goes.
 */
export async function handleMissing(
  ctx: FileContext,
  source: string,
  fileKey: string,
  present: Set<string>,
  trips: Set<number>,
): Promise<void> {
  const { store, tally } = ctx;
  const missing = await store.missingRecords(source, fileKey, present);
  if (missing.length === 0) return;
  const stopRows = new Map((await store.stops(missing.map((r) => r.stopId as number))).map((s) => [s.id, s]));
  const written = await store.writtenVersions('stop', [...stopRows.keys()]);
  for (const r of missing) {
    const stop = stopRows.get(r.stopId as number);
    if (!stop) continue;
    const edited = written.has(stop.id) && written.get(stop.id) !== stop.version;
    const remove = ctx.options.removeMissing === true && (!edited || ctx.options.overwriteEdits === true);
    if (remove) {
      await store.deleteStop(stop.id);
      trips.add(stop.tripId);
      tally.stops.removed += 1;
    } else {
      tally.stops.missing += 1;
    }
    tally.missing.push({
      file: ctx.file,
      recordId: r.recordId,
      stopId: stop.id,
      tripId: stop.tripId,
      action: remove ? 'removed' : 'kept',
    });
  }
}
