import { describe, expect, it } from 'vitest';
import { buildTestApp, PROBLEM, type TestApp } from './helpers.js';

type Item = { id: number };
type PageBody<T = Item> = { data: T[]; nextCursor: string | null; total?: number };

/** Follows nextCursor (checking the Link header each time) and collects every item. */
async function walk<T extends Item>(
  api: TestApp['api'],
  first: string,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let url: string | null = first;
  let pages = 0;
  while (url) {
    const res = await api.get(url).expect(200);
    const body = res.body as PageBody<T>;
    items.push(...body.data);
    pages += 1;
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
  return { items, pages };
}

/** 1,000 more trips by the seeded traveler, many sharing a start date, so the id must break ties. */
async function addTrips(app: TestApp['app'], n: number) {
  const statuses = ['planned', 'confirmed', 'completed', 'cancelled'] as const;
  await app.database.transaction(async (tx) => {
    for (let i = 0; i < n; i += 1) {
      const day = String((i % 28) + 1).padStart(2, '0');
      await app.repos.trips.create(
        {
          title: `Trip ${i}`,
          summary: null,
          travelerId: 1 + (i % 3),
          startDate: `2019-03-${day}`,
          endDate: `2019-04-${day}`,
          status: statuses[i % 4] ?? 'planned',
          topics: i % 10 === 0 ? ['Trade'] : [],
          context: [],
          sources: [],
        },
        tx,
      );
    }
  });
}

describe('cursor pagination', () => {
  it('walks 1,001 trips in pages, seeing each exactly once, in order, ties broken by id', async () => {
    const { api, app } = await buildTestApp();
    await addTrips(app, 1000);
    const { items, pages } = await walk<Item & { startDate: string }>(api, '/trips?limit=37');
    expect(pages).toBe(Math.ceil(1001 / 37));
    expect(new Set(items.map((t) => t.id)).size).toBe(1001);
    for (let i = 1; i < items.length; i += 1) {
      const [a, b] = [items[i - 1], items[i]] as [(typeof items)[0], (typeof items)[0]];
      expect(
        a.startDate < b.startDate || (a.startDate === b.startDate && a.id < b.id),
        `${a.id} before ${b.id}`,
      ).toBe(true);
    }
  });

  it('walks backwards with a reversed sort, and keeps filters across pages', async () => {
    const { api, app } = await buildTestApp();
    await addTrips(app, 200);
    const { items } = await walk<Item & { status: string; startDate: string }>(
      api,
      '/trips?limit=7&sort=-startDate&status=cancelled',
    );
    expect(items).toHaveLength(50);
    expect(items.every((t) => t.status === 'cancelled')).toBe(true);
    const keys = items.map((t) => `${t.startDate}#${String(t.id).padStart(6, '0')}`);
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('counts every match with count=true, and defaults to 50 per page', async () => {
    const { api, app } = await buildTestApp();
    await addTrips(app, 120);
    const res = await api.get('/trips?count=true').expect(200);
    expect(res.body.total).toBe(121);
    expect(res.body.data).toHaveLength(50);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    const last = await api.get('/trips?limit=200').expect(200);
    expect(last.body.data).toHaveLength(121);
    expect(last.body.nextCursor).toBeNull();
    expect(last.body.total).toBeUndefined();
  });

  it('answers 400 for a forged cursor, a cursor of another query, and a limit out of range', async () => {
    const { api, app } = await buildTestApp();
    await addTrips(app, 10);
    const forged = await api.get('/trips?cursor=not-a-cursor').expect(400).expect('content-type', PROBLEM);
    expect(forged.body.errors).toEqual([
      {
        path: 'query.cursor',
        message: 'is not a cursor this API issued; use the nextCursor of a previous page',
      },
    ]);
    const wrongShape = Buffer.from(JSON.stringify({ s: 'startDate', f: 'x', k: [{ $gt: 1 }] })).toString(
      'base64url',
    );
    await api.get(`/trips?cursor=${wrongShape}`).expect(400);

    const { nextCursor } = (await api.get('/trips?limit=2')).body as PageBody;
    const otherFilter = await api.get(`/trips?limit=2&status=planned&cursor=${nextCursor}`).expect(400);
    expect(otherFilter.body.errors[0].message).toContain('another sort');
    await api.get(`/trips?limit=2&sort=-startDate&cursor=${nextCursor}`).expect(400);
    await api.get(`/stops?cursor=${nextCursor}`).expect(400);
    // The same query with another page size may go on from the cursor.
    await api.get(`/trips?limit=5&cursor=${nextCursor}`).expect(200);

    for (const limit of ['0', '201', 'ten', '1.5']) {
      const res = await api.get(`/trips?limit=${limit}`).expect(400);
      expect(res.body.errors).toEqual([
        { path: 'query.limit', message: 'must be a whole number from 1 to 200' },
      ]);
    }
  });

  it('embeds parts on a collection at a fixed number of queries, whatever the page size', async () => {
    const { api, app, queries } = await buildTestApp();
    await addTrips(app, 30);
    const selects = () => queries.filter((q) => /^\s*select/i.test(q)).length;
    queries.length = 0;
    const small = await api.get('/trips?limit=2&include=stops,meetings,participants').expect(200);
    const few = selects();
    queries.length = 0;
    const big = await api.get('/trips?limit=31&include=stops,meetings,participants').expect(200);
    expect(selects()).toBe(few);
    expect(small.body.data[0].stops).toHaveLength(7);
    expect(small.body.data[0].traveler.name).toBe('Rex Tillerson');
    expect(big.body.data).toHaveLength(31);
  });
});

describe('trip filters', () => {
  it('matches trips whose dates overlap the window, both ends inclusive', async () => {
    const { api } = await buildTestApp();
    const ids = async (query: string) =>
      ((await api.get(`/trips?${query}`).expect(200)).body as PageBody).data.map((t) => t.id);
    expect(await ids('from=2018-02-07&to=2018-02-07')).toEqual([1]);
    expect(await ids('from=2018-02-01&to=2018-02-01')).toEqual([1]);
    expect(await ids('from=2018-02-08')).toEqual([]);
    expect(await ids('to=2018-01-31')).toEqual([]);
    const backwards = await api.get('/trips?from=2018-02-07&to=2018-02-01').expect(400);
    expect(backwards.body.errors).toEqual([
      { path: 'query.to', message: 'must be on or after from (2018-02-07)' },
    ]);
  });

  it('filters by country (repeated or comma-separated), traveler, participant, status, topic and text', async () => {
    const { api } = await buildTestApp();
    await api
      .post('/trips')
      .send({
        title: 'Trip to Canada',
        travelerId: 2,
        startDate: '2018-06-08',
        endDate: '2018-06-09',
        topics: ['Trade'],
      })
      .expect(201);
    const titles = async (query: string) =>
      ((await api.get(`/trips?${query}`).expect(200)).body as PageBody<{ title: string }>).data.map(
        (t) => t.title,
      );
    const tillerson = "Secretary Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica";
    expect(await titles('country=JM')).toEqual([tillerson]);
    expect(await titles('country=FR&country=AR')).toEqual([tillerson]);
    expect(await titles('country=FR,AR')).toEqual([tillerson]);
    expect(await titles('country=CA')).toEqual([]);
    expect(await titles('traveler=2')).toEqual(['Trip to Canada']);
    expect(await titles('participant=7')).toEqual([tillerson]);
    expect(await titles('participant=2')).toEqual([tillerson, 'Trip to Canada']);
    expect(await titles('status=completed')).toEqual([tillerson]);
    expect(await titles('status=planned,confirmed')).toEqual(['Trip to Canada']);
    expect(await titles('topic=venezuela')).toEqual([tillerson]);
    expect(await titles('topic=TRADE')).toEqual([tillerson, 'Trip to Canada']);
    expect(await titles('q=canada')).toEqual(['Trip to Canada']);
    expect(await titles('q=100%25')).toEqual([]);
    expect(await titles('country=MX&status=completed&from=2018-02-01')).toEqual([tillerson]);
    const bad = await api.get('/trips?country=Mexico&status=done').expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'query.country.0',
      'query.status.0',
    ]);
  });
});

describe('stop, meeting and participant filters', () => {
  it('finds stops by trip, country, city and an inclusive window over arrival–departure', async () => {
    const { api } = await buildTestApp();
    const cities = async (query: string) =>
      ((await api.get(`/stops?${query}`).expect(200)).body as PageBody<{ city: string }>).data.map(
        (s) => s.city,
      );
    expect(await cities('country=AR')).toEqual(['Bariloche', 'Buenos Aires']);
    expect(await cities('city=buenos%20aires')).toEqual(['Buenos Aires']);
    expect(await cities('from=2018-02-04&to=2018-02-04')).toEqual(['Buenos Aires']);
    expect(await cities('from=2018-02-05&to=2018-02-05')).toEqual(['Buenos Aires', 'Lima']);
    expect(await cities('from=2018-02-03&to=2018-02-03')).toEqual(['Bariloche']);
    // Across trips the default is chronological (undated last); within a trip, visit order.
    expect((await cities('trip=1'))[0]).toBe('Texas');
    expect((await cities('limit=200')).at(-1)).toBe('Texas');
    const visitOrder = (await api.get('/trips/1/stops?limit=3').expect(200)).body as PageBody<{
      position: number;
    }>;
    expect(visitOrder.data.map((s) => s.position)).toEqual([1, 2, 3]);
    const withMeetings = await api.get('/trips/1/stops?country=JM&include=meetings,participants').expect(200);
    expect(withMeetings.body.data[0].meetings[0].participants.length).toBe(3);
  });

  it('finds meetings by date window, participant, country, kind, status, topic and text', async () => {
    const { api } = await buildTestApp();
    const titles = async (query: string) =>
      ((await api.get(`/meetings?${query}`).expect(200)).body as PageBody<{ title: string }>).data.map(
        (m) => m.title,
      );
    expect(await titles('from=2018-02-04&to=2018-02-04')).toEqual([
      'Political consultations with Foreign Minister Jorge Faurie and cabinet members',
      'Watching the Super Bowl',
    ]);
    expect(await titles('participant=7')).toEqual(['Meeting with President Mauricio Macri']);
    expect((await titles('country=JM'))[0]).toMatch(/Holness/);
    expect(await titles('status=tentative')).toEqual(['Watching the Super Bowl']);
    expect(await titles('kind=tour,speech')).toHaveLength(2);
    expect(await titles('q=nahuel')).toEqual(['Horseback tour of Nahuel Huapi National Park']);
    expect(await titles('topic=regional%20issues')).toHaveLength(1);
    expect(await titles('trip=1&stop=4&from=2018-02-05')).toEqual(['Meeting with President Mauricio Macri']);
    const atStop = (await api.get('/stops/4/meetings?status=tentative').expect(200)).body as PageBody<{
      title: string;
    }>;
    expect(atStop.data.map((m) => m.title)).toEqual(['Watching the Super Bowl']);
    const all = await walk<Item & { date: string | null }>(api, '/meetings?limit=3');
    expect(all.items).toHaveLength(11);
    const dated = all.items.map((m) => m.date).filter((d) => d !== null);
    expect(dated).toEqual([...dated].sort());
    expect(all.items.at(-1)?.date).toBeNull();
  });

  it('finds participants by text, country and kind, and pages a meeting’s participants', async () => {
    const { api } = await buildTestApp();
    const names = async (query: string) =>
      ((await api.get(`/participants?${query}`).expect(200)).body as PageBody<{ name: string }>).data.map(
        (p) => p.name,
      );
    expect(await names('q=vide')).toEqual(['Luis Videgaray']);
    expect(await names('q=foreign%20minister&country=AR')).toEqual(['Jorge Faurie']);
    expect(await names('kind=group')).toHaveLength(2);
    expect(await names('sort=-name&limit=1')).toEqual(['Rex Tillerson']);
    const { items } = await walk<Item & { role: string }>(api, '/meetings/9/participants?limit=1');
    expect(items.map((p) => [p.id, p.role])).toEqual([
      [1, 'delegation_member'],
      [8, 'host'],
      [9, 'counterpart'],
    ]);
  });
});

describe('every sort of every collection', () => {
  type Row = Record<string, unknown> & { id: number };
  const UNDATED = '9999-12-31';
  const keyOf: Record<string, (r: Row) => (string | number)[]> = {
    startDate: (r) => [r.startDate as string],
    endDate: (r) => [r.endDate as string],
    title: (r) => [r.title as string],
    name: (r) => [r.name as string],
    createdAt: (r) => [r.createdAt as string],
    updatedAt: (r) => [r.updatedAt as string],
    position: (r) => [r.tripId as number, r.position as number],
    arrivalDate: (r) => [(r.arrivalDate ?? r.departureDate ?? UNDATED) as string],
    date: (r) => [(r.date ?? UNDATED) as string],
  };
  const compare = (a: (string | number)[], b: (string | number)[]) => {
    for (let i = 0; i < a.length; i += 1) {
      const [x, y] = [a[i] as string | number, b[i] as string | number];
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
  const cases: [string, string[]][] = [
    ['/trips', ['startDate', 'endDate', 'title', 'createdAt', 'updatedAt']],
    ['/stops', ['position', 'arrivalDate']],
    ['/meetings', ['date', 'createdAt', 'updatedAt']],
    ['/participants', ['name', 'createdAt', 'updatedAt']],
  ];

  it('pages through ties in each order, seeing each item once, in order, ascending and descending', async () => {
    const { api, app } = await buildTestApp();
    await addTrips(app, 60);
    // Ties on purpose: many trips share dates; several stops and meetings share dates and titles.
    for (let i = 0; i < 6; i += 1) {
      await api
        .post('/trips/1/stops')
        .send({ city: 'Tie', country: 'PE', timeZone: 'America/Lima', arrivalDate: '2018-02-06' })
        .expect(201);
      await api
        .post('/stops/4/meetings')
        .send({ kind: 'other', title: 'Same', date: '2018-02-04' })
        .expect(201);
      await api.post('/participants').send({ name: 'Same Name' }).expect(201);
    }
    for (const [path, sorts] of cases) {
      const all = ((await api.get(`${path}?limit=200`).expect(200)).body as PageBody<Row>).data.length;
      for (const sort of sorts) {
        for (const direction of ['', '-']) {
          const { items } = await walk<Row>(api, `${path}?limit=4&sort=${direction}${sort}`);
          expect(items.length, `${path} ${direction}${sort}`).toBe(all);
          expect(new Set(items.map((r) => r.id)).size, `${path} ${direction}${sort}`).toBe(all);
          const key = keyOf[sort] as (r: Row) => (string | number)[];
          for (let i = 1; i < items.length; i += 1) {
            const [a, b] = [items[i - 1] as Row, items[i] as Row];
            // Ties within the key are broken by id, in the same direction (meetings add the time of day).
            const order =
              compare(key(a), key(b)) || (path === '/meetings' && sort === 'date' ? 0 : a.id - b.id);
            if (direction === '') expect(order, `${path} ${sort} at ${i}`).toBeLessThanOrEqual(0);
            else expect(order, `${path} -${sort} at ${i}`).toBeGreaterThanOrEqual(0);
          }
        }
      }
    }
  });
});
