import type { ParticipantValues } from '../../repositories/historian-import-store.js';
import type { FileContext } from './context.js';
import { changes, writeOwned } from './hand-edits.js';
import type { TravelRecord, VisitRecord } from './parser.js';
import {
  displayName,
  nameKey,
  sameName,
  splitVisitor,
  TRAVELER_ORGANIZATIONS,
  TRAVELER_TITLES,
} from './people.js';

// Participants: a traveler or a visitor becomes one participant per person, matched to the participant entered by
// other means when it is the same person (same office or country, and name), re-keyed when the upstream data renamed
// the person's id but kept their records' ids, and updated under the hand-correction rule of hand-edits.ts.

/**
 * A traveler: one participant per person slug, or the existing person they are (same office and name). When the
 * slug is new but the person's records were imported before under another slug (the upstream data renamed the
 * traveler's id and kept the record ids), that participant is kept and re-keyed, and the report says so.
 */
export async function traveler(
  ctx: FileContext,
  record: TravelRecord,
  recordIds: () => Iterable<string[]>,
): Promise<number> {
  const source = 'historian:people';
  const cached = ctx.people.get(`${source}|${record.who}`);
  if (cached !== undefined) return cached;
  if ((await ctx.store.mappings(source, [record.who])).length === 0) {
    await renamedTraveler(ctx, source, record, recordIds);
  }
  const wanted: ParticipantValues = {
    name: displayName(record.name),
    title: TRAVELER_TITLES[record.role] ?? null,
    country: 'US',
    organization: TRAVELER_ORGANIZATIONS[record.role] ?? null,
  };
  const id = await resolvePerson(
    ctx,
    source,
    record.who,
    wanted,
    (p) => p.title === wanted.title && sameName(p.name, wanted.name),
  );
  ctx.people.set(`${source}|${record.who}`, id);
  return id;
}

/**
 * Re-keys the participant that the records' stops belong to, when it was imported under another slug. `recordIds`
 * gives the traveler's record ids a page at a time.
 */
async function renamedTraveler(
  ctx: FileContext,
  source: string,
  record: TravelRecord,
  recordIds: () => Iterable<string[]>,
): Promise<void> {
  const { store, tally } = ctx;
  // The travelers of the trips the records were imported into, or matched to (the seed's journey, whose traveler was
  // adopted); more than one means no single participant to re-key, so the reading stops there.
  const travelers = new Set<number>();
  for (const page of recordIds()) {
    const known = (await store.mappings(`historian:${record.role}-travels`, page)).filter(
      (r) => r.tripId !== null,
    );
    for (const t of await store.trips([...new Set(known.map((r) => r.tripId as number))])) {
      travelers.add(t.travelerId);
    }
    if (travelers.size > 1) return;
  }
  const [participantId] = travelers;
  if (travelers.size !== 1 || participantId === undefined) return;
  const previous = await store.otherParticipantMapping(source, participantId, record.who);
  if (!previous) return;
  await store.renameMapping(previous.id, record.who);
  tally.participants.renamed += 1;
  tally.renamed.push({ file: ctx.file, participantId, from: previous.recordId, to: record.who });
}

/**
 * A visitor: one participant per name and country across visits, titled as at their latest visit ("Foreign
 * Minister" in 1995, "Prime Minister" in 1999), whatever order documents are imported in.
 */
export async function visitor(
  ctx: FileContext,
  latest: VisitRecord,
  country: string | null,
): Promise<number> {
  const source = 'historian:visitors';
  const { title, name } = splitVisitor(latest.visitor);
  const key = `${nameKey(name)}|${country ?? '-'}`;
  const cached = ctx.people.get(`${source}|${key}`);
  if (cached !== undefined) return cached;
  const wanted: ParticipantValues = { name, title, country, organization: null };
  const id = await resolvePerson(
    ctx,
    source,
    key,
    wanted,
    (p) => nameKey(p.name) === nameKey(name),
    latest.startDate,
  );
  ctx.people.set(`${source}|${key}`, id);
  return id;
}

async function resolvePerson(
  ctx: FileContext,
  source: string,
  key: string,
  wanted: ParticipantValues,
  isSame: (p: { name: string; title: string | null }) => boolean,
  asOf: string | null = null,
): Promise<number> {
  const { store, tally } = ctx;
  const row = (await store.mappings(source, [key])).find((r) => r.participantId !== null);
  if (row?.participantId) {
    const id = row.participantId;
    if (row.adopted) {
      tally.participants.unchanged += 1;
      return id;
    }
    // The latest record wins the title; an older one leaves it.
    const older = asOf !== null && row.asOf !== null && asOf < row.asOf;
    const current = await store.participant(id);
    const diff = older || !current ? null : changes(current, wanted);
    if (diff && current) {
      const written = (await store.writtenVersions('participant', [id])).get(id);
      const outcome = await writeOwned(ctx, 'participant', current, written, diff, [key], () =>
        store.updateParticipant(id, diff),
      );
      tally.participants[outcome] += 1;
    } else {
      tally.participants.unchanged += 1;
    }
    if (asOf !== null && (row.asOf === null || asOf > row.asOf)) await store.setMappingAsOf(row.id, asOf);
    return id;
  }
  const same = (await store.unclaimedPeople(wanted.country)).filter(isSame);
  if (same.length === 1 && same[0]) {
    await store.addMapping({
      source,
      recordId: key,
      tripId: null,
      stopId: null,
      participantId: same[0].id,
      adopted: true,
      asOf,
      file: ctx.fileKey,
    });
    tally.participants.matched += 1;
    return same[0].id;
  }
  const { id, version } = await store.insertParticipant(wanted);
  await store.recordWrite('participant', id, version);
  await store.addMapping({
    source,
    recordId: key,
    tripId: null,
    stopId: null,
    participantId: id,
    adopted: false,
    asOf,
    file: ctx.fileKey,
  });
  tally.participants.created += 1;
  return id;
}
