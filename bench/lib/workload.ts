import { writeFileSync } from 'node:fs';
import { mulberry32 } from '../../scripts/dataset.js';
import { Database } from '../../src/db/driver.js';

// What each scenario asks for, drawn from the generated database with a fixed seed, so that two runs on the same
// dataset send the same requests. The database is opened read-only, before the API is measured.

export type Parameters = {
  /** Trip ids for scenario 1 (and the references), in the order they are asked for. */
  tripIds: number[];
  list: {
    countries: string[];
    from: string;
    to: string;
    limit: number;
    /** How many trips the filters match. */
    matches: number;
  };
  /** Participants who attend meetings, for /meetings?participant= and the schedules. */
  participantIds: number[];
  searchTerms: string[];
  /** Meetings the write mix changes (each with its current version) and stops it adds meetings to. */
  writeMeetings: { id: number; version: number }[];
  writeStopIds: number[];
};

type Random = () => number;

function shuffled<T>(items: T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const sample = <T>(items: T[], n: number, random: Random): T[] => shuffled(items, random).slice(0, n);

const WORD = /[\p{L}]{4,}/gu;

/**
 * Search terms as people type them: a whole word of a title, city or name; the first letters of one (type-ahead);
 * two words of the same text. Most match something; a few match little.
 */
function searchTerms(texts: string[], n: number, random: Random): string[] {
  const terms: string[] = [];
  for (const text of texts) {
    if (terms.length >= n) break;
    const words = text.match(WORD) ?? [];
    if (words.length === 0) continue;
    const start = Math.floor(random() * words.length);
    const word = words[start] as string;
    const kind = terms.length % 3;
    if (kind === 0) terms.push(word.toLowerCase());
    else if (kind === 1) terms.push(word.slice(0, 3 + Math.floor(random() * 3)).toLowerCase());
    else terms.push(words.slice(start, start + 2).join(' '));
  }
  return terms;
}

export function pickParameters(
  path: string,
  options: { trips: number; listLimit: number; listDepth: number; seed?: number },
): Parameters {
  const random = mulberry32(options.seed ?? 7);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const ids = (sql: string) => (db.prepare(sql).pluck().all() as number[]).map(Number);

    const tripIds = sample(ids('select id from trips'), options.trips, random);

    // The busiest countries, until the list is deep enough for the deep page (or all of them).
    const byCountry = db
      .prepare(
        'select country, count(distinct trip_id) as n from stops group by country order by n desc, country',
      )
      .all() as { country: string; n: number }[];
    const window = db.prepare('select min(start_date) as f, max(end_date) as t from trips').get() as {
      f: string;
      t: string;
    };
    const needed = (options.listDepth + 1) * options.listLimit + 1;
    const countMatches = db.prepare(
      'select count(distinct trip_id) as n from stops where country in (select value from json_each(?))',
    );
    const countries: string[] = [];
    let matches = 0;
    for (const { country } of byCountry) {
      if (countries.length >= 50) break;
      countries.push(country);
      matches = (countMatches.get(JSON.stringify(countries)) as { n: number }).n;
      if (matches >= needed) break;
    }

    const participantIds = sample(
      ids('select distinct participant_id from meeting_participants'),
      Math.min(500, options.trips),
      random,
    );

    const texts: string[] = [];
    const meetingIds = ids('select id from meetings');
    const textOf = {
      meeting: db.prepare('select title from meetings where id = ?').pluck(),
      stop: db.prepare('select city from stops where id = ?').pluck(),
      participant: db.prepare('select name from participants where id = ?').pluck(),
    };
    const stopIds = ids('select id from stops');
    const allParticipants = ids('select id from participants');
    for (let i = 0; i < 600; i += 1) {
      const which = i % 3;
      const [statement, pool] =
        which === 0
          ? [textOf.meeting, meetingIds]
          : which === 1
            ? [textOf.stop, stopIds]
            : [textOf.participant, allParticipants];
      const id = pool[Math.floor(random() * pool.length)];
      if (id !== undefined) texts.push(String(statement.get(id) ?? ''));
    }

    const writeMeetings = (
      db
        .prepare('select id, version from meetings where id in (select value from json_each(?))')
        .all(JSON.stringify(sample(meetingIds, 2000, random))) as { id: number; version: number }[]
    ).map(({ id, version }) => ({ id, version }));

    return {
      tripIds,
      list: { countries, from: window.f, to: window.t, limit: options.listLimit, matches },
      participantIds,
      searchTerms: searchTerms(texts, 300, random),
      writeMeetings: shuffled(writeMeetings, random),
      writeStopIds: sample(stopIds, 500, random),
    };
  } finally {
    db.close();
  }
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const JSON_COLUMNS = new Set(['topics', 'sources']);

function apiShaped(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[camel(key)] = JSON_COLUMNS.has(key) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return out;
}

/**
 * json-server's db.json from the same database: trips, stops and meetings with the API's field names. Meetings also
 * get their trip's id, so that `/trips/{id}?_embed=stops&_embed=meetings` embeds them (json-server embeds one level
 * only, by a `<singular>Id` field). Answers the number of records written.
 */
export function writeJsonServerDb(path: string, out: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const trips = (db.prepare('select * from trips order by id').all() as Record<string, unknown>[]).map(
      apiShaped,
    );
    const stops = (db.prepare('select * from stops order by id').all() as Record<string, unknown>[]).map(
      apiShaped,
    );
    const meetings = (
      db
        .prepare(
          'select m.*, s.trip_id as trip_id from meetings m join stops s on s.id = m.stop_id order by m.id',
        )
        .all() as Record<string, unknown>[]
    ).map(apiShaped);
    writeFileSync(out, JSON.stringify({ trips, stops, meetings }));
    return trips.length + stops.length + meetings.length;
  } finally {
    db.close();
  }
}
