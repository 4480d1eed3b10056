import { and, eq, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { changedRows, firstRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { nowIso } from '../domain/time.js';
import { canonicalZone, tzdbRelease } from '../domain/tzdb.js';
import { recompute } from './meetings-repository.js';

// Stored data against the tz database, which changes under it: zone names become links, and a release moves the
// offsets that turn a meeting's local times into instants. SQL has no time-zone rules, so no migration can follow
// them; the server and the commands run this at every start (db/prepare.ts).

// Bumped when the way local times become instants changes, so that the next start recomputes them all.
const INSTANT_RULES_VERSION = 1;

/**
 * Brings stored data in line with the tz database, in the transaction `tx`: a stop's zone stored under a link name
 * (Europe/Kiev, UTC, from before names were made canonical) becomes its zone (Europe/Kyiv, Etc/UTC); a timed
 * meeting without instants (a migration added the columns) gets them; and when the tz database's release or the
 * rules above changed since the last start (`time_zone_data`), every timed meeting whose stored instants differ
 * from those the database gives now gets them. Each changed record gets a new version. A zone the database does
 * not know is left as it is. Resolves to how many stops and meetings changed; all of it or nothing is written, as part of `tx`.
 */
export async function reconcileTimeZones(tx: Transaction): Promise<{ stops: number; meetings: number }> {
  const { meetings, stops, timeZoneData } = tablesOf(tx.db);
  const { db } = tx;
  let renamed = 0;
  for (const { timeZone } of await db.selectDistinct({ timeZone: stops.timeZone }).from(stops)) {
    const canonical = canonicalZone(timeZone);
    if (canonical === undefined || canonical === timeZone) continue;
    renamed += changedRows(
      await db
        .update(stops)
        .set({ timeZone: canonical, updatedAt: nowIso(), version: sql`${stops.version} + 1` })
        .where(eq(stops.timeZone, timeZone)),
    );
  }
  const { version, backzone } = tzdbRelease();
  const release = `${version}${backzone ? '+backzone' : ''}/${INSTANT_RULES_VERSION}`;
  const last = firstRow(await db.select().from(timeZoneData).where(eq(timeZoneData.id, 1)));
  const timed = sql`${meetings.startTime} is not null`;
  const changed = await recompute(
    tx,
    last?.release === release ? and(timed, sql`${meetings.startsAt} is null`) : timed,
    false,
  );
  if (last?.release !== release) {
    const row = { id: 1, release, reconciledAt: nowIso() };
    await db.insert(timeZoneData).values(row).onConflictDoUpdate({ target: timeZoneData.id, set: row });
  }
  return { stops: renamed, meetings: changed };
}
