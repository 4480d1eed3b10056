import type { MappingRow, StopRow, StopValues } from '../../repositories/historian-import-store.js';
import type { Source } from '../../schemas/common.js';
import type { FileContext } from './context.js';
import { groupBy } from './grouping.js';
import { changes, writeOwned } from './hand-edits.js';
import type { GroupPlan, LegPlan } from './plan.js';
import { flagLongSpans, separateCollisions } from './upstream-corrections.js';

// Trips and stops: a batch of a file's groups is written in one pass, in one transaction (a group, a trip with all
// its stops, is never split across two). A group whose records describe a trip entered by other means is matched to
// it (that trip's stops cite the records); otherwise its trip and stops are created or updated under the records'
// keys, each stop citing its record, imported stops in visit order and stops added by hand after them. Records the
// file no longer holds are handled once all its batches are written (upstream-corrections.ts).

/** A stop's span: arrival to departure, or the one day known; null when undated. */
const spanOf = (s: StopRow): [string, string] | null => {
  const start = s.arrivalDate ?? s.departureDate;
  const end = s.departureDate ?? s.arrivalDate;
  return start && end ? [start, end] : null;
};

const sameSource = (a: Source, b: Source) => a.recordId === b.recordId && a.url === b.url;

/** The stop's sources with the record's: replaced where the stop cites it already (`replace`) or left. */
function withSource(sources: Source[], source: Source, mode: 'replace' | 'keep'): Source[] {
  const at = sources.findIndex((s) => sameSource(s, source));
  if (at < 0) return [...sources, source];
  if (mode === 'keep') return sources;
  return sources.map((s, i) => (i === at ? source : s));
}

/**
 * Writes a batch of groups of one source, in the caller's transaction; the keys its records are written under are
 * added to `ctx.written`. Each traveler's groups take a trip each, never one that another of their groups took, in
 * this batch or an earlier one of the file.
 */
export async function applyGroups(ctx: FileContext, source: string, groups: GroupPlan[]): Promise<void> {
  const { store, tally } = ctx;
  await separateCollisions(ctx, source, groups);
  flagLongSpans(ctx, source, groups);
  const legIds = groups.flatMap((g) => g.legs.map((l) => l.id));
  const written = ctx.written.get(source);
  if (written) written.push(...legIds);
  else ctx.written.set(source, [...legIds]);
  const rows = await store.mappings(source, legIds);
  if (ctx.fileKey !== null) {
    await store.setMappingFile(
      rows.filter((r) => r.file !== ctx.fileKey).map((r) => r.id),
      ctx.fileKey,
    );
  }
  const rowsOf = groupBy(rows, (r) => r.recordId);
  const ownedStops = new Map(
    (
      await store.stops(rows.filter((r) => !r.adopted && r.stopId !== null).map((r) => r.stopId as number))
    ).map((s) => [s.id, s]),
  );
  const stopOf = new Map<string, StopRow>();
  for (const r of rows) {
    const stop = !r.adopted && r.stopId !== null ? ownedStops.get(r.stopId) : undefined;
    if (stop) stopOf.set(r.recordId, stop);
  }
  // Records whose stop the import once wrote and which have none now: deleted by hand, to be re-created.
  const deleted = await store.everWritten(
    source,
    legIds.filter((id) => !stopOf.has(id) && !(rowsOf.get(id) ?? []).some((r) => r.adopted)),
  );
  const previousTrips = new Set([...ownedStops.values()].map((s) => s.tripId));
  const tripRows = new Map((await store.trips([...previousTrips])).map((t) => [t.id, t]));
  const tripWrites = await store.writtenVersions('trip', [...previousTrips]);

  const layouts: { tripId: number; legs: LegPlan[] }[] = [];
  // Groups that make a trip of their own: written together once every group is placed.
  const creations: { layout: { tripId: number; legs: LegPlan[] }; trip: GroupPlan['trip'] }[] = [];
  const claimedAny = new Set<number>();
  for (const group of groups) {
    const claimed = ctx.state.claimedBy(group.travelerId);
    const adopted = group.legs
      .flatMap((l) => rowsOf.get(l.id) ?? [])
      .find((r) => r.adopted && r.tripId !== null);
    if (adopted?.tripId) {
      await cite(ctx, source, adopted.tripId, group, rowsOf);
      continue;
    }
    // The trip that holds most of these records' stops, unless another group of this file took it first.
    const held = new Map<number, number>();
    for (const leg of group.legs) {
      const stop = stopOf.get(leg.id);
      if (stop) held.set(stop.tripId, (held.get(stop.tripId) ?? 0) + 1);
    }
    const tripId = [...held]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([id]) => id)
      .find((id) => !claimed.has(id));
    if (tripId !== undefined) {
      const row = tripRows.get(tripId);
      const diff = row ? changes(row, group.trip) : null;
      if (diff && row) {
        const id = tripId;
        const outcome = await writeOwned(
          ctx,
          'trip',
          row,
          tripWrites.get(id),
          diff,
          group.legs.map((l) => l.id),
          () => store.updateTrip(id, diff),
        );
        tally.trips[outcome] += 1;
      } else {
        tally.trips.unchanged += 1;
      }
    } else {
      const existing = await matchingTrip(ctx, group);
      if (existing !== undefined) {
        await cite(ctx, source, existing, group, rowsOf);
        continue;
      }
      const layout = { tripId: 0, legs: group.legs };
      creations.push({ layout, trip: group.trip });
      layouts.push(layout);
      tally.trips[group.legs.some((l) => deleted.has(l.id)) ? 'recreated' : 'created'] += 1;
      continue;
    }
    claimed.add(tripId);
    claimedAny.add(tripId);
    layouts.push({ tripId, legs: group.legs });
  }
  const created = await store.insertTrips(creations.map((c) => c.trip));
  await store.recordWrites(created.map(({ id, version }) => ({ resource: 'trip', id, version })));
  created.forEach(({ id }, i) => {
    (creations[i] as (typeof creations)[number]).layout.tripId = id;
  });
  await placeStops(ctx, source, layouts, stopOf, deleted);
  // A trip whose records all moved to other trips (a corrected date can merge two) is left empty: drop it.
  for (const tripId of previousTrips) {
    if (!claimedAny.has(tripId) && (await store.countStops(tripId)) === 0) {
      await store.deleteTrip(tripId);
      tally.trips.deleted += 1;
    }
  }
}

/** Writes each imported trip's stops in visit order; stops added by hand follow them, in their order. */
async function placeStops(
  ctx: FileContext,
  source: string,
  layouts: { tripId: number; legs: LegPlan[] }[],
  stopOf: Map<string, StopRow>,
  deleted: Set<string>,
): Promise<void> {
  const { store, tally } = ctx;
  type Target = { existing: StopRow | undefined; leg: LegPlan | undefined; tripId: number; position: number };
  const targets: Target[] = [];
  const planned = new Set<number>();
  for (const { tripId, legs } of layouts) {
    legs.forEach((leg, i) => {
      const existing = stopOf.get(leg.id);
      if (existing) planned.add(existing.id);
      targets.push({ existing, leg, tripId, position: i + 1 });
    });
  }
  const others = groupBy(
    (await store.stopsOfTrips(layouts.map((l) => l.tripId))).filter((s) => !planned.has(s.id)),
    (s) => s.tripId,
  );
  for (const { tripId, legs } of layouts) {
    (others.get(tripId) ?? []).forEach((existing, i) => {
      targets.push({ existing, leg: undefined, tripId, position: legs.length + i + 1 });
    });
  }
  const written = await store.writtenVersions('stop', [...planned]);
  // Positions are unique within a trip: stops that move wait aside until every stop is written.
  const moves = (t: Target) =>
    t.existing !== undefined && (t.existing.tripId !== t.tripId || t.existing.position !== t.position);
  for (const t of targets) if (moves(t) && t.existing) await store.parkStop(t.existing.id);
  // New stops are written together at the end (their places are free by then: stops that move were parked).
  const creations: { values: StopValues; recordId: string }[] = [];

  for (const t of targets) {
    if (!t.leg) {
      if (t.existing && moves(t)) {
        await store.updateStop(t.existing.id, { position: t.position });
        tally.stops.updated += 1;
      }
      continue;
    }
    const values: StopValues = {
      tripId: t.tripId,
      position: t.position,
      ...t.leg.stop,
      sources: withSource(t.existing?.sources ?? [], t.leg.source, 'replace'),
    };
    const key = { source, recordId: t.leg.id };
    if (!t.existing) {
      creations.push({ values, recordId: t.leg.id });
      tally.stops[deleted.has(t.leg.id) ? 'recreated' : 'created'] += 1;
      continue;
    }
    const diff = changes(t.existing, values);
    if (!diff) {
      tally.stops.unchanged += 1;
      continue;
    }
    const { tripId, position, ...content } = diff;
    const layout = {
      ...(tripId === undefined ? {} : { tripId }),
      ...(position === undefined ? {} : { position }),
    };
    const stopId = t.existing.id;
    // A stop edited by hand keeps what it says, but still takes its place in the trip's order.
    const outcome =
      Object.keys(content).length === 0
        ? 'updated'
        : await writeOwned(
            ctx,
            'stop',
            t.existing,
            written.get(stopId),
            content,
            [t.leg.id],
            () => store.updateStop(stopId, diff),
            key,
          );
    if (outcome === 'kept' || Object.keys(content).length === 0) {
      if (Object.keys(layout).length > 0) {
        const version = await store.updateStop(stopId, layout);
        // A layout change keeps an unedited stop the importer's; an edited one stays edited.
        if (outcome !== 'kept' && written.get(stopId) === t.existing.version)
          await store.recordWrite('stop', stopId, version, key);
      }
    }
    if (diff.tripId !== undefined) await store.setMappingTrip(stopId, t.tripId);
    tally.stops[outcome] += 1;
  }
  const created = await store.insertStops(creations.map((c) => c.values));
  await store.recordWrites(
    created.map(({ id, version }, i) => ({
      resource: 'stop',
      id,
      version,
      source,
      recordId: (creations[i] as (typeof creations)[number]).recordId,
    })),
  );
  await store.addMappings(
    created.map(({ id }, i) => {
      const { values, recordId } = creations[i] as (typeof creations)[number];
      return {
        source,
        recordId,
        tripId: values.tripId,
        stopId: id,
        participantId: null,
        adopted: false,
        asOf: null,
        file: ctx.fileKey,
      };
    }),
  );
}

/** The stops of a trip that a leg describes: same country, overlapping dates. */
const stopsFor = (leg: LegPlan, tripStops: StopRow[]) =>
  tripStops.filter((s) => {
    const span = spanOf(s);
    return s.country === leg.country && span !== null && span[0] <= leg.endDate && span[1] >= leg.startDate;
  });

/** An existing trip of the traveler, entered by other means, that these records describe; the best one. */
async function matchingTrip(ctx: FileContext, group: GroupPlan): Promise<number | undefined> {
  const candidates = await ctx.store.matchableTrips(
    group.travelerId,
    group.trip.startDate,
    group.trip.endDate,
  );
  if (candidates.length === 0) return undefined;
  const stopsByTrip = groupBy(await ctx.store.stopsOfTrips(candidates), (s) => s.tripId);
  let best: { id: number; legs: number } | undefined;
  for (const id of candidates) {
    const tripStops = stopsByTrip.get(id) ?? [];
    const legs = group.legs.filter((leg) => stopsFor(leg, tripStops).length > 0).length;
    if (legs > 0 && (!best || legs > best.legs)) best = { id, legs };
  }
  return best?.id;
}

/**
 * Records that describe an existing trip: each stop they describe cites them (once), and the import reports
 * where the stop's dates fall outside the record's, and records with no stop to cite.
 */
async function cite(
  ctx: FileContext,
  source: string,
  tripId: number,
  group: GroupPlan,
  rowsOf: Map<string, MappingRow[]>,
): Promise<void> {
  const { store, tally } = ctx;
  const [trip] = await store.trips([tripId]);
  const tripStops = await store.stopsOfTrips([tripId]);
  const touched = new Map<number, boolean>();
  const mapped = (leg: LegPlan, stopId: number | null) =>
    (rowsOf.get(leg.id) ?? []).some((r) => r.adopted && r.tripId === tripId && r.stopId === stopId);
  for (const leg of group.legs) {
    const described = stopsFor(leg, tripStops);
    if (described.length === 0) {
      ctx.flag(
        leg,
        'warning',
        `matches trip ${tripId} ("${trip?.title}"), which has no stop in ${leg.countryLabel} from ${leg.startDate} to ${leg.endDate} to cite it; not imported as a stop`,
      );
      if (!mapped(leg, null)) {
        await store.addMapping({
          source,
          recordId: leg.id,
          tripId,
          stopId: null,
          participantId: null,
          adopted: true,
          asOf: null,
          file: ctx.fileKey,
        });
      }
      continue;
    }
    for (const stop of described) {
      if (!mapped(leg, stop.id)) {
        await store.addMapping({
          source,
          recordId: leg.id,
          tripId,
          stopId: stop.id,
          participantId: null,
          adopted: true,
          asOf: null,
          file: ctx.fileKey,
        });
      }
      const sources = withSource(stop.sources, leg.source, 'keep');
      if (sources !== stop.sources) {
        await store.updateStop(stop.id, { sources });
        stop.sources = sources;
        touched.set(stop.id, true);
      } else if (!touched.has(stop.id)) {
        touched.set(stop.id, false);
      }
      const outside = [stop.arrivalDate, stop.departureDate].some(
        (d) => d !== null && (d < leg.startDate || d > leg.endDate),
      );
      if (outside) {
        ctx.flag(
          leg,
          'warning',
          `disagrees with trip ${tripId}: its stop ${stop.id} (${stop.city}) is dated ${stop.arrivalDate ?? '?'} to ${stop.departureDate ?? '?'}, ` +
            `the record dates ${leg.countryLabel} ${leg.startDate} to ${leg.endDate}`,
        );
      }
    }
  }
  for (const updated of touched.values()) tally.stops[updated ? 'updated' : 'unchanged'] += 1;
  tally.trips.matched += 1;
  tally.matched.push({ file: ctx.file, tripId, recordIds: group.legs.map((l) => l.id) });
}
