import { describe, expect, it } from 'vitest';
import { matchExpression } from '../src/repositories/dialect.js';
import { searchWords, snippetHtml, snippetOf } from '../src/repositories/search-repository.js';
import {
  buildTestApp,
  locationOf,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  PROBLEM,
  type TestApp,
} from './helpers.js';

type Result = { type: string; id: number; title: string; snippet: string; tripId: number | null };
type PageBody = { data: Result[]; nextCursor: string | null; total?: number };

const search = async (api: TestApp['api'], query: Record<string, string>) =>
  (await api.get('/search').query(query).expect(200)).body as PageBody;

const titles = (body: PageBody) => body.data.map((r) => `${r.type}:${r.title}`);

/** Follows nextCursor (checking the Link header each time) and collects every result. */
async function walk(api: TestApp['api'], first: string): Promise<Result[]> {
  const items: Result[] = [];
  let url: string | null = first;
  while (url) {
    const res = await api.get(url).expect(200);
    const body = res.body as PageBody;
    items.push(...body.data);
    if (body.nextCursor) {
      const link = /^<([^>]+)>; rel="next"$/.exec(res.headers.link ?? '');
      expect(link, 'a Link header on every page but the last').not.toBeNull();
      const next = new URL(link?.[1] ?? '', 'http://x');
      expect(next.searchParams.get('cursor')).toBe(body.nextCursor);
      url = `${next.pathname}${next.search}`;
    } else {
      expect(res.headers.link).toBeUndefined();
      url = null;
    }
  }
  return items;
}

describe('GET /search', () => {
  it('ignores case and accents, and carries type, id, title, a marked snippet and the trip', async () => {
    const { api } = await buildTestApp();
    const pena = await search(api, { q: 'pena nieto' });
    expect(pena.data[0]).toEqual({
      type: 'participant',
      id: 3,
      title: 'Enrique Peña Nieto',
      snippet: 'Enrique <mark>Peña</mark> <mark>Nieto</mark>',
      tripId: null,
    });
    const meeting = pena.data.find((r) => r.type === 'meeting');
    expect(meeting).toMatchObject({ title: 'Meeting with President Enrique Peña Nieto', tripId: 1 });
    expect(meeting?.snippet).toContain('<mark>Peña</mark> <mark>Nieto</mark>');

    const bogota = await search(api, { q: 'BOGOTA' });
    expect(bogota.data).toEqual([
      { type: 'stop', id: 6, title: 'Bogotá', snippet: '<mark>Bogotá</mark>', tripId: 1 },
    ]);
    // A base letter followed by a combining tilde is the same ñ.
    expect(titles(await search(api, { q: 'Pen\u0303a' }))).toContain('participant:Enrique Peña Nieto');
  });

  it('matches the last word as a prefix, for type-ahead, and the others as whole words', async () => {
    const { api } = await buildTestApp();
    const vide = await search(api, { q: 'vide' });
    expect(vide.data[0]).toMatchObject({ type: 'participant', title: 'Luis Videgaray' });
    expect(vide.data[0]?.snippet).toBe('Luis <mark>Videgaray</mark>');
    expect(titles(await search(api, { q: 'luis vide' }))).toContain('participant:Luis Videgaray');
    // "vide" is not a word of its own, so only the last word may be cut short.
    expect((await search(api, { q: 'vide luis' })).data).toEqual([]);
    expect(titles(await search(api, { q: 'bue' }))).toContain('stop:Buenos Aires');
  });

  it('ranks a match in a name or title above one in the text', async () => {
    const { api } = await buildTestApp();
    const macri = titles(await search(api, { q: 'macri' }));
    const person = macri.indexOf('participant:Mauricio Macri');
    const meeting = macri.indexOf('meeting:Meeting with President Mauricio Macri');
    // The Buenos Aires stop names Macri only in its notes.
    const stop = macri.indexOf('stop:Buenos Aires');
    expect(person).toBe(0);
    expect(meeting).toBeGreaterThan(person);
    expect(stop).toBeGreaterThan(meeting);

    // Every word must match: the meeting with Peña Nieto, not every meeting with a president.
    const both = titles(await search(api, { q: 'president nieto' }));
    expect(both).toContain('meeting:Meeting with President Enrique Peña Nieto');
    expect(both).not.toContain('meeting:Meeting with President Mauricio Macri');
  });

  it('indexes topics, descriptions, notes, offices and organizations', async () => {
    const { api } = await buildTestApp();
    expect(titles(await search(api, { q: 'transnational crime' }))).toContain(
      "trip:Secretary Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica",
    );
    const office = await search(api, { q: 'prime minister', type: 'participant' });
    expect(titles(office)).toEqual(['participant:Andrew Holness']);
    expect(office.data[0]?.snippet).toBe('<mark>Prime</mark> <mark>Minister</mark>');
  });

  it('filters by type, repeated or comma-separated', async () => {
    const { api } = await buildTestApp();
    const meetings = await search(api, { q: 'macri', type: 'meeting' });
    expect(meetings.data.length).toBeGreaterThan(0);
    expect(meetings.data.every((r) => r.type === 'meeting')).toBe(true);
    const two = await api.get('/search?q=macri&type=meeting&type=stop').expect(200);
    const comma = await api.get('/search?q=macri&type=meeting,stop').expect(200);
    expect(new Set(two.body.data.map((r: Result) => r.type))).toEqual(new Set(['meeting', 'stop']));
    expect(comma.body).toEqual(two.body);
    const bad = await api.get('/search?q=macri&type=city').expect(400).expect('content-type', PROBLEM);
    expect(bad.body.errors[0].path).toMatch(/^query\.type/);
  });

  it('escapes the text of a snippet, and keeps the title as plain text', async () => {
    const { api } = await buildTestApp();
    const name = '<img src=x onerror="alert(1)"> Zyxw & \'Qrst\'';
    await api
      .post('/participants')
      .send(newParticipant({ name, title: null }))
      .expect(201);
    const [hit] = (await search(api, { q: 'zyxw' })).data;
    expect(hit?.title).toBe(name);
    expect(hit?.snippet).toBe(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>Zyxw</mark> &amp; &#39;Qrst&#39;',
    );
  });

  it('turns snippet markers into balanced <mark> tags, whatever the stored text holds', () => {
    expect(snippetHtml('a \u0002b\u0003 <c>')).toBe('a <mark>b</mark> &lt;c&gt;');
    // Stray markers from stored text: no unbalanced or nested tags.
    expect(snippetHtml('x\u0003y\u0002z\u0002w')).toBe('xy<mark>zw</mark>');
  });

  it('cuts a snippet from the text as written, around the most of the query words, marking them', () => {
    const body = Array.from({ length: 40 }, (_, i) => `w${i}`);
    body[20] = 'Straße';
    body[24] = 'Paweł';
    const html = snippetHtml(snippetOf('Title', body.join(' '), ['pawel', 'strasse']));
    // Sixteen words, the first window holding both; cut text is marked with an ellipsis at either end.
    expect(html).toBe(
      '…w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 <mark>Straße</mark> w21 w22 w23 <mark>Paweł</mark>…',
    );
    // The body on a tie with the title; the title when only it matches.
    expect(snippetHtml(snippetOf('Peña Nieto', 'Talks with Peña', ['pena']))).toBe(
      'Talks with <mark>Peña</mark>',
    );
    expect(snippetHtml(snippetOf('Peña Nieto', 'President', ['pena']))).toBe('<mark>Peña</mark> Nieto');
    // Characters of one Chinese word share a mark; the last word is also a prefix.
    expect(snippetHtml(snippetOf('在北京会见外交部长', null, ['北京']))).toBe(
      '在<mark>北京</mark>会见外交部长',
    );
    expect(snippetHtml(snippetOf('Luis Videgaray', null, ['vide']))).toBe('Luis <mark>Videgaray</mark>');
  });

  it('never passes user text to FTS5 as syntax', () => {
    expect(searchWords('NEAR("pena" nieto, 2)* col:val ^x -y')).toEqual([
      'near',
      'pena',
      'nieto',
      '2',
      'col',
      'val',
      'x',
      'y',
    ]);
    expect(matchExpression(['AND', 'pena'])).toBe('"and" AND "pena"*');
    // A run of Chinese is one word, which the query makes the phrase of its characters.
    expect(searchWords('会见 北京')).toEqual(['会见', '北京']);
    expect(matchExpression(['北京'])).toBe('"北 京"*');
    expect(searchWords('"*^():-\'\\%')).toEqual([]);
  });
});

describe('the search index follows writes', () => {
  it('finds a participant once created, by its new name once renamed, and not once deleted', async () => {
    const { api } = await buildTestApp();
    const path = locationOf(
      await api
        .post('/participants')
        .send(newParticipant({ name: 'Zyxw Qrst' }))
        .expect(201),
    );
    const id = Number(path.split('/').pop());
    expect((await search(api, { q: 'zyxw qrst' })).data).toEqual([
      {
        type: 'participant',
        id,
        title: 'Zyxw Qrst',
        snippet: '<mark>Zyxw</mark> <mark>Qrst</mark>',
        tripId: null,
      },
    ]);

    await api.patch(path).send({ name: 'Plugh Xyzzy' }).expect(200);
    expect((await search(api, { q: 'zyxw' })).data).toEqual([]);
    expect((await search(api, { q: 'xyzzy' })).data.map((r) => r.id)).toEqual([id]);

    await api.delete(path).expect(204);
    expect((await search(api, { q: 'xyzzy' })).data).toEqual([]);
  });

  it('indexes new trips, stops and meetings, their topics included, and drops them with a deleted trip', async () => {
    const { api } = await buildTestApp();
    const tripPath = locationOf(
      await api
        .post('/trips')
        .send(newTrip(1, { title: 'Frobozz tour', topics: ['Glorbnik'] }))
        .expect(201),
    );
    const tripId = Number(tripPath.split('/').pop());
    const stopPath = locationOf(
      await api
        .post(`${tripPath}/stops`)
        .send(newStop({ city: 'Quuxville', notes: 'Warbleton notes' }))
        .expect(201),
    );
    await api
      .post(`${stopPath}/meetings`)
      .send(newMeeting({ title: 'Snarfle summit', topics: ['Glorbnik'] }))
      .expect(201);

    expect(titles(await search(api, { q: 'glorbnik' })).sort()).toEqual([
      'meeting:Snarfle summit',
      'trip:Frobozz tour',
    ]);
    const stop = await search(api, { q: 'warbleton' });
    expect(stop.data).toMatchObject([{ type: 'stop', title: 'Quuxville', tripId }]);
    expect((await search(api, { q: 'snarfle' })).data).toMatchObject([{ type: 'meeting', tripId }]);

    await api.patch(stopPath).send({ city: 'Grault' }).expect(200);
    expect(titles(await search(api, { q: 'warbleton' }))).toEqual(['stop:Grault']);
    expect((await search(api, { q: 'quuxville' })).data).toEqual([]);

    await api.delete(tripPath).expect(204);
    for (const q of ['glorbnik', 'warbleton', 'snarfle', 'frobozz', 'grault']) {
      expect((await search(api, { q })).data, q).toEqual([]);
    }
  });

  it('drops the stops and meetings of a deleted seeded trip, and keeps its participants', async () => {
    const { api } = await buildTestApp();
    await api.delete('/trips/1').expect(204);
    expect((await search(api, { q: 'bogota' })).data).toEqual([]);
    expect(titles(await search(api, { q: 'pena nieto' }))).toEqual(['participant:Enrique Peña Nieto']);
    expect((await search(api, { q: 'tillerson', type: 'trip,stop,meeting' })).data).toEqual([]);
  });
});

describe('hostile search input', () => {
  const inputs = [
    '"',
    'AND',
    '*',
    'NEAR(',
    'NEAR(pena nieto, 2)',
    'a OR',
    'NOT pena',
    '-x',
    '^',
    '^pena',
    'col:val',
    'title:pena',
    '{title body}: pena',
    '((',
    ')',
    "'",
    '\\',
    '%',
    '_',
    '"pena',
    'pena"',
    'pena*',
    '+',
    '\u0000',
    '🙂',
    '\u0002x\u0003',
    '',
    '   ',
    'x'.repeat(200),
    'x '.repeat(100),
    'x'.repeat(201),
    'x'.repeat(1000),
  ];

  it.each(inputs.map((q) => [JSON.stringify(q).slice(0, 40), q]))(
    'q=%s answers 200 or a 400 problem',
    async (_, q) => {
      const { api } = await buildTestApp();
      const res = await api.get('/search').query({ q });
      expect([200, 400], `status ${res.status}: ${JSON.stringify(res.body)}`).toContain(res.status);
      if (res.status === 200) {
        expect(Array.isArray(res.body.data)).toBe(true);
      } else {
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.q']);
      }
    },
  );

  it('names query.q when it is missing, empty, too long, repeated or without a word', async () => {
    const { api } = await buildTestApp();
    const message = async (url: string) => {
      const res = await api.get(url).expect(400).expect('content-type', PROBLEM);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].path).toBe('query.q');
      return res.body.errors[0].message as string;
    };
    await message('/search');
    expect(await message('/search?q=')).toBe('must not be empty');
    expect(await message(`/search?q=${'x'.repeat(201)}`)).toBe('must be at most 200 characters');
    expect(await message('/search?q=%22*%5E')).toBe('must contain a letter or a digit');
    await message('/search?q=a&q=b');
    await api.get('/search?q=pena&sort=title').expect(400);
  });

  it('reads operators as plain words', async () => {
    const { api } = await buildTestApp();
    // "NOT" and "OR" are words to find, not operators: nothing has both words with pena.
    expect((await search(api, { q: 'NOT pena' })).data).toEqual([]);
    expect((await search(api, { q: 'pena OR bogota' })).data).toEqual([]);
    // Quotes, stars and column names around words leave the words.
    expect(titles(await search(api, { q: '"bogota"*' }))).toEqual(['stop:Bogotá']);
    expect(titles(await search(api, { q: 'title:bogota' }))).toEqual([]);
  });
});

describe('search pagination', () => {
  it('walks every result once with limit=1, in the order of a single page, and counts them', async () => {
    const { api } = await buildTestApp();
    const all = await search(api, { q: 'minister', limit: '200', count: 'true' });
    expect(all.data.length).toBeGreaterThan(5);
    expect(all.total).toBe(all.data.length);
    expect(all.nextCursor).toBeNull();

    const walked = await walk(api, '/search?q=minister&limit=1');
    expect(walked).toEqual(all.data);
    expect(new Set(walked.map((r) => `${r.type}:${r.id}`)).size).toBe(walked.length);

    const typed = await walk(api, '/search?q=minister&type=meeting&limit=2');
    expect(typed).toEqual(all.data.filter((r) => r.type === 'meeting'));
  });

  it('breaks ties of equal rank by id across pages', async () => {
    const { api, app } = await buildTestApp();
    await app.database.transaction(async (tx) => {
      for (let i = 0; i < 30; i += 1) {
        await app.repos.participants.create(
          { kind: 'person', name: 'Twin Zyxwvut', title: null, country: null, organization: null },
          tx,
        );
      }
    });
    const walked = await walk(api, '/search?q=zyxwvut&limit=7');
    expect(walked).toHaveLength(30);
    const ids = walked.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('answers 400 for a forged cursor or one from another search', async () => {
    const { api } = await buildTestApp();
    const forged = await api
      .get('/search?q=minister&cursor=not-a-cursor')
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(forged.body.errors[0].path).toBe('query.cursor');
    const wrongShape = Buffer.from(JSON.stringify({ s: 'rank', f: 'x', k: [{ $gt: 1 }, 'a', 1] })).toString(
      'base64url',
    );
    await api.get(`/search?q=minister&cursor=${wrongShape}`).expect(400);

    const { nextCursor } = await search(api, { q: 'minister', limit: '1' });
    expect(nextCursor).toEqual(expect.any(String));
    const other = await api.get(`/search?q=president&limit=1&cursor=${nextCursor}`).expect(400);
    expect(other.body.errors[0].path).toBe('query.cursor');
    await api.get(`/search?q=minister&type=meeting&cursor=${nextCursor}`).expect(400);
    await api.get(`/trips?cursor=${nextCursor}`).expect(400);
    await api.get(`/search?q=minister&limit=3&cursor=${nextCursor}`).expect(200);
  });

  it('answers CSV like any collection', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .get('/search?q=bogota&format=csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    // CSV carries the snippet as plain text, not its <mark> HTML.
    expect(res.text).toBe('type,id,title,snippet,tripId\r\nstop,6,Bogotá,Bogotá,1\r\n');
  });
});
