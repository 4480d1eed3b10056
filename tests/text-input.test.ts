import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { engineOf } from '../src/db/connection.js';
import { checkText } from '../src/db/maintenance.js';
import {
  buildTestApp,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  PROBLEM,
  type TestApp,
} from './helpers.js';

// Issue 11, "Text that breaks readers" (the input side): every text field of every resource is normalised on the
// way in (line ends to \n, NFC) and refused with a 400 naming the field when it holds another control character
// (tab aside) or half a character (a lone UTF-16 surrogate); db:check finds such text stored below the API.

const dir = mkdtempSync(join(tmpdir(), 'itinerary-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = (over: Record<string, unknown> = {}) => ({
  title: 'Readout',
  publisher: 'State Department',
  publishedAt: '2018',
  url: null,
  quote: 'The Secretary met the minister.',
  ...over,
});

const context = (over: Record<string, unknown> = {}) => ({
  kind: 'event',
  title: 'Summit of the Americas',
  description: null,
  date: '2018-04',
  city: 'Lima',
  country: 'PE',
  sources: [],
  ...over,
});

/**
 * Every text field that a resource takes, nested ones included: how to send a value in it, and the path the
 * problem must name. The seed's trip 1, stop 4 and participant 1 exist.
 */
const FIELDS: {
  path: string;
  send: (api: TestApp['api'], value: string) => ReturnType<TestApp['api']['post']>;
}[] = [
  { path: 'body.name', send: (api, v) => api.post('/participants').send(newParticipant({ name: v })) },
  { path: 'body.title', send: (api, v) => api.post('/participants').send(newParticipant({ title: v })) },
  {
    path: 'body.organization',
    send: (api, v) => api.post('/participants').send(newParticipant({ organization: v })),
  },
  { path: 'body.name', send: (api, v) => api.patch('/participants/1').send({ name: v }) },
  { path: 'body.title', send: (api, v) => api.post('/trips').send(newTrip(1, { title: v })) },
  { path: 'body.summary', send: (api, v) => api.post('/trips').send(newTrip(1, { summary: v })) },
  { path: 'body.topics.1', send: (api, v) => api.post('/trips').send(newTrip(1, { topics: ['trade', v] })) },
  {
    path: 'body.context.0.title',
    send: (api, v) => api.post('/trips').send(newTrip(1, { context: [context({ title: v })] })),
  },
  {
    path: 'body.context.0.description',
    send: (api, v) => api.post('/trips').send(newTrip(1, { context: [context({ description: v })] })),
  },
  {
    path: 'body.context.0.city',
    send: (api, v) => api.post('/trips').send(newTrip(1, { context: [context({ city: v })] })),
  },
  {
    path: 'body.context.0.sources.0.quote',
    send: (api, v) =>
      api.post('/trips').send(newTrip(1, { context: [context({ sources: [source({ quote: v })] })] })),
  },
  {
    path: 'body.sources.0.title',
    send: (api, v) => api.post('/trips').send(newTrip(1, { sources: [source({ title: v })] })),
  },
  {
    path: 'body.sources.0.publisher',
    send: (api, v) => api.post('/trips').send(newTrip(1, { sources: [source({ publisher: v })] })),
  },
  {
    path: 'body.sources.0.recordId',
    send: (api, v) => api.post('/trips').send(newTrip(1, { sources: [source({ recordId: v })] })),
  },
  { path: 'body.title', send: (api, v) => api.patch('/trips/1').send({ title: v }) },
  {
    path: 'body.city',
    send: (api, v) => api.post('/trips/1/stops').send(newStop({ city: v, position: 99 })),
  },
  { path: 'body.notes', send: (api, v) => api.patch('/stops/4').send({ notes: v }) },
  {
    path: 'body.sources.0.quote',
    send: (api, v) => api.patch('/stops/4').send({ sources: [source({ quote: v })] }),
  },
  { path: 'body.title', send: (api, v) => api.post('/stops/4/meetings').send(newMeeting({ title: v })) },
  {
    path: 'body.description',
    send: (api, v) => api.post('/stops/4/meetings').send(newMeeting({ description: v })),
  },
  {
    path: 'body.topics.0',
    send: (api, v) => api.post('/stops/4/meetings').send(newMeeting({ topics: [v] })),
  },
  {
    path: 'body.sources.0.quote',
    send: (api, v) => api.post('/stops/4/meetings').send(newMeeting({ sources: [source({ quote: v })] })),
  },
  { path: 'body.title', send: (api, v) => api.patch('/meetings/1').send({ title: v }) },
  { path: 'query.q', send: (api, v) => api.get('/participants').query({ q: v }) },
  { path: 'query.q', send: (api, v) => api.get('/meetings').query({ q: v }) },
  { path: 'query.topic', send: (api, v) => api.get('/trips').query({ topic: v }) },
  { path: 'query.city', send: (api, v) => api.get('/stops').query({ city: v }) },
  { path: 'query.q', send: (api, v) => api.get('/search').query({ q: v }) },
  // A NUL in the audit's key filter reached PostgreSQL, which refuses it in text: a 500 before it was text().
  { path: 'query.key', send: (api, v) => api.get('/audit').query({ key: v }) },
];

async function refused(api: TestApp['api'], field: (typeof FIELDS)[number], value: string): Promise<string> {
  const res = await field.send(api, value);
  expect(res.status, `${field.path}: ${res.text}`).toBe(400);
  expect(res.headers['content-type']).toMatch(PROBLEM);
  expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([field.path]);
  return res.body.errors[0].message as string;
}

describe('control characters', () => {
  it('stores Windows line ends as \\n: "first line\\r\\nsecond line"', async () => {
    const { api } = await buildTestApp();
    const created = await api
      .post('/stops/4/meetings')
      .send(newMeeting({ description: 'first line\r\nsecond line', date: null }))
      .expect(201);
    expect(created.body.description).toBe('first line\nsecond line');
    const read = await api.get(`/meetings/${created.body.id}`).expect(200);
    expect(read.body.description).toBe('first line\nsecond line');
    // A lone CR and Unicode's other line ends are line ends too; a tab stays.
    const other = await api
      .patch(`/meetings/${created.body.id}`)
      .send({ description: 'a\rb\u2028c\u0085d\te' })
      .expect(200);
    expect(other.body.description).toBe('a\nb\nc\nd\te');
  });

  it('refuses a title with U+0015 or a NUL, naming body.title', async () => {
    const { api } = await buildTestApp();
    const meetingTitle: (typeof FIELDS)[number] = {
      path: 'body.title',
      send: (api, v) => api.post('/stops/4/meetings').send(newMeeting({ title: v })),
    };
    expect(await refused(api, meetingTitle, 'Talks\u0015')).toBe(
      'holds the control character U+0015; only tab and line breaks may appear in text',
    );
    expect(await refused(api, meetingTitle, 'Talks\u0000 with the minister')).toBe(
      'holds the control character U+0000; only tab and line breaks may appear in text',
    );
    // Nothing was stored.
    const titles = (await api.get('/meetings?limit=200').expect(200)).body.data.map(
      (m: { title: string }) => m.title,
    );
    expect(titles.filter((t: string) => t.startsWith('Talks'))).toEqual([]);
  });

  it.each(FIELDS.map((field) => [field.path, field] as const))(
    'refuses control characters, DEL and C1 in %s, naming it',
    async (_path, field) => {
      const { api } = await buildTestApp();
      for (const value of ['bad\u0001', 'bad\u001b[31m', 'bad\u007f', 'bad\u009b']) {
        expect(await refused(api, field, value)).toMatch(/^holds the control character U\+00[0-9A-F]{2}/);
      }
    },
  );
});

describe('half a character', () => {
  // Only JSON can carry a lone surrogate (as the escape \ud83c); a URL's query is UTF-8 bytes, whose decoding
  // turns a bad sequence into U+FFFD.
  const bodyFields = FIELDS.filter((field) => field.path.startsWith('body.'));

  it.each(bodyFields.map((field) => [field.path, field] as const))(
    'refuses a lone surrogate in %s, naming it',
    async (_path, field) => {
      const { api } = await buildTestApp();
      expect(await refused(api, field, 'Rex \ud83c')).toBe(
        'holds half a character (a lone UTF-16 surrogate)',
      );
      expect(await refused(api, field, '\udc00x')).toBe('holds half a character (a lone UTF-16 surrogate)');
    },
  );

  it('accepts a whole emoji', async () => {
    const { api } = await buildTestApp();
    const created = await api
      .post('/participants')
      .send(newParticipant({ name: 'Rex 🏳 Tillerson' }))
      .expect(201);
    expect(created.body.name).toBe('Rex 🏳 Tillerson');
  });

  it('db:check reports a row whose text is not UTF-8, written below the API', async () => {
    const path = join(dir, 'half.db');
    const { app } = await buildTestApp({ databasePath: path });
    expect(checkText(engineOf(app.database).sqlite)).toEqual([]);
    // What a lone surrogate becomes when a client of SQLite binds it: ED A0 BC, which is not UTF-8.
    engineOf(app.database).sqlite.exec(
      `update participants set name = cast(x'526578EDA0BC' as text) where id = 3`,
    );
    const faults = checkText(engineOf(app.database).sqlite);
    expect(faults).toContain('participants row 3: name is not valid UTF-8');
    await app.close();

    const check = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../src/cli/check.ts', import.meta.url))],
      { env: { ...process.env, DATABASE_PATH: path }, encoding: 'utf8', timeout: 30_000 },
    );
    expect(check.status, check.stderr).toBe(1);
    expect(check.stderr.split('\n')).toContain('participants row 3: name is not valid UTF-8');
  });
});
