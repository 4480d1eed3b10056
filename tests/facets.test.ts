import { describe, expect, it } from 'vitest';
import { buildTestApp, newTrip, PROBLEM, TEST_ENGINE, type TestApp } from './helpers.js';

// Facets through the real app: every expected count is computed here from the rows the same list answers without
// facets (all of its pages), so the tests hold whatever the seed and the data below are.

type Value = string | number;
type Bucket = { value: Value; label: string; count: number; per?: { value: Value; label: string } };
type Trip = { id: number; travelerId: number; startDate: string; status: string; stops?: Stop[] };
type Stop = {
  id: number;
  tripId: number;
  country: string;
  arrivalDate: string | null;
  departureDate: string | null;
};
type Meeting = {
  id: number;
  tripId: number;
  stopId: number;
  kind: string;
  status: string;
  date: string | null;
};
type Api = TestApp['api'];

const zoneOf: Record<string, string> = {
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  JP: 'Asia/Tokyo',
  MX: 'America/Mexico_City',
  BR: 'America/Sao_Paulo',
  PE: 'America/Lima',
};

/** Two more travelers with trips over several decades, stops in several countries, and meetings of each kind. */
async function addData(api: Api) {
  const traveler = async (name: string) =>
    (await api.post('/participants').send({ kind: 'person', name, country: 'US' }).expect(201)).body
      .id as number;
  const ana = await traveler('Ana Ortiz');
  const bruno = await traveler('Bruno Keller');
  // Stops as [country, arrival, departure]: one across a new year, one known only by its departure, one undated.
  type Leg = [string, string | null, string | null];
  const trips: [number, string, string, string, Leg[]][] = [
    [
      ana,
      '1958-04-01',
      '1958-04-10',
      'completed',
      [
        ['FR', '1958-04-01', '1958-04-02'],
        ['DE', '1958-04-03', '1958-04-05'],
        ['FR', '1958-04-06', '1958-04-10'],
      ],
    ],
    [
      ana,
      '1963-05-01',
      '1963-05-09',
      'completed',
      [
        ['JP', '1963-05-01', '1963-05-04'],
        ['MX', null, '1963-05-09'],
      ],
    ],
    [
      ana,
      '1999-12-30',
      '2000-01-20',
      'planned',
      [
        ['FR', '1999-12-30', '2000-01-02'],
        ['BR', null, null],
      ],
    ],
    [
      bruno,
      '1961-02-01',
      '1961-02-05',
      'cancelled',
      [
        ['DE', '1961-02-01', '1961-02-02'],
        ['PE', '1961-02-03', '1961-02-05'],
      ],
    ],
    [bruno, '2004-07-01', '2004-07-03', 'planned', [['PE', '2004-07-01', null]]],
    [bruno, '2018-02-01', '2018-02-02', 'confirmed', []],
  ];
  const kinds = ['bilateral', 'speech', 'press'];
  const statuses = ['confirmed', 'planned', 'cancelled'];
  let n = 0;
  for (const [travelerId, startDate, endDate, status, stops] of trips) {
    const trip = await api
      .post('/trips')
      .send(newTrip(travelerId, { startDate, endDate, status }))
      .expect(201);
    for (const [country, arrivalDate, departureDate] of stops) {
      const stop = await api
        .post(`/trips/${trip.body.id}/stops`)
        .send({ city: `City ${country}`, country, timeZone: zoneOf[country], arrivalDate, departureDate })
        .expect(201);
      const day = arrivalDate ?? departureDate;
      for (let m = 0; m < 1 + (n % 3); m += 1, n += 1) {
        await api
          .post(`/stops/${stop.body.id}/meetings`)
          .send({
            kind: kinds[n % 3],
            status: statuses[(n + m) % 3],
            title: `Meeting ${n}`,
            date: n % 4 ? day : null,
          })
          .expect(201);
      }
    }
  }
  // Trips alone in other years, so that there are more than ten years.
  for (let year = 1970; year < 1980; year += 1) {
    await api
      .post('/trips')
      .send(newTrip(bruno, { startDate: `${year}-06-01`, endDate: `${year}-06-02` }))
      .expect(201);
  }
  return { ana, bruno };
}

/** Every item of a list, from all its pages (the list without facets). */
async function all<T>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${path}${separator}limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await api.get(url).expect(200);
    expect(res.body.facets).toBeUndefined();
    items.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

const yearOf = (date: string | null) => (date ? Number(date.slice(0, 4)) : null);
const decadeOf = (date: string | null) => (date ? Math.floor(Number(date.slice(0, 4)) / 10) * 10 : null);
const byCountThenValue = (a: { count: number; value: Value }, b: { count: number; value: Value }) =>
  b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** The names the API gives countries and participants, read from /countries and /participants. */
async function namesOf(api: Api) {
  const countries = await all<{ code: string; name: string }>(api, '/countries');
  const participants = await all<{ id: number; name: string }>(api, '/participants');
  const country = new Map(countries.map((c) => [c.code, c.name]));
  const person = new Map(participants.map((p) => [p.id, p.name]));
  return (field: string, value: Value): string =>
    field === 'country'
      ? (country.get(String(value)) ?? '?')
      : field === 'traveler'
        ? (person.get(Number(value)) ?? '?')
        : field === 'decade'
          ? `${value}s`
          : String(value);
}

/**
 * The buckets of a facet over `items`: each value of `values(item)` (null: none), counted by the distinct values
 * of `counted(item)` (by default the item itself), most first, ties by value; per group of `per(item)` when given.
 */
function tally<T>(
  items: T[],
  field: string,
  label: (field: string, value: Value) => string,
  values: (item: T) => (Value | null)[],
  options: {
    counted?: (item: T) => (Value | null)[];
    per?: [string, (item: T) => Value | null];
    limit?: number;
  } = {},
): Bucket[] {
  const counted = options.counted ?? ((item: T) => [JSON.stringify(item)]);
  const groups = new Map<Value, Map<Value, Set<Value>>>();
  for (const item of items) {
    const group = options.per ? options.per[1](item) : 0;
    if (group === null) continue;
    const sets = groups.get(group) ?? new Map<Value, Set<Value>>();
    groups.set(group, sets);
    for (const value of new Set(values(item))) {
      if (value === null) continue;
      const set = sets.get(value) ?? new Set<Value>();
      sets.set(value, set);
      for (const c of counted(item)) if (c !== null) set.add(c);
    }
  }
  return [...groups.keys()]
    .sort((a, b) => (a < b ? -1 : 1))
    .flatMap((group) =>
      [...(groups.get(group) ?? [])]
        .map(([value, set]) => ({ value, label: label(field, value), count: set.size }))
        .sort(byCountThenValue)
        .slice(0, options.limit ?? 10)
        .map((bucket) =>
          options.per ? { ...bucket, per: { value: group, label: label(options.per[0], group) } } : bucket,
        ),
    );
}

async function facets(api: Api, path: string): Promise<Record<string, Bucket[]>> {
  const res = await api.get(path).expect(200);
  return res.body.facets;
}

describe('facets', () => {
  it('counts trips per country, year, decade, traveler and status, most first, with labels', async () => {
    const { api } = await buildTestApp();
    await addData(api);
    const label = await namesOf(api);
    const trips = await all<Trip>(api, '/trips?include=stops');
    const got = await facets(api, '/trips?limit=1&facet=country,year,decade,traveler,status&facetLimit=100');
    const options = { limit: 100 };
    expect(got).toEqual({
      // A trip counts once in each country it visits, whatever its stops there.
      country: tally(trips, 'country', label, (t) => (t.stops ?? []).map((s) => s.country), options),
      year: tally(trips, 'year', label, (t) => [yearOf(t.startDate)], options),
      decade: tally(trips, 'decade', label, (t) => [decadeOf(t.startDate)], options),
      traveler: tally(trips, 'traveler', label, (t) => [t.travelerId], options),
      status: tally(trips, 'status', label, (t) => [t.status], options),
    });
    expect(got.country?.find((b) => b.value === 'FR')?.label).toBe('France');
    expect(got.country?.[0]?.count).toBeGreaterThan(1);
    expect(got.year?.length).toBeGreaterThan(10);
  });

  it('keeps facetLimit values (10 by default), the first of the whole order', async () => {
    const { api } = await buildTestApp();
    await addData(api);
    const every = (await facets(api, '/trips?facet=year&facetLimit=100')).year ?? [];
    expect(every.length).toBeGreaterThan(10);
    expect((await facets(api, '/trips?facet=year')).year).toEqual(every.slice(0, 10));
    expect((await facets(api, '/trips?facet=year&facetLimit=3')).year).toEqual(every.slice(0, 3));
    const counts = every.map((b) => b.count);
    expect(counts).toEqual(counts.toSorted((a, b) => b - a));
  });

  it('counts stops and meetings, and follows the same filters as the page', async () => {
    const { api } = await buildTestApp();
    const { ana } = await addData(api);
    const label = await namesOf(api);
    const trips = new Map((await all<Trip>(api, '/trips')).map((t) => [t.id, t]));
    const travelerOf = (tripId: number) => trips.get(tripId)?.travelerId ?? null;
    const options = { limit: 100 };

    for (const filter of ['', `traveler=${ana}`, 'country=FR,DE', 'from=1960-01-01&to=2000-12-31']) {
      const stops = await all<Stop>(api, `/stops?${filter}`);
      const arrival = (s: Stop) => s.arrivalDate ?? s.departureDate;
      expect(await facets(api, `/stops?${filter}&facet=country,year,decade,traveler&facetLimit=100`)).toEqual(
        {
          country: tally(stops, 'country', label, (s) => [s.country], options),
          year: tally(stops, 'year', label, (s) => [yearOf(arrival(s))], options),
          decade: tally(stops, 'decade', label, (s) => [decadeOf(arrival(s))], options),
          traveler: tally(stops, 'traveler', label, (s) => [travelerOf(s.tripId)], options),
        },
      );
    }
    const stops = new Map((await all<Stop>(api, '/stops')).map((s) => [s.id, s]));
    for (const filter of [
      '',
      `traveler=${ana}`,
      'kind=speech,press',
      'status=confirmed&country=FR,PE',
      'trip=1',
    ]) {
      const meetings = await all<Meeting>(api, `/meetings?${filter}`);
      expect(meetings.length).toBeGreaterThan(0);
      expect(
        await facets(
          api,
          `/meetings?${filter}&facet=country,year,decade,traveler,status,kind&facetLimit=100`,
        ),
      ).toEqual({
        country: tally(meetings, 'country', label, (m) => [stops.get(m.stopId)?.country ?? null], options),
        year: tally(meetings, 'year', label, (m) => [yearOf(m.date)], options),
        decade: tally(meetings, 'decade', label, (m) => [decadeOf(m.date)], options),
        traveler: tally(meetings, 'traveler', label, (m) => [travelerOf(m.tripId)], options),
        status: tally(meetings, 'status', label, (m) => [m.status], options),
        kind: tally(meetings, 'kind', label, (m) => [m.kind], options),
      });
    }
    const planned = await all<Trip>(api, '/trips?status=planned&include=stops');
    expect((await facets(api, '/trips?status=planned&facet=country')).country).toEqual(
      tally(planned, 'country', label, (t) => (t.stops ?? []).map((s) => s.country)),
    );
  });

  it('counts distinct values (facetDistinct) and counts within groups (facetPer)', async () => {
    const { api } = await buildTestApp();
    await addData(api);
    const label = await namesOf(api);
    const trips = new Map((await all<Trip>(api, '/trips')).map((t) => [t.id, t]));
    const travelerOf = (tripId: number) => trips.get(tripId)?.travelerId ?? null;
    const stops = await all<Stop>(api, '/stops');
    const arrival = (s: Stop) => s.arrivalDate ?? s.departureDate;

    // Which travelers visited the most countries.
    const countries = await facets(api, '/stops?facet=traveler&facetDistinct=country');
    expect(countries.traveler).toEqual(
      tally(stops, 'traveler', label, (s) => [travelerOf(s.tripId)], { counted: (s) => [s.country] }),
    );
    expect(countries.traveler?.[0]?.count).toBeGreaterThan(1);
    expect((await facets(api, '/stops?facet=country&facetDistinct=trip')).country).toEqual(
      tally(stops, 'country', label, (s) => [s.country], { counted: (s) => [s.tripId] }),
    );
    // Which countries were visited most in each decade.
    const decades = await facets(api, '/stops?facet=country&facetPer=decade&facetLimit=2');
    expect(decades.country).toEqual(
      tally(stops, 'country', label, (s) => [s.country], {
        per: ['decade', (s) => decadeOf(arrival(s))],
        limit: 2,
      }),
    );
    expect(new Set(decades.country?.map((b) => b.per?.label))).toContain('1950s');
    const tripsWithStops = await all<Trip>(api, '/trips?include=stops');
    expect(
      (await facets(api, '/trips?facet=country&facetPer=traveler&facetDistinct=year&facetLimit=100')).country,
    ).toEqual(
      tally(tripsWithStops, 'country', label, (t) => (t.stops ?? []).map((s) => s.country), {
        per: ['traveler', (t) => t.travelerId],
        counted: (t) => [yearOf(t.startDate)],
        limit: 100,
      }),
    );
  });

  it('describes the whole filtered set on every page, and leaves the cursor alone', async () => {
    const { api } = await buildTestApp();
    await addData(api);
    const first = await api.get('/trips?limit=2&facet=decade,status').expect(200);
    const next = await api
      .get(`/trips?limit=2&facet=decade,status&cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(next.body.facets).toEqual(first.body.facets);
    expect(next.body.data).not.toEqual(first.body.data);
    // The cursor belongs to the filters, not to the facets: the same page comes without them.
    const plain = await api.get(`/trips?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(plain.body.data).toEqual(next.body.data);
    expect(plain.body.facets).toBeUndefined();
    // CSV holds the items only, as it leaves out nextCursor and total.
    const csv = await api.get('/trips?format=csv&facet=country').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  });

  it('costs one query per facet, whatever the data', async () => {
    const t = await buildTestApp();
    const statements = async (path: string) => {
      t.queries.length = 0;
      await t.api.get(path).expect(200);
      return t.queries.length;
    };
    /** The statements a request with facets runs beyond the same request without them. */
    const extra = async (plain: string, faceted: string) => {
      await statements(plain);
      const without = await statements(plain);
      return (await statements(faceted)) - without;
    };
    const cost = async () => ({
      trips: await extra('/trips', '/trips?facet=country,year,decade,traveler,status'),
      stops: await extra('/stops', '/stops?facet=country,traveler&facetPer=decade&facetDistinct=trip'),
      meetings: await extra('/meetings', '/meetings?facet=kind,traveler,status'),
    });
    const small = await cost();
    // The query log of PostgreSQL's handle holds what drizzle runs, not plain SQL (the facets' queries): there the
    // test holds the bound, on SQLite also the exact cost.
    if (TEST_ENGINE === 'sqlite') expect(small).toEqual({ trips: 5, stops: 2, meetings: 3 });
    await addData(t.api);
    expect(await cost()).toEqual(small);
  });

  it('answers a 400 naming the parameter for a facet that is unknown or not of the collection, or a bad facetLimit', async () => {
    const { api } = await buildTestApp();
    const cases: [string, string][] = [
      ['/trips?facet=bogus', 'query.facet.0'],
      ['/trips?facet=country,kind', 'query.facet.1'],
      ['/stops?facet=status', 'query.facet.0'],
      ['/meetings?facet=', 'query.facet'],
      ['/trips?facet=country&facetLimit=0', 'query.facetLimit'],
      ['/trips?facet=country&facetLimit=101', 'query.facetLimit'],
      ['/stops?facet=country&facetLimit=ten', 'query.facetLimit'],
      ['/stops?facetLimit=5', 'query.facetLimit'],
      ['/stops?facet=country&facetDistinct=kind', 'query.facetDistinct'],
      ['/trips?facet=country&facetDistinct=trip', 'query.facetDistinct'],
      ['/meetings?facetDistinct=trip', 'query.facetDistinct'],
      ['/meetings?facet=kind&facetPer=trip', 'query.facetPer'],
      ['/trips?facetPer=decade', 'query.facetPer'],
    ];
    for (const [path, field] of cases) {
      const res = await api.get(path).expect(400).expect('content-type', PROBLEM);
      expect(
        res.body.errors.map((e: { path: string }) => e.path),
        path,
      ).toEqual([field]);
    }
    // Each name once, however often it is asked for.
    const twice = await facets(api, '/trips?facet=status&facet=status,country');
    expect(Object.keys(twice).sort()).toEqual(['country', 'status']);
  });

  it('filters stops and meetings by traveler, as facet values name them', async () => {
    const { api } = await buildTestApp();
    const { bruno } = await addData(api);
    const theirs = new Set((await all<Trip>(api, `/trips?traveler=${bruno}`)).map((t) => t.id));
    const stops = await all<Stop>(api, '/stops');
    const meetings = await all<Meeting>(api, '/meetings');
    expect((await all<Stop>(api, `/stops?traveler=${bruno}`)).map((s) => s.id)).toEqual(
      stops.filter((s) => theirs.has(s.tripId)).map((s) => s.id),
    );
    const meetingsOfBruno = meetings.filter((m) => theirs.has(m.tripId)).map((m) => m.id);
    expect(meetingsOfBruno.length).toBeGreaterThan(0);
    expect((await all<Meeting>(api, `/meetings?traveler=${bruno}`)).map((m) => m.id)).toEqual(
      meetingsOfBruno,
    );
  });
});
