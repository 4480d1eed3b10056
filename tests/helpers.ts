import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import supertest from 'supertest';
import { afterAll, afterEach, inject } from 'vitest';
import { buildApp } from '../src/app.js';
import { type ConfigInput, loadConfig } from '../src/config.js';
import { migrationsFolder } from '../src/db/migrate.js';
import { queryRows, runStatement } from '../src/db/queries.js';
import { cloneDatabase, dropDatabase } from './postgres-databases.js';

export type TestApp = {
  app: FastifyInstance;
  /** On PostgreSQL, the URL of the app's own database (for commands and dumps); undefined on SQLite. */
  databaseUrl: string | undefined;
  /** Sends an admin key's token with every request (writes need a key). */
  api: ReturnType<typeof supertest.agent>;
  /** Sends no credentials. */
  anon: ReturnType<typeof supertest.agent>;
  /** Creates a key with the scope and answers its token. */
  token: (scope: 'read' | 'write' | 'admin', name?: string) => Promise<string>;
  /** SQL statements run since the last reset. */
  queries: string[];
};

/** The engine this project of the suite runs on (vitest.config.ts): SQLite, or PostgreSQL with TEST_DATABASE_URL. */
export const TEST_ENGINE: 'sqlite' | 'postgres' =
  process.env.ITINERARY_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

const open: FastifyInstance[] = [];
/** PostgreSQL databases made for this file's apps, dropped after each test. */
const databases: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
  const base = process.env.TEST_DATABASE_URL;
  if (base) for (const name of databases.splice(0)) await dropDatabase(base, name);
});

/** PostgreSQL databases made for the whole file (`testDatabaseUrl('file')`), dropped after its last test. */
const fileDatabases: string[] = [];
afterAll(async () => {
  const base = process.env.TEST_DATABASE_URL;
  if (base) for (const name of fileDatabases.splice(0)) await dropDatabase(base, name);
});

/**
 * A fresh, migrated PostgreSQL database (cloned from the run's template, global-setup.ts), dropped after the test
 * (`test`) or after the file's last test (`file`, for one made in beforeAll); answers its URL. Throws without
 * TEST_DATABASE_URL.
 */
export async function testDatabaseUrl(lifetime: 'test' | 'file' = 'test'): Promise<string> {
  const base = process.env.TEST_DATABASE_URL;
  const { template, prefix } = inject('postgres');
  if (!base || !template) throw new Error('the PostgreSQL tests need TEST_DATABASE_URL');
  const { name, url } = await cloneDatabase(base, template, prefix);
  (lifetime === 'file' ? fileDatabases : databases).push(name);
  return url;
}

/**
 * Builds the app as production does (real plugins, real migrations), on a fresh in-memory SQLite database,
 * seeded with the article's itinerary unless asked not to. Closed after each test.
 */
export async function buildTestApp(
  options: { seed?: boolean; databasePath?: string; config?: ConfigInput } = {},
): Promise<TestApp> {
  const config = loadConfig(
    {},
    {
      DATABASE_PATH: options.databasePath ?? ':memory:',
      // On PostgreSQL every app has a database of its own, as every app has its own `:memory:` on SQLite.
      ...(TEST_ENGINE === 'postgres' && options.databasePath === undefined
        ? { DATABASE_URL: await testDatabaseUrl() }
        : {}),
      SEED_ON_START: options.seed === false ? 'false' : 'true',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      // Tests send many requests quickly from one address; the limiter has tests of its own.
      RATE_LIMIT_MAX: 1_000_000,
      ...options.config,
    },
  );
  const queries: string[] = [];
  const app = await buildApp(config, { logger: false, onQuery: (sql) => queries.push(sql) });
  open.push(app);
  // Names are unique even when two apps share a database file (restarts, backups).
  const token = async (
    scope: 'read' | 'write' | 'admin',
    name = `test-${scope}-${randomUUID().slice(0, 8)}`,
  ) => (await app.database.transaction((tx) => app.repos.keys.create({ name, scope }, tx))).token;
  const api = supertest.agent(app.server).set('authorization', `Bearer ${await token('admin')}`);
  queries.length = 0;
  return { app, databaseUrl: config.DATABASE_URL, api, anon: supertest.agent(app.server), token, queries };
}

export const PROBLEM = /^application\/problem\+json/;

/**
 * The rows of a plain SQL query (text both engines read) run in a read of the app's database: what tests look at
 * behind the API on SQLite and PostgreSQL alike. Counts come back as numbers on both.
 */
export async function sqlRows<Row = Record<string, unknown>>(
  app: FastifyInstance,
  text: string,
): Promise<Row[]> {
  return app.database.read((tx) => queryRows<Row>(tx, sql.raw(text)));
}

/**
 * Runs a statement (drizzle's `sql` template, so values go in as parameters on either engine) in a transaction of
 * the app's database, as rows written below the API's validation would be; answers how many rows it changed.
 */
export async function sqlExec(app: FastifyInstance, statement: SQL): Promise<number> {
  return app.database.transaction((tx) => runStatement(tx, statement));
}

/**
 * Text as the engine can store it: PostgreSQL refuses the NUL character in text outright (so no stored row can hold
 * one), SQLite keeps it; tests of what happens to stored control characters store what the engine allows.
 */
export const storable = (text: string): string =>
  TEST_ENGINE === 'postgres' ? text.replaceAll('\u0000', '') : text;

/** The messages of an error and of its causes, one after the other (drizzle wraps the engine's errors). */
export function messagesOf(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages.join(' <- ');
}

/** What a promise rejected with, or undefined when it resolved. */
export const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** How many rows `table` holds. */
export async function countRows(app: FastifyInstance, table: string): Promise<number> {
  const [row] = await sqlRows<{ n: number }>(app, `select count(*) as n from ${table}`);
  return Number(row?.n ?? 0);
}

/** A valid body for each resource, to vary per test. */
export const newParticipant = (over: Record<string, unknown> = {}) => ({
  kind: 'person',
  name: 'Marcelo Ebrard',
  title: 'Foreign Minister',
  country: 'MX',
  ...over,
});

export const newTrip = (travelerId: number, over: Record<string, unknown> = {}) => ({
  title: 'Test trip',
  travelerId,
  startDate: '2019-03-01',
  endDate: '2019-03-04',
  ...over,
});

export const newStop = (over: Record<string, unknown> = {}) => ({
  city: 'Lima',
  country: 'PE',
  timeZone: 'America/Lima',
  arrivalDate: '2019-03-01',
  departureDate: '2019-03-02',
  latitude: -12.0464,
  longitude: -77.0428,
  ...over,
});

export const newMeeting = (over: Record<string, unknown> = {}) => ({
  kind: 'bilateral',
  title: 'Talks with the Foreign Minister',
  date: '2019-03-01',
  ...over,
});

/** The Location header of a creation response. */
export function locationOf(res: { headers: Record<string, string | undefined> }): string {
  const location = res.headers.location;
  if (!location) throw new Error('the response has no Location header');
  return location;
}

/**
 * A migrations folder at `dir` holding only the migrations before the one whose tag ends with `tagSuffix`
 * (`_search_index`), so that migrating with it gives a database as it was before that migration. Answers the folder
 * and the migration's tag; throws when the journal has no such migration.
 */
export function migrationsBefore(tagSuffix: string, dir: string): { folder: string; tag: string } {
  const real = migrationsFolder();
  const journal = JSON.parse(readFileSync(join(real, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const own = journal.entries.find((e) => e.tag.endsWith(tagSuffix));
  if (!own) throw new Error(`no migration ending in ${tagSuffix} is in the journal`);
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const earlier = journal.entries.filter((e) => e.idx < own.idx);
  for (const { tag } of earlier) copyFileSync(join(real, `${tag}.sql`), join(dir, `${tag}.sql`));
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: earlier }));
  return { folder: dir, tag: own.tag };
}
