import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDataset, scaledDataset } from '../scripts/dataset.js';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { toUtcInstant } from '../src/domain/time.js';
import { CountryCodeSchema, TimeZoneSchema } from '../src/schemas/common.js';

// The benchmark dataset generator (scripts/dataset.ts), at a small scale.

const small = scaledDataset(0.005);

function generated(options: Parameters<typeof generateDataset>[1] = small): DatabaseHandle {
  const database = openDatabase(':memory:');
  generateDataset(database, options);
  return database;
}

/** A digest of every row of the data tables and the search index (not the change feed's clock times). */
function digest(database: DatabaseHandle): string {
  const { sqlite } = engineOf(database);
  const hash = createHash('sha256');
  for (const table of ['participants', 'trips', 'stops', 'meetings', 'meeting_participants']) {
    for (const row of sqlite.prepare(`select * from ${table} order by 1, 2`).raw().iterate()) {
      hash.update(JSON.stringify(row));
    }
  }
  for (const row of sqlite.prepare('select rowid, * from search_index order by rowid').raw().iterate()) {
    hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}

describe('the dataset generator', () => {
  it('writes exactly the counts asked for, and the same rows for the same seed', () => {
    const a = generated();
    const { sqlite } = engineOf(a);
    const count = (table: string) =>
      (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    expect([
      count('trips'),
      count('stops'),
      count('meetings'),
      count('participants'),
      count('meeting_participants'),
    ]).toEqual([small.trips, small.stops, small.meetings, small.participants, small.attendances]);
    // Every write went through the change-feed triggers (each attendance is a change of its participant's too).
    expect(count('changes')).toBe(
      small.trips + small.stops + small.meetings + small.participants + small.attendances,
    );
    const again = generated();
    expect(digest(again)).toBe(digest(a));
    // Building the search index at the end gives the same index as the triggers.
    expect(digest(generated({ ...small, searchIndex: 'rebuild' }))).toBe(digest(a));
    expect(digest(generated({ ...small, seed: 7 }))).not.toBe(digest(a));
  });

  it('makes records the API accepts', () => {
    const { sqlite } = engineOf(generated());
    const values = (sql: string) => (sqlite.prepare(sql).raw().all() as unknown[][]).map((row) => row[0]);
    for (const code of values(
      'select distinct country from stops union select distinct country from participants where country is not null',
    )) {
      expect(CountryCodeSchema.safeParse(code).success, String(code)).toBe(true);
    }
    for (const zone of values('select distinct time_zone from stops')) {
      expect(TimeZoneSchema.safeParse(zone).success, String(zone)).toBe(true);
    }
    // Trips of 1 to 10 stops in positions 1..n, spanning their stops' dates; meetings within their stop's dates.
    expect(
      values(`select count(*) from (select trip_id from stops group by trip_id
        having count(*) not between 1 and 10 or min(position) <> 1 or max(position) <> count(*))`),
    ).toEqual([0]);
    expect(
      values(`select count(*) from stops s join trips t on t.id = s.trip_id
        where s.arrival_date < t.start_date or s.departure_date > t.end_date`),
    ).toEqual([0]);
    expect(
      values(`select count(*) from meetings m join stops s on s.id = m.stop_id
        where m.date < coalesce(s.arrival_date, s.departure_date) or m.date > coalesce(s.departure_date, s.arrival_date)
          or (m.date is not null and s.arrival_date is null and s.departure_date is null)`),
    ).toEqual([0]);
    // Undated, timed and part-of-day meetings all occur; stored instants are those the API computes.
    expect(values('select count(*) from meetings where date is null')[0]).toBeGreaterThan(0);
    expect(values('select count(*) from meetings where part_of_day is not null')[0]).toBeGreaterThan(0);
    const timed = sqlite
      .prepare(`select m.date, m.start_time as startTime, m.end_time as endTime, m.starts_at as startsAt,
          m.ends_at as endsAt, s.time_zone as zone
        from meetings m join stops s on s.id = m.stop_id where m.start_time is not null`)
      .all() as Record<string, string | null>[];
    expect(timed.length).toBeGreaterThan(0);
    for (const m of timed) {
      expect(m.startsAt).toBe(toUtcInstant(m.date ?? null, m.startTime ?? null, m.zone ?? ''));
      expect(m.endsAt).toBe(toUtcInstant(m.date ?? null, m.endTime ?? null, m.zone ?? ''));
    }
    expect(values('select count(distinct kind) from participants')).toEqual([2]);
  });

  it('refuses a database that already has data', () => {
    const database = generated();
    expect(() => generateDataset(database, small)).toThrow(/already holds/);
  });
});
