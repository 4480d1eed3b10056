import { getTableColumns, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import countries from 'i18n-iso-countries';
import type { DatabaseHandle, Transaction } from '../src/db/client.js';
import { engineOf, postgresEngineOf, type SqliteEngine } from '../src/db/connection.js';
import { runMigrations } from '../src/db/migrate.js';
import { queryRow, queryRows, rawStatement } from '../src/db/queries.js';
import { meetingParticipants, meetings, participants, stops, trips } from '../src/db/schema.js';
import { REBUILD_SEARCH_INDEX_SQL, searchIndexFlusher } from '../src/db/search-index.js';
import { toUtcInstant } from '../src/domain/time.js';
import { canonicalZone } from '../src/domain/tzdb.js';
import {
  type MEETING_KINDS,
  type MEETING_ROLES,
  type MEETING_STATUSES,
  PARTS_OF_DAY,
  type TRIP_STATUSES,
} from '../src/domain/vocabulary.js';
import { dialectOf } from '../src/repositories/dialect.js';

// A synthetic dataset of any size for query plans and benchmarks: trips of 1–10 stops in real cities (ISO
// country codes, IANA zones), meetings dated within their stop's dates (some undated, some with clock times,
// some with only a part of the day), and participants (persons and groups) attending them. The same options and
// seed give the same rows on any machine: every random choice comes from a seeded PRNG, never from the clock.
// Only the change feed's `changed_at`, which its triggers take from the clock, differs between runs.

export type DatasetOptions = {
  trips: number;
  stops: number;
  meetings: number;
  participants: number;
  /** Rows of meeting_participants: who attends which meeting. */
  attendances: number;
  seed: number;
  /**
   * 'triggers' (the default) lets the search triggers note each row as it is written, as the API does, and
   * indexes the noted rows at the end as the API's flush does.
   * 'rebuild' turns off only the triggers that index inserts, then rebuilds the index once at the end with
   * rebuildSearchIndex (the same rows, and faster); the change-feed triggers fire either way.
   */
  searchIndex: 'triggers' | 'rebuild';
};

/** The scale a benchmark runs at. */
export const DEFAULT_DATASET: DatasetOptions = {
  trips: 10_000,
  stops: 50_000,
  meetings: 200_000,
  participants: 20_000,
  attendances: 400_000,
  seed: 42,
  searchIndex: 'triggers',
};

/** The default counts times `scale` (rounded, at least one of each). */
export function scaledDataset(scale: number, base: DatasetOptions = DEFAULT_DATASET): DatasetOptions {
  const times = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    ...base,
    trips: times(base.trips),
    stops: times(base.stops),
    meetings: times(base.meetings),
    participants: times(base.participants),
    attendances: Math.round(base.attendances * scale),
  };
}

export type DatasetReport = {
  counts: { trips: number; stops: number; meetings: number; participants: number; attendances: number };
  /** Rows the change-feed triggers appended. */
  changes: number;
  /** Seconds spent writing rows, and rebuilding the search index when asked to. */
  seconds: { rows: number; searchIndex: number };
};

/** mulberry32: a tiny, fast PRNG with a 32-bit state, good enough for test data; answers [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A picker of `entries` by weight (each value with its relative weight, any positive numbers), drawing from `next`
 * (a PRNG answering [0, 1)): one draw per pick, a binary search over the cumulative shares built once.
 */
export function weightedPicker<T>(next: () => number, entries: readonly (readonly [T, number])[]): () => T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const [, w] of entries) {
    running += w / total;
    cumulative.push(running);
  }
  return () => {
    const u = next();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < (cumulative[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return (entries[lo] as readonly [T, number])[0];
  };
}

class Random {
  private readonly next: () => number;

  // Each part of the data draws from its own stream, so changing how meetings are made leaves the trips alone.
  constructor(seed: number, stream: string) {
    let h = seed >>> 0;
    for (const char of stream) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193) >>> 0;
    this.next = mulberry32(h);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index in [0, n), skewed towards 0: a few items are picked often, most rarely (as with public figures). */
  skewed(n: number, power = 2.5): number {
    return Math.min(n - 1, Math.floor(n * this.next() ** power));
  }

  /** A picker by weight, built once per table of weights. */
  weighted<T>(entries: readonly (readonly [T, number])[]): () => T {
    return weightedPicker(this.next, entries);
  }
}

/**
 * Splits `total` items into `bins` counts, each within [min, max], that add up to exactly `total`: a uniform
 * draw around the mean, then random one-by-one corrections.
 */
function distribute(random: Random, total: number, bins: number, min: number, max: number): number[] {
  if (bins === 0) {
    if (total !== 0) throw new Error(`cannot place ${total} items in no bins`);
    return [];
  }
  if (total < bins * min || total > bins * max) {
    throw new Error(`cannot split ${total} items into ${bins} groups of ${min} to ${max}`);
  }
  const mean = total / bins;
  const high = Math.min(max, Math.max(min, Math.round(2 * mean - min)));
  const counts = Array.from({ length: bins }, () => random.int(min, high));
  let sum = counts.reduce((a, b) => a + b, 0);
  while (sum !== total) {
    const i = random.int(0, bins - 1);
    const count = counts[i] as number;
    if (sum < total && count < max) {
      counts[i] = count + 1;
      sum += 1;
    } else if (sum > total && count > min) {
      counts[i] = count - 1;
      sum -= 1;
    }
  }
  return counts;
}

type City = {
  city: string;
  country: string;
  countryName: string;
  timeZone: string;
  latitude: number;
  longitude: number;
  weight: number;
};

const city = (
  name: string,
  country: string,
  countryName: string,
  timeZone: string,
  latitude: number,
  longitude: number,
  weight = 1,
): City => ({ city: name, country, countryName, timeZone, latitude, longitude, weight });

// Real places; the weight is how often trips go there.
const CITIES: City[] = [
  city('Washington', 'US', 'the United States', 'America/New_York', 38.9072, -77.0369, 3),
  city('New York', 'US', 'the United States', 'America/New_York', 40.7128, -74.006, 4),
  city('Los Angeles', 'US', 'the United States', 'America/Los_Angeles', 34.0522, -118.2437),
  city('Houston', 'US', 'the United States', 'America/Chicago', 29.7604, -95.3698),
  city('Honolulu', 'US', 'the United States', 'Pacific/Honolulu', 21.3069, -157.8583, 0.5),
  city('Ottawa', 'CA', 'Canada', 'America/Toronto', 45.4215, -75.6972, 2),
  city('Mexico City', 'MX', 'Mexico', 'America/Mexico_City', 19.4326, -99.1332, 3),
  city('Guatemala City', 'GT', 'Guatemala', 'America/Guatemala', 14.6349, -90.5069),
  city('San José', 'CR', 'Costa Rica', 'America/Costa_Rica', 9.9281, -84.0907),
  city('Panama City', 'PA', 'Panama', 'America/Panama', 8.9824, -79.5199),
  city('Havana', 'CU', 'Cuba', 'America/Havana', 23.1136, -82.3666),
  city('Kingston', 'JM', 'Jamaica', 'America/Jamaica', 18.0179, -76.8099),
  city('Bogotá', 'CO', 'Colombia', 'America/Bogota', 4.711, -74.0721, 2),
  city('Caracas', 'VE', 'Venezuela', 'America/Caracas', 10.4806, -66.9036),
  city('Quito', 'EC', 'Ecuador', 'America/Guayaquil', -0.1807, -78.4678),
  city('Lima', 'PE', 'Peru', 'America/Lima', -12.0464, -77.0428, 2),
  city('La Paz', 'BO', 'Bolivia', 'America/La_Paz', -16.4897, -68.1193),
  city('Santiago', 'CL', 'Chile', 'America/Santiago', -33.4489, -70.6693, 2),
  city('Buenos Aires', 'AR', 'Argentina', 'America/Argentina/Buenos_Aires', -34.6037, -58.3816, 2),
  city('Bariloche', 'AR', 'Argentina', 'America/Argentina/Salta', -41.1335, -71.3103, 0.3),
  city('Montevideo', 'UY', 'Uruguay', 'America/Montevideo', -34.9011, -56.1645),
  city('Asunción', 'PY', 'Paraguay', 'America/Asuncion', -25.2637, -57.5759),
  city('Brasília', 'BR', 'Brazil', 'America/Sao_Paulo', -15.7975, -47.8919, 2),
  city('São Paulo', 'BR', 'Brazil', 'America/Sao_Paulo', -23.5505, -46.6333),
  city('London', 'GB', 'the United Kingdom', 'Europe/London', 51.5074, -0.1278, 4),
  city('Dublin', 'IE', 'Ireland', 'Europe/Dublin', 53.3498, -6.2603),
  city('Paris', 'FR', 'France', 'Europe/Paris', 48.8566, 2.3522, 4),
  city('Berlin', 'DE', 'Germany', 'Europe/Berlin', 52.52, 13.405, 3),
  city('Brussels', 'BE', 'Belgium', 'Europe/Brussels', 50.8503, 4.3517, 4),
  city('The Hague', 'NL', 'the Netherlands', 'Europe/Amsterdam', 52.0705, 4.3007),
  city('Geneva', 'CH', 'Switzerland', 'Europe/Zurich', 46.2044, 6.1432, 3),
  city('Rome', 'IT', 'Italy', 'Europe/Rome', 41.9028, 12.4964, 2),
  city('Vatican City', 'VA', 'the Holy See', 'Europe/Vatican', 41.9029, 12.4534, 0.5),
  city('Madrid', 'ES', 'Spain', 'Europe/Madrid', 40.4168, -3.7038, 2),
  city('Lisbon', 'PT', 'Portugal', 'Europe/Lisbon', 38.7223, -9.1393),
  city('Vienna', 'AT', 'Austria', 'Europe/Vienna', 48.2082, 16.3738, 2),
  city('Warsaw', 'PL', 'Poland', 'Europe/Warsaw', 52.2297, 21.0122),
  city('Kyiv', 'UA', 'Ukraine', 'Europe/Kyiv', 50.4501, 30.5234),
  city('Moscow', 'RU', 'Russia', 'Europe/Moscow', 55.7558, 37.6173),
  city('Stockholm', 'SE', 'Sweden', 'Europe/Stockholm', 59.3293, 18.0686),
  city('Oslo', 'NO', 'Norway', 'Europe/Oslo', 59.9139, 10.7522),
  city('Helsinki', 'FI', 'Finland', 'Europe/Helsinki', 60.1699, 24.9384),
  city('Reykjavík', 'IS', 'Iceland', 'Atlantic/Reykjavik', 64.1466, -21.9426, 0.5),
  city('Athens', 'GR', 'Greece', 'Europe/Athens', 37.9838, 23.7275),
  city('Ankara', 'TR', 'Türkiye', 'Europe/Istanbul', 39.9334, 32.8597),
  city('Istanbul', 'TR', 'Türkiye', 'Europe/Istanbul', 41.0082, 28.9784),
  city('Jerusalem', 'IL', 'Israel', 'Asia/Jerusalem', 31.7683, 35.2137, 2),
  city('Amman', 'JO', 'Jordan', 'Asia/Amman', 31.9454, 35.9284),
  city('Riyadh', 'SA', 'Saudi Arabia', 'Asia/Riyadh', 24.7136, 46.6753),
  city('Abu Dhabi', 'AE', 'the United Arab Emirates', 'Asia/Dubai', 24.4539, 54.3773),
  city('Doha', 'QA', 'Qatar', 'Asia/Qatar', 25.2854, 51.531),
  city('Tehran', 'IR', 'Iran', 'Asia/Tehran', 35.6892, 51.389, 0.5),
  city('Baghdad', 'IQ', 'Iraq', 'Asia/Baghdad', 33.3152, 44.3661),
  city('Cairo', 'EG', 'Egypt', 'Africa/Cairo', 30.0444, 31.2357, 2),
  city('Rabat', 'MA', 'Morocco', 'Africa/Casablanca', 34.0209, -6.8416),
  city('Dakar', 'SN', 'Senegal', 'Africa/Dakar', 14.7167, -17.4677),
  city('Accra', 'GH', 'Ghana', 'Africa/Accra', 5.6037, -0.187),
  city('Abuja', 'NG', 'Nigeria', 'Africa/Lagos', 9.0765, 7.3986),
  city('Lagos', 'NG', 'Nigeria', 'Africa/Lagos', 6.5244, 3.3792),
  city('Addis Ababa', 'ET', 'Ethiopia', 'Africa/Addis_Ababa', 8.9806, 38.7578),
  city('Nairobi', 'KE', 'Kenya', 'Africa/Nairobi', -1.2921, 36.8219),
  city('Pretoria', 'ZA', 'South Africa', 'Africa/Johannesburg', -25.7479, 28.2293),
  city('New Delhi', 'IN', 'India', 'Asia/Kolkata', 28.6139, 77.209, 2),
  city('Islamabad', 'PK', 'Pakistan', 'Asia/Karachi', 33.6844, 73.0479),
  city('Kabul', 'AF', 'Afghanistan', 'Asia/Kabul', 34.5553, 69.2075),
  city('Astana', 'KZ', 'Kazakhstan', 'Asia/Almaty', 51.1694, 71.4491),
  city('Ulaanbaatar', 'MN', 'Mongolia', 'Asia/Ulaanbaatar', 47.8864, 106.9057, 0.5),
  city('Beijing', 'CN', 'China', 'Asia/Shanghai', 39.9042, 116.4074, 3),
  city('Tokyo', 'JP', 'Japan', 'Asia/Tokyo', 35.6762, 139.6503, 3),
  city('Seoul', 'KR', 'South Korea', 'Asia/Seoul', 37.5665, 126.978, 2),
  city('Hanoi', 'VN', 'Vietnam', 'Asia/Ho_Chi_Minh', 21.0278, 105.8342),
  city('Bangkok', 'TH', 'Thailand', 'Asia/Bangkok', 13.7563, 100.5018),
  city('Kuala Lumpur', 'MY', 'Malaysia', 'Asia/Kuala_Lumpur', 3.139, 101.6869),
  city('Singapore', 'SG', 'Singapore', 'Asia/Singapore', 1.3521, 103.8198, 2),
  city('Jakarta', 'ID', 'Indonesia', 'Asia/Jakarta', -6.2088, 106.8456),
  city('Manila', 'PH', 'the Philippines', 'Asia/Manila', 14.5995, 120.9842),
  city('Canberra', 'AU', 'Australia', 'Australia/Sydney', -35.2809, 149.13),
  city('Wellington', 'NZ', 'New Zealand', 'Pacific/Auckland', -41.2865, 174.7762, 0.5),
];

const FIRST_NAMES = [
  'Ana',
  'Ahmed',
  'Akira',
  'Alejandro',
  'Amara',
  'Anders',
  'Chen',
  'Claire',
  'Daniel',
  'Dmitri',
  'Elena',
  'Fatima',
  'François',
  'Gabriela',
  'Hans',
  'Hiroshi',
  'Ingrid',
  'Isabel',
  'Jakub',
  'James',
  'Jorge',
  'Kwame',
  'Laila',
  'Li',
  'Luis',
  'Maria',
  'Marcelo',
  'Mei',
  'Mohammed',
  'Nadia',
  'Naledi',
  'Olga',
  'Omar',
  'Pablo',
  'Priya',
  'Rafael',
  'Rahul',
  'Sara',
  'Sean',
  'Sofia',
  'Tomás',
  'Valentina',
  'Wei',
  'Yasmin',
  'Yuki',
  'Zanele',
] as const;

const LAST_NAMES = [
  'Abdullah',
  'Andersen',
  'Banda',
  'Becker',
  'Bianchi',
  'Castro',
  'Chaudhry',
  'Costa',
  'Dubois',
  'Fernández',
  'García',
  'Haddad',
  'Hernández',
  'Ivanova',
  'Jensen',
  'Kim',
  'Kowalski',
  'Kumar',
  'Lee',
  'Li',
  'López',
  'Martin',
  'Mensah',
  'Müller',
  'Nakamura',
  'Novak',
  'Okafor',
  'Oliveira',
  'Park',
  'Peña',
  'Pérez',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Smith',
  'Suzuki',
  'Tanaka',
  'Torres',
  'Wang',
  'Williams',
  'Yilmaz',
  'Zhang',
] as const;

const TITLES = [
  ['President', 3],
  ['Prime Minister', 2],
  ['Foreign Minister', 6],
  ['Deputy Foreign Minister', 4],
  ['Minister of Trade', 3],
  ['Minister of Energy', 2],
  ['Minister of Defense', 2],
  ['Minister of Finance', 2],
  ['Ambassador', 8],
  ['Special Envoy', 2],
  ['Secretary of State', 1],
  ['Under Secretary', 2],
  ['Governor', 2],
  ['Mayor', 2],
  ['Senator', 2],
  ['Member of Parliament', 4],
  ['Chief Executive', 3],
  ['Director', 3],
  ['Professor', 2],
  ['Journalist', 2],
  [null, 5],
] as const;

const ORGANIZATIONS = [
  'Ministry of Foreign Affairs',
  'Office of the President',
  'Parliament',
  'Ministry of Trade',
  'Ministry of Energy',
  'Central Bank',
  'Chamber of Commerce',
  'National University',
] as const;

const INTERNATIONAL_ORGANIZATIONS = [
  'United Nations',
  'European Union',
  'Organization of American States',
  'African Union',
  'World Bank',
  'International Monetary Fund',
  'World Health Organization',
  'NATO',
] as const;

const TOPICS = [
  'trade',
  'energy',
  'security',
  'migration',
  'climate change',
  'Venezuela',
  'counter-narcotics',
  'investment',
  'human rights',
  'regional issues',
  'health',
  'education',
  'technology',
  'cybersecurity',
  'non-proliferation',
  'agriculture',
  'infrastructure',
  'tourism',
  'fisheries',
  'space cooperation',
  'anti-corruption',
  'G20',
  'sanctions',
  'refugees',
  'water',
  'mining',
  'digital economy',
  'pandemic preparedness',
  'maritime security',
  'democracy',
  'transnational crime',
  'debt relief',
] as const;

const MEETING_KIND_WEIGHTS: readonly (readonly [(typeof MEETING_KINDS)[number], number])[] = [
  ['bilateral', 30],
  ['multilateral', 8],
  ['consultations', 10],
  ['speech', 8],
  ['tour', 6],
  ['briefing', 10],
  ['social', 8],
  ['press', 12],
  ['other', 8],
];

/** Trips and meetings before this day are history; after it, plans. Fixed, so the data does not age. */
const REFERENCE_DAY = dayNumber('2026-01-01');
const FIRST_TRIP_DAY = dayNumber('2000-01-01');
const LAST_TRIP_DAY = dayNumber('2027-06-30');

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 86_400_000;
}

const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
const instantText = (ms: number): string => new Date(ms).toISOString();
const timeText = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A list in prose: "a", "a and b", "a, b and c". */
function prose(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Checks the city table once: every code is ISO 3166-1 alpha-2 and every zone is IANA, as the API requires. */
function assertPlacesValid(): void {
  for (const c of CITIES) {
    if (!countries.isValid(c.country)) throw new Error(`${c.city}: ${c.country} is not an ISO country code`);
    if (canonicalZone(c.timeZone) === undefined)
      throw new Error(`${c.city}: ${c.timeZone} is not an IANA zone`);
  }
}

type Row = (string | number | null)[];

/** Where the writer's batches go: `insert` writes `rows` (each in the order of `columns`) into `table`. */
type Sink = { insert(table: string, columns: string[], rows: Row[]): void };

/** SQLite: prepared multi-row INSERTs, one per shape, run at once (a transaction around the whole load). */
function sqliteSink(sqlite: SqliteEngine['sqlite']): Sink {
  const statements = new Map<string, ReturnType<SqliteEngine['sqlite']['prepare']>>();
  return {
    insert(table, columns, rows) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const text = `insert into "${table}" (${columns.join(', ')}) values ${rows.map(() => tuple).join(', ')}`;
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      statement.run(rows.flat());
    },
  };
}

/** Any engine: the batches are kept, to be written later through a transaction of the handle (writeBatches). */
type Batch = { text: string; values: Row[number][] };
function keptSink(batches: Batch[]): Sink {
  return {
    insert(table, columns, rows) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      batches.push({
        text: `insert into "${table}" (${columns.join(', ')}) values ${rows.map(() => tuple).join(', ')}`,
        values: rows.flat(),
      });
    },
  };
}

/**
 * Buffers rows per table and writes them in multi-row INSERTs. Tables flush in the order they were registered
 * (parents first), all together, so a child row never reaches the database before its parent's.
 */
class BatchWriter {
  private readonly tables: { name: string; columns: string[]; rows: Row[] }[] = [];

  constructor(
    private readonly sink: Sink,
    private readonly batchSize = 500,
  ) {}

  /** Registers a table; answers the function that queues a row of values in the order of `keys`. */
  table<T extends SQLiteTable>(
    table: T,
    keys: readonly (keyof T['$inferInsert'] & string)[],
  ): (row: Row) => void {
    const byKey = getTableColumns(table) as Record<string, { name: string }>;
    const names = keys.map((key) => {
      const column = byKey[key];
      if (!column) throw new Error(`no column ${key}`);
      return `"${column.name}"`;
    });
    const tableName = (table as unknown as { [key: symbol]: string })[Symbol.for('drizzle:Name')];
    const entry = { name: String(tableName), columns: names, rows: [] as Row[] };
    this.tables.push(entry);
    return (row) => {
      if (row.length !== entry.columns.length)
        throw new Error(`${tableName}: ${row.length} values for ${entry.columns.length}`);
      entry.rows.push(row);
      if (entry.rows.length >= this.batchSize) this.flush();
    };
  }

  flush(): void {
    for (const entry of this.tables) {
      for (let i = 0; i < entry.rows.length; i += this.batchSize) {
        this.sink.insert(entry.name, entry.columns, entry.rows.slice(i, i + this.batchSize));
      }
      entry.rows.length = 0;
    }
  }
}

type ParticipantInfo = { id: number; kind: 'person' | 'group'; name: string; title: string | null };

/**
 * Writes the dataset into an empty database, after applying the migrations, in one transaction: all of it or
 * none of it. Every row goes through the schema's CHECK constraints and foreign keys, so a row the API would
 * reject stops the run. Answers the counts and timings.
 */
export function generateDataset(
  database: DatabaseHandle,
  options: Partial<DatasetOptions> = {},
): DatasetReport {
  const o: DatasetOptions = { ...DEFAULT_DATASET, ...options };
  for (const key of ['trips', 'stops', 'meetings', 'participants', 'attendances', 'seed'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new Error(`${key} must be a whole number ≥ 0`);
  }
  if (o.participants < 1 && o.trips > 0) throw new Error('trips need at least one participant to travel');
  assertPlacesValid();
  const { db, sqlite } = engineOf(database);
  runMigrations(db);
  const existing = sqlite
    .prepare('select (select count(*) from trips) + (select count(*) from participants) as n')
    .get() as { n: number };
  if (existing.n > 0) throw new Error('the database already holds trips or participants; use an empty one');

  const started = performance.now();
  const searchTriggers =
    o.searchIndex === 'rebuild'
      ? (sqlite
          .prepare(
            `select name, sql from sqlite_master where type = 'trigger' and name like '%\\_search\\_created' escape '\\'`,
          )
          .all() as { name: string; sql: string }[])
      : [];
  let rowsSeconds = 0;
  let indexSeconds = 0;

  sqlite.transaction(() => {
    // Only the insert triggers of the index: they are all a load fires. They come back in this transaction.
    for (const { name } of searchTriggers) sqlite.exec(`drop trigger "${name}"`);
    writeRows(sqliteSink(sqlite), o);
    rowsSeconds = (performance.now() - started) / 1000;
    if (o.searchIndex === 'rebuild') {
      for (const trigger of searchTriggers) sqlite.exec(trigger.sql);
      sqlite.exec('delete from search_index');
      sqlite.exec('delete from search_pending');
      for (const statement of REBUILD_SEARCH_INDEX_SQL) sqlite.exec(statement);
    } else {
      // The triggers noted every row (migration 0014): index them as the API's next flush would.
      searchIndexFlusher(sqlite).flush();
    }
    indexSeconds = (performance.now() - started) / 1000 - rowsSeconds;
  })();

  const count = (table: string) =>
    (sqlite.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
  return {
    counts: {
      trips: count('trips'),
      stops: count('stops'),
      meetings: count('meetings'),
      participants: count('participants'),
      attendances: count('meeting_participants'),
    },
    changes: db.get<{ n: number }>(sql`select count(*) as n from changes`)?.n ?? 0,
    seconds: { rows: rowsSeconds, searchIndex: indexSeconds },
  };
}

/**
 * generateDataset on a database handle of either engine (PostgreSQL's through its handle, migrated already by
 * prepareDatabase): the same rows, written in one transaction of the handle with the same multi-row INSERTs, through
 * the tables' triggers (the search index too). Answers the counts and timings.
 */
export async function generateDatasetOn(
  database: DatabaseHandle,
  options: Partial<DatasetOptions> = {},
): Promise<DatasetReport> {
  if (!postgresEngineOf(database)) return generateDataset(database, options);
  const o: DatasetOptions = { ...DEFAULT_DATASET, ...options };
  assertPlacesValid();
  const count = async (tx: Transaction, table: string) =>
    Number((await queryRow<{ n: number }>(tx, sql.raw(`select count(*) as n from "${table}"`)))?.n ?? 0);
  const started = performance.now();
  const batches: Batch[] = [];
  writeRows(keptSink(batches), o);
  return database.transaction(async (tx) => {
    if ((await count(tx, 'trips')) + (await count(tx, 'participants')) > 0) {
      throw new Error('the database already holds trips or participants; use an empty one');
    }
    // One statement per shape (a table's full batches, and its last one), prepared once on the connection.
    const statements = new Map<string, ReturnType<typeof rawStatement>>();
    for (const batch of batches) {
      let statement = statements.get(batch.text);
      if (statement === undefined) {
        statement = rawStatement(batch.text);
        statements.set(batch.text, statement);
      }
      await statement.run(tx, ...batch.values);
    }
    const { keysCatchUp } = dialectOf(tx.db);
    for (const table of ['participants', 'trips', 'stops', 'meetings']) {
      const statement = keysCatchUp(table);
      if (statement) await queryRows(tx, statement);
    }
    return {
      counts: {
        trips: await count(tx, 'trips'),
        stops: await count(tx, 'stops'),
        meetings: await count(tx, 'meetings'),
        participants: await count(tx, 'participants'),
        attendances: await count(tx, 'meeting_participants'),
      },
      changes: await count(tx, 'changes'),
      seconds: { rows: (performance.now() - started) / 1000, searchIndex: 0 },
    };
  });
}

function writeRows(sink: Sink, o: DatasetOptions): void {
  const writer = new BatchWriter(sink);
  const addParticipant = writer.table(participants, [
    'id',
    'kind',
    'name',
    'title',
    'country',
    'organization',
    'createdAt',
    'updatedAt',
  ]);
  const addTrip = writer.table(trips, [
    'id',
    'title',
    'summary',
    'travelerId',
    'startDate',
    'endDate',
    'status',
    'topics',
    'context',
    'sources',
    'createdAt',
    'updatedAt',
  ]);
  const addStop = writer.table(stops, [
    'id',
    'tripId',
    'position',
    'city',
    'country',
    'latitude',
    'longitude',
    'timeZone',
    'arrivalDate',
    'departureDate',
    'notes',
    'sources',
    'createdAt',
    'updatedAt',
  ]);
  const addMeeting = writer.table(meetings, [
    'id',
    'stopId',
    'kind',
    'title',
    'description',
    'topics',
    'status',
    'date',
    'startTime',
    'endTime',
    'partOfDay',
    'startsAt',
    'endsAt',
    'sources',
    'createdAt',
    'updatedAt',
  ]);
  const addAttendance = writer.table(meetingParticipants, [
    'meetingId',
    'participantId',
    'role',
    'createdAt',
  ]);

  // Participants: persons (some of whom travel) and groups, most from a country the trips visit.
  const people = new Random(o.seed, 'participants');
  const pickCity = people.weighted(CITIES.map((c) => [c, c.weight] as const));
  const pickTitle = people.weighted(TITLES);
  const all: ParticipantInfo[] = [];
  const byCountry = new Map<string, number[]>();
  const international: number[] = [];
  const createdBase = Date.parse('1999-01-01T00:00:00Z');
  for (let id = 1; id <= o.participants; id += 1) {
    const home = people.chance(0.9) ? pickCity() : null;
    const group = people.chance(0.1);
    let name: string;
    let title: string | null = null;
    let organization: string | null = null;
    if (group) {
      name = home
        ? people.pick([
            `Business delegation of ${home.countryName}`,
            `Civil society representatives of ${home.countryName}`,
            `Cabinet of ${home.countryName}`,
            `Students of the University of ${home.city}`,
            `Embassy staff in ${home.city}`,
          ])
        : `${people.pick(INTERNATIONAL_ORGANIZATIONS)} delegation`;
    } else {
      name = `${people.pick(FIRST_NAMES)} ${people.pick(LAST_NAMES)}`;
      title = pickTitle();
      if (people.chance(0.5)) {
        organization = home ? people.pick(ORGANIZATIONS) : people.pick(INTERNATIONAL_ORGANIZATIONS);
      }
    }
    const createdAt = instantText(createdBase + people.int(0, 364 * 86_400) * 1000);
    addParticipant([
      id,
      group ? 'group' : 'person',
      name,
      title,
      home?.country ?? null,
      organization,
      createdAt,
      createdAt,
    ]);
    all.push({ id, kind: group ? 'group' : 'person', name, title });
    if (home) {
      const list = byCountry.get(home.country) ?? [];
      list.push(id);
      byCountry.set(home.country, list);
    } else {
      international.push(id);
    }
  }
  // About one person in fifty travels; a few of them make most of the trips.
  const persons = all.filter((p) => p.kind === 'person');
  const travelerPool = persons.length > 0 ? persons : all;
  const travelers = Array.from({ length: Math.max(1, Math.round(o.participants * 0.02)) }, () =>
    people.pick(travelerPool),
  );

  // Trips and their stops: consecutive stays of 0–6 nights, some with a date unknown.
  const tripsRandom = new Random(o.seed, 'trips');
  const meetingsRandom = new Random(o.seed, 'meetings');
  const attendanceRandom = new Random(o.seed, 'attendance');
  const pickStopCity = tripsRandom.weighted(CITIES.map((c) => [c, c.weight] as const));
  const stopsPerTrip = distribute(tripsRandom, o.stops, o.trips, o.trips > 0 ? 1 : 0, 10);
  // Meetings per stop and attendances per meeting are drawn up front so that the totals are exact.
  const meetingsPerStop = distribute(
    meetingsRandom,
    o.meetings,
    o.stops,
    0,
    Math.max(8, Math.ceil((3 * o.meetings) / Math.max(1, o.stops))),
  );
  const attendancesPerMeeting = distribute(
    attendanceRandom,
    o.attendances,
    o.meetings,
    0,
    Math.min(o.participants, Math.max(6, Math.ceil((3 * o.attendances) / Math.max(1, o.meetings)))),
  );
  const pickStay = tripsRandom.weighted([
    [0, 25],
    [1, 35],
    [2, 20],
    [3, 10],
    [4, 5],
    [6, 5],
  ]);
  const pickKind = meetingsRandom.weighted(MEETING_KIND_WEIGHTS);
  const pickPastStatus = meetingsRandom.weighted<(typeof MEETING_STATUSES)[number]>([
    ['confirmed', 85],
    ['cancelled', 5],
    ['tentative', 5],
    ['planned', 5],
  ]);
  const pickFutureStatus = meetingsRandom.weighted<(typeof MEETING_STATUSES)[number]>([
    ['planned', 50],
    ['tentative', 25],
    ['confirmed', 20],
    ['cancelled', 5],
  ]);
  const pickRole = attendanceRandom.weighted<(typeof MEETING_ROLES)[number]>([
    ['counterpart', 40],
    ['attendee', 35],
    ['delegation_member', 15],
    ['other', 10],
  ]);
  const topicsOf = (random: Random, max: number): string[] => {
    const picked = new Set<string>();
    const n = random.int(0, max);
    while (picked.size < n) picked.add(random.pick(TOPICS));
    return [...picked];
  };

  let stopId = 0;
  let meetingId = 0;
  for (let tripId = 1; tripId <= o.trips; tripId += 1) {
    const r = tripsRandom;
    const traveler = travelers[r.skewed(travelers.length, 2)] as ParticipantInfo;
    const n = stopsPerTrip[tripId - 1] as number;
    const startDay = r.int(FIRST_TRIP_DAY, LAST_TRIP_DAY);
    const createdMs = (startDay - r.int(7, 180)) * 86_400_000 + r.int(0, 86_399) * 1000;
    const createdAt = instantText(createdMs);
    type PlannedStop = { place: City; arrival: number; departure: number };
    const planned: PlannedStop[] = [];
    let day = startDay;
    for (let position = 1; position <= n; position += 1) {
      let place = pickStopCity();
      if (place === planned.at(-1)?.place) place = pickStopCity();
      const departure = day + pickStay();
      planned.push({ place, arrival: day, departure });
      // Most legs travel on the day of departure; some rest a day between stops.
      day = departure + (r.chance(0.8) ? 0 : 1);
    }
    const endDay = planned.at(-1)?.departure ?? startDay;
    const countryNames = [...new Set(planned.map((s) => s.place.countryName))];
    const tripTopics = topicsOf(r, 4);
    const status: (typeof TRIP_STATUSES)[number] =
      endDay < REFERENCE_DAY
        ? r.chance(0.92)
          ? 'completed'
          : 'cancelled'
        : startDay > REFERENCE_DAY
          ? r.pick(['planned', 'planned', 'confirmed', 'cancelled'] as const)
          : 'confirmed';
    const destinations =
      countryNames.length > 4
        ? `${countryNames.slice(0, 3).join(', ')} and ${countryNames.length - 3} other countries`
        : prose(countryNames);
    const tripSources = r.chance(0.2)
      ? [
          {
            title: `Travel announcement: ${traveler.name}`,
            publisher: 'Ministry of Foreign Affairs',
            publishedAt: dayText(startDay - r.int(1, 14)),
            url: `https://example.org/announcements/${tripId}`,
            quote: `${traveler.name} will travel to ${destinations}.`,
            recordId: null,
          },
        ]
      : [];
    addTrip([
      tripId,
      `${traveler.name}'s trip to ${destinations}`,
      r.chance(0.6)
        ? `${traveler.title ?? 'The traveler'} ${traveler.name} visits ${prose(planned.map((s) => s.place.city))}${
            tripTopics.length > 0 ? ` to discuss ${prose(tripTopics)}` : ''
          }.`
        : null,
      traveler.id,
      dayText(startDay),
      dayText(endDay),
      status,
      JSON.stringify(tripTopics),
      '[]',
      JSON.stringify(tripSources),
      createdAt,
      createdAt,
    ]);

    planned.forEach((s, i) => {
      stopId += 1;
      // A few dates are unknown: the arrival, the departure, or (rarely) both.
      const unknown = r.float();
      const arrival = unknown < 0.03 || unknown >= 0.995 ? null : s.arrival;
      const departure = (unknown >= 0.03 && unknown < 0.06) || unknown >= 0.995 ? null : s.departure;
      const hasCoordinates = r.chance(0.95);
      const stopCreated = instantText(createdMs + (i + 1) * 1000);
      addStop([
        stopId,
        tripId,
        i + 1,
        s.place.city,
        s.place.country,
        hasCoordinates ? s.place.latitude : null,
        hasCoordinates ? s.place.longitude : null,
        // As the API stores it: a link (Europe/Vatican) as its zone (Europe/Rome).
        canonicalZone(s.place.timeZone) ?? s.place.timeZone,
        arrival === null ? null : dayText(arrival),
        departure === null ? null : dayText(departure),
        r.chance(0.15)
          ? r.pick(['Overnight stop.', 'Dates from the published schedule.', 'Refuelling stop.'])
          : null,
        '[]',
        stopCreated,
        stopCreated,
      ]);

      const spanStart = arrival ?? departure;
      const spanEnd = departure ?? arrival;
      const localPool = byCountry.get(s.place.country) ?? [];
      const m = meetingsRandom;
      for (let k = 0; k < (meetingsPerStop[stopId - 1] as number); k += 1) {
        meetingId += 1;
        const kind = pickKind();
        const date =
          spanStart === null || spanEnd === null || m.chance(0.05) ? null : m.int(spanStart, spanEnd);
        let startTime: string | null = null;
        let endTime: string | null = null;
        let partOfDay: (typeof PARTS_OF_DAY)[number] | null = null;
        if (date !== null) {
          const timing = m.float();
          if (timing < 0.45) {
            const start = m.int(7 * 4, 21 * 4) * 15;
            startTime = timeText(start);
            if (m.chance(0.7)) endTime = timeText(Math.min(start + m.int(2, 12) * 15, 23 * 60 + 59));
          } else if (timing < 0.7) {
            partOfDay = m.pick(PARTS_OF_DAY);
          }
        }
        const future = (date ?? spanStart ?? startDay) >= REFERENCE_DAY;
        const status = future ? pickFutureStatus() : pickPastStatus();
        const topics = topicsOf(m, 3);

        // Who attends: often the traveler, then a host from the country visited, then others.
        const count = attendancesPerMeeting[meetingId - 1] as number;
        const attendees: [number, (typeof MEETING_ROLES)[number]][] = [];
        const taken = new Set<number>();
        const a = attendanceRandom;
        const add = (id: number | undefined, role: (typeof MEETING_ROLES)[number]): boolean => {
          if (id === undefined || taken.has(id)) return false;
          taken.add(id);
          attendees.push([id, role]);
          return true;
        };
        if (count > 0 && a.chance(0.6)) add(traveler.id, 'delegation_member');
        if (attendees.length < count && localPool.length > 0)
          add(localPool[a.skewed(localPool.length)], 'host');
        for (let tries = 0; attendees.length < count && tries < 20 * count; tries += 1) {
          const from = a.float();
          const pool =
            from < 0.6 && localPool.length > 0
              ? localPool
              : from < 0.7 && international.length > 0
                ? international
                : null;
          add(pool ? pool[a.skewed(pool.length)] : a.int(1, o.participants), pickRole());
        }
        // A crowded meeting in a small world: take the next free ids.
        for (let id = a.int(1, o.participants); attendees.length < count; id = (id % o.participants) + 1) {
          add(id, 'attendee');
        }
        const host = attendees.find(([, role]) => role === 'host')?.[0];
        const hostName = host === undefined ? null : all[host - 1];
        const counterpart = hostName ? `${hostName.title ? `${hostName.title} ` : ''}${hostName.name}` : null;
        const title = meetingTitle(m, kind, s.place, counterpart);
        const meetingCreated = instantText(createdMs + (i + 1) * 1000 + (k + 1) * 10);
        const dateText = date === null ? null : dayText(date);
        addMeeting([
          meetingId,
          stopId,
          kind,
          title,
          m.chance(0.4)
            ? `${title} in ${s.place.city}${topics.length > 0 ? `, on ${prose(topics)}` : ''}.`
            : null,
          JSON.stringify(topics),
          status,
          dateText,
          startTime,
          endTime,
          partOfDay,
          toUtcInstant(dateText, startTime, s.place.timeZone),
          toUtcInstant(dateText, endTime, s.place.timeZone),
          m.chance(0.1)
            ? JSON.stringify([
                {
                  title: `Daily schedule of ${traveler.name}`,
                  publisher: 'Ministry of Foreign Affairs',
                  publishedAt: dateText ?? dayText(startDay),
                  url: `https://example.org/schedules/${meetingId}`,
                  quote: title,
                  recordId: null,
                },
              ])
            : '[]',
          meetingCreated,
          meetingCreated,
        ]);
        for (const [participantId, role] of attendees) {
          addAttendance([meetingId, participantId, role, meetingCreated]);
        }
      }
    });
  }
  writer.flush();
}

function meetingTitle(
  random: Random,
  kind: (typeof MEETING_KINDS)[number],
  place: City,
  counterpart: string | null,
): string {
  const whom = counterpart ?? `officials of ${place.countryName}`;
  switch (kind) {
    case 'bilateral':
      return `Meeting with ${whom}`;
    case 'multilateral':
      return `${random.pick(INTERNATIONAL_ORGANIZATIONS)} ministerial meeting in ${place.city}`;
    case 'consultations':
      return `Political consultations with ${whom}`;
    case 'speech':
      return `Speech at the University of ${place.city}`;
    case 'tour':
      return `Tour of ${place.city}`;
    case 'briefing':
      return `Briefing with embassy staff in ${place.city}`;
    case 'social':
      return `Dinner hosted by ${whom}`;
    case 'press':
      return `Joint press conference with ${whom}`;
    default:
      return `Wreath-laying ceremony in ${place.city}`;
  }
}
