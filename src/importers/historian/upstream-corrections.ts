import type { FileContext } from './context.js';
import type { GroupPlan } from './plan.js';

// Upstream corrections, found before anything is written: a record id that another file already holds for another
// person (imported under a key of its own), a leg whose span is implausibly long for its collection (flagged), and,
// after a file is written, the records that file no longer holds (listed, and their stops removed only under
// `removeMissing`), read a page at a time.

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

/** The median of a histogram (value → how many times it occurs; 0 for none). */
export function medianOf(histogram: ReadonlyMap<number, number>): number {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  /** The value at a 0-based rank. */
  const at = (rank: number): number => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (rank < seen) return value;
    }
    return sorted.at(-1)?.[0] ?? 0;
  };
  const mid = Math.floor(total / 2);
  return total % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** A span is suspicious beyond this many times the collection's median span, and never below the floor. */
export const SUSPICIOUS_SPAN = { timesMedian: 30, floorDays: 90 };

/** Days a record spans, both ends counted. */
export const daysOf = (leg: { startDate: string; endDate: string }) =>
  Math.round((Date.parse(leg.endDate) - Date.parse(leg.startDate)) / 86_400_000) + 1;

/**
 * Sets, for each collection of a file, the span beyond which a leg is suspicious: from the median span of the
 * collection's stops imported before the run and of the legs of the run's files so far, this one's included
 * (`fileSpans`: the file's spans by collection, days → legs). Histograms throughout, so nothing grows with the
 * number of records.
 */
export async function setSpanLimits(
  ctx: FileContext,
  fileSpans: ReadonlyMap<string, ReadonlyMap<number, number>>,
): Promise<void> {
  for (const [source, spans] of fileSpans) {
    let known = ctx.run.spans.get(source);
    if (!known) {
      known = await ctx.store.spanCounts(source);
      ctx.run.spans.set(source, known);
    }
    for (const [days, n] of spans) known.set(days, (known.get(days) ?? 0) + n);
    const median = medianOf(known);
    ctx.state.spanLimits.set(source, {
      median,
      limit: Math.max(SUSPICIOUS_SPAN.floorDays, SUSPICIOUS_SPAN.timesMedian * median),
    });
  }
}

/**
 * Flags legs that last far longer than the collection's norm (an end date a year late turns a one-day visit into
 * a year, and merges the journeys around it into one trip), by the limit setSpanLimits set.
 */
export function flagLongSpans(ctx: FileContext, source: string, groups: GroupPlan[]): void {
  const { median, limit } = ctx.state.spanLimits.get(source) ?? {
    median: 0,
    limit: Number.POSITIVE_INFINITY,
  };
  for (const group of groups) {
    for (const leg of group.legs) {
      const days = daysOf(leg);
      if (days <= limit) continue;
      const merged = group.legs.length > 1 ? `; its trip holds ${group.legs.length} records` : '';
      ctx.flag(
        leg,
        'warning',
        `suspicious span: ${days} days (${leg.startDate} to ${leg.endDate}), far beyond the collection's norm ` +
          `(median ${median} days, flagged above ${limit}); check the dates${merged}`,
      );
    }
  }
}

/** Mappings read per page when looking for records removed upstream. */
const MISSING_PAGE = 500;

/** Where a page of mappings ended (the last one's record id and id). */
export type PageEnd = { recordId: string; id: number };

/**
 * The stops of records that the file held before and holds no longer (an editor deleted them upstream): listed,
 * and deleted under `removeMissing` unless edited by hand since; a trip left empty by it goes too. The file's
 * mappings are read a page at a time after `after` (null: from the start), and `isPresent` says whether the file
 * holds a record now; answers where to read on from, or null when the last page is done. One page per transaction
 * (the caller's).
 */
export async function handleMissingPage(
  ctx: FileContext,
  source: string,
  fileKey: string,
  after: PageEnd | null,
  isPresent: (recordId: string) => boolean,
): Promise<PageEnd | null> {
  const { store, tally } = ctx;
  const page = await store.ownedStopMappings(source, fileKey, after, MISSING_PAGE);
  const missing = page.filter((r) => !isPresent(r.recordId));
  if (missing.length > 0) {
    const stopRows = new Map(
      (await store.stops(missing.map((r) => r.stopId as number))).map((s) => [s.id, s]),
    );
    const written = await store.writtenVersions('stop', [...stopRows.keys()]);
    const emptied = new Set<number>();
    for (const r of missing) {
      const stop = stopRows.get(r.stopId as number);
      if (!stop) continue;
      const edited = written.has(stop.id) && written.get(stop.id) !== stop.version;
      const remove = ctx.options.removeMissing === true && (!edited || ctx.options.overwriteEdits === true);
      if (remove) {
        await store.deleteStop(stop.id);
        emptied.add(stop.tripId);
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
    for (const tripId of emptied) {
      if ((await store.countStops(tripId)) === 0) {
        await store.deleteTrip(tripId);
        tally.trips.deleted += 1;
      }
    }
  }
  const last = page.at(-1);
  return last && page.length === MISSING_PAGE ? { recordId: last.recordId, id: last.id } : null;
}
