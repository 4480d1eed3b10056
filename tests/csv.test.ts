import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { acceptQuality, toCsv } from '../src/plugins/csv.js';
import { buildTestApp, locationOf, newParticipant, newTrip, PROBLEM } from './helpers.js';

const CSV = 'text/csv; charset=utf-8';

/** Rows as objects keyed by the header row; every value is text. */
const rowsOf = (text: string): Record<string, string>[] => parse(text, { columns: true });
const headerOf = (text: string): string[] => (parse(text, { to_line: 1 }) as string[][])[0] ?? [];

describe('collections as CSV', () => {
  it('Accept: text/csv answers RFC 4180 CSV: a header row, a row per item, CRLF line ends', async () => {
    const { api } = await buildTestApp();
    const json = await api.get('/participants').expect(200);
    const res = await api.get('/participants').set('accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toBe(CSV);
    expect(res.headers.vary).toMatch(/\bAccept\b/);
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(13);
    expect(headerOf(res.text)).toEqual(Object.keys(json.body.data[0]));
    expect(rows.map((row) => row.name)).toEqual(json.body.data.map((p: { name: string }) => p.name));
    expect(rows.map((row) => Number(row.id))).toEqual(json.body.data.map((p: { id: number }) => p.id));
    const lines = res.text.split('\r\n');
    expect(lines).toHaveLength(13 + 2);
    expect(lines.at(-1)).toBe('');
    expect(res.text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('null is an empty cell, a list of strings is joined with "; ", objects are their JSON', async () => {
    const { api } = await buildTestApp();
    const json = await api.get('/trips').expect(200);
    const res = await api.get('/trips').set('accept', 'text/csv').expect(200).expect('content-type', CSV);
    const [row] = rowsOf(res.text);
    const trip = json.body.data[0];
    expect(row?.id).toBe('1');
    expect(row?.topics).toBe(trip.topics.join('; '));
    expect(row?.topics).toContain('Venezuela; US leadership in the region; trade');
    expect(JSON.parse(row?.sources ?? '')).toEqual(trip.sources);
    expect(JSON.parse(row?.context ?? '')).toEqual(trip.context);
    const participants = rowsOf((await api.get('/participants').set('accept', 'text/csv').expect(200)).text);
    expect(participants.find((p) => p.name === 'Mauricio Macri')?.organization).toBe('');
  });

  it('quotes, commas and newlines in a value survive a round trip', async () => {
    const { api } = await buildTestApp();
    const name = 'Smith, "Jr."\nII';
    const created = await api.post('/participants').send(newParticipant({ name })).expect(201);
    expect(created.body.name).toBe(name);
    const res = await api.get('/participants').set('accept', 'text/csv').expect(200);
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(14);
    expect(rows.find((row) => row.id === String(created.body.id))?.name).toBe(name);
    expect(res.text).toContain('"Smith, ""Jr.""\nII"');
  });

  it('?format=csv answers CSV, and ?format=json wins over Accept', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips?format=csv').expect(200).expect('content-type', CSV);
    expect(rowsOf(res.text)[0]?.title).toMatch(/^Secretary Tillerson/);
    const json = await api.get('/trips?format=json').set('accept', 'text/csv').expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.data).toHaveLength(1);
  });

  it('JSON stays the answer unless Accept prefers CSV', async () => {
    const { api } = await buildTestApp();
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['application/json', false],
      ['*/*', false],
      ['application/json, text/csv', false],
      ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
      ['text/csv;q=0.5, application/json', false],
      ['image/png', false],
      ['text/csv', true],
      ['application/json;q=0.5, text/csv', true],
      ['text/csv, */*;q=0.1', true],
    ];
    for (const [accept, csv] of cases) {
      const req = api.get('/trips/1/stops');
      const res = await (accept === undefined ? req : req.set('accept', accept)).expect(200);
      expect(res.headers['content-type'], accept).toBe(csv ? CSV : 'application/json; charset=utf-8');
    }
  });

  it('keeps the Link header of a page, and the rows are that page', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/participants?limit=5').set('accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toBe(CSV);
    expect(res.headers.link).toMatch(/rel="next"/);
    expect(rowsOf(res.text)).toHaveLength(5);
  });

  it('an empty collection still has its header row', async () => {
    const { api } = await buildTestApp();
    const trip = await api.post('/trips').send(newTrip(1)).expect(201);
    const stops = await api.get('/trips/1/stops').set('accept', 'text/csv').expect(200);
    const res = await api
      .get(`${locationOf(trip)}/stops`)
      .set('accept', 'text/csv')
      .expect(200);
    expect(res.headers['content-type']).toBe(CSV);
    expect(res.text).toBe(`${headerOf(stops.text).join(',')}\r\n`);
    expect(rowsOf(res.text)).toEqual([]);
  });

  it('CSV has its own ETag, answers 304 to it, and HEAD matches GET', async () => {
    const { api } = await buildTestApp();
    const json = await api.get('/participants').expect(200);
    const csv = await api.get('/participants').set('accept', 'text/csv').expect(200);
    expect(csv.headers.etag).toMatch(/^"[^"]+"$/);
    expect(csv.headers.etag).not.toBe(json.headers.etag);
    await api
      .get('/participants')
      .set('accept', 'text/csv')
      .set('if-none-match', csv.headers.etag as string)
      .expect(304);
    await api
      .get('/participants')
      .set('accept', 'text/csv')
      .set('if-none-match', json.headers.etag as string)
      .expect(200);
    const head = await api.head('/participants').set('accept', 'text/csv').expect(200);
    expect(head.headers['content-type']).toBe(CSV);
    expect(head.headers.etag).toBe(csv.headers.etag);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(csv.text)));
  });

  it('a single resource asked for as CSV answers its JSON; an error stays problem+json', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/trips/1').set('accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.id).toBe(1);
    const missing = await api.get('/trips/999/stops').set('accept', 'text/csv').expect(404);
    expect(missing.headers['content-type']).toMatch(PROBLEM);
    const bad = await api.get('/trips?format=xml').expect(400).expect('content-type', PROBLEM);
    expect(bad.body.errors[0].path).toBe('query.format');
  });
});

describe('CSV building blocks', () => {
  it('columns are the known ones, then other keys in first-seen order', () => {
    const csv = toCsv(
      [
        { b: 1, a: [{ x: 1 }] },
        { c: true, a: [] },
      ],
      ['a'],
    );
    expect(csv).toBe('a,b,c\r\n"[{""x"":1}]",1,\r\n,,true\r\n');
    expect(toCsv([1, 2])).toBeUndefined();
    expect(toCsv([])).toBe('');
  });

  it('Accept quality comes from the most specific matching range', () => {
    expect(acceptQuality('text/*;q=0.3, text/csv;q=0.7, */*;q=0.1', 'text/csv')).toBe(0.7);
    expect(acceptQuality('text/*;q=0.3, */*;q=0.1', 'text/csv')).toBe(0.3);
    expect(acceptQuality('text/*;q=0.3, */*;q=0.1', 'application/json')).toBe(0.1);
    expect(acceptQuality('TEXT/CSV', 'text/csv')).toBe(1);
    expect(acceptQuality('image/png', 'text/csv')).toBe(0);
  });
});
