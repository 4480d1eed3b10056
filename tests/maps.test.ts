import { describe, expect, it } from 'vitest';
import { boundingBox, splitAtAntimeridian } from '../src/domain/antimeridian.js';
import { buildTestApp, newStop, newTrip, PROBLEM, type TestApp } from './helpers.js';

type Feature = {
  type: string;
  id?: number;
  bbox?: number[];
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
};

describe('a trip’s route as GeoJSON', () => {
  it('has a Point per located stop, a LineString in visit order, and lists the stops it cannot place', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .get('/trips/1/route.geojson')
      .expect(200)
      .expect('content-type', /^application\/geo\+json/);
    const body = JSON.parse(res.text) as {
      type: string;
      bbox?: number[];
      features: Feature[];
      unlocatedStops: unknown[];
    };
    expect(body.type).toBe('FeatureCollection');
    const points = body.features.filter((f) => f.geometry.type === 'Point');
    expect(points.map((p) => p.properties.city)).toEqual([
      'Mexico City',
      'Bariloche',
      'Buenos Aires',
      'Lima',
      'Bogotá',
      'Kingston',
    ]);
    // [longitude, latitude]: Buenos Aires is west of Greenwich and south of the equator.
    const buenosAires = points.find((p) => p.properties.city === 'Buenos Aires');
    expect(buenosAires?.geometry.coordinates).toEqual([-58.3816, -34.6037]);
    expect(buenosAires?.properties).toMatchObject({ position: 4, country: 'AR', meetingCount: 4 });
    const line = body.features.find((f) => f.geometry.type === 'LineString');
    expect(line?.geometry.coordinates).toEqual(points.map((p) => p.geometry.coordinates));
    // A route that stays off the antimeridian has an ordinary box: Mexico City is the west and north edge, Bariloche
    // the south, Buenos Aires the east.
    expect(line?.bbox).toEqual([-99.1332, -41.1335, -58.3816, 19.4326]);
    expect(body.bbox).toEqual([-99.1332, -41.1335, -58.3816, 19.4326]);
    // Texas is a region: no coordinates, so it is listed, not placed at 0,0.
    expect(body.unlocatedStops).toEqual([{ id: 1, position: 1, city: 'Texas', country: 'US' }]);
  });

  it('has no line for fewer than two located stops, and answers 404 for an unknown trip', async () => {
    const { api } = await buildTestApp();
    const trip = await api.post('/trips').send(newTrip(1)).expect(201);
    await api.post(`/trips/${trip.body.id}/stops`).send(newStop()).expect(201);
    const res = await api.get(`/trips/${trip.body.id}/route.geojson`).expect(200);
    const body = JSON.parse(res.text) as { features: Feature[] };
    expect(body.features.map((f) => f.geometry.type)).toEqual(['Point']);
    await api.get('/trips/999/route.geojson').expect(404).expect('content-type', PROBLEM);
  });
});

type Place = [city: string, country: string, timeZone: string, longitude: number, latitude: number];
const SUVA: Place = ['Suva', 'FJ', 'Pacific/Fiji', 178.44, -18.14];
const APIA: Place = ['Apia', 'WS', 'Pacific/Apia', -171.77, -13.83];
const TOKYO: Place = ['Tokyo', 'JP', 'Asia/Tokyo', 139.6917, 35.6895];
const HONOLULU: Place = ['Honolulu', 'US', 'Pacific/Honolulu', -157.8583, 21.3069];

/** A trip through the places in order, and its route as GeoJSON. */
async function routeThrough(t: TestApp, places: Place[]) {
  const trip = await t.api
    .post('/trips')
    .send(newTrip(1, { title: 'Pacific tour' }))
    .expect(201);
  for (const [city, country, timeZone, longitude, latitude] of places) {
    await t.api
      .post(`/trips/${trip.body.id}/stops`)
      .send(newStop({ city, country, timeZone, longitude, latitude }))
      .expect(201);
  }
  const res = await t.api.get(`/trips/${trip.body.id}/route.geojson`).expect(200);
  const body = JSON.parse(res.text) as { bbox?: number[]; features: Feature[] };
  const route = body.features.find((f) => f.properties.kind === 'route');
  return { body, route };
}

/** Coordinates, to 12 decimal places: the latitudes where a leg meets 180° are interpolated. */
const rounded = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(rounded) : Math.round((value as number) * 1e12) / 1e12;

describe('routes across the antimeridian (RFC 7946 §3.1.9, §5.2)', () => {
  it('cuts Suva → Apia at 180° into a MultiLineString whose parts meet at the interpolated latitude', async () => {
    const t = await buildTestApp();
    const { body, route } = await routeThrough(t, [SUVA, APIA]);
    expect(route?.geometry.type).toBe('MultiLineString');
    // 178.44°E to 171.77°W is 9.79° east; 180° is 1.56° of it: -18.14 + (1.56 / 9.79) × 4.31.
    const latitude = -17.453217568947906;
    expect(rounded(route?.geometry.coordinates)).toEqual(
      rounded([
        [
          [178.44, -18.14],
          [180, latitude],
        ],
        [
          [-180, latitude],
          [-171.77, -13.83],
        ],
      ]),
    );
    // The box crosses the antimeridian: its west edge (Suva) is east of its east edge (Apia).
    expect(route?.bbox).toEqual([178.44, -18.14, -171.77, -13.83]);
    expect(body.bbox).toEqual([178.44, -18.14, -171.77, -13.83]);
  });

  it('cuts westward legs too, and a route that crosses several times at each crossing', async () => {
    const t = await buildTestApp();
    const back = await routeThrough(t, [APIA, SUVA]);
    expect(rounded(back.route?.geometry.coordinates)).toEqual(
      rounded([
        [
          [-171.77, -13.83],
          [-180, -17.453217568947906],
        ],
        [
          [180, -17.453217568947906],
          [178.44, -18.14],
        ],
      ]),
    );
    expect(back.route?.bbox).toEqual([178.44, -18.14, -171.77, -13.83]);

    // Tokyo → Honolulu (east across 180°) → Suva (west) → Apia (east): three crossings, four parts.
    const { body, route } = await routeThrough(t, [TOKYO, HONOLULU, SUVA, APIA]);
    expect(route?.geometry.type).toBe('MultiLineString');
    expect(rounded(route?.geometry.coordinates)).toEqual(
      rounded([
        [
          [139.6917, 35.6895],
          [180, 26.406262921056843],
        ],
        [
          [-180, 26.406262921056843],
          [-157.8583, 21.3069],
          [-180, -15.54368142369534],
        ],
        [
          [180, -15.54368142369534],
          [178.44, -18.14],
          [180, -17.453217568947906],
        ],
        [
          [-180, -17.453217568947906],
          [-171.77, -13.83],
        ],
      ]),
    );
    // From Tokyo east across 180° to Honolulu: the narrow box, not the 297° one from Honolulu east to Tokyo.
    expect(route?.bbox).toEqual([139.6917, -18.14, -157.8583, 35.6895]);
    expect(body.bbox).toEqual([139.6917, -18.14, -157.8583, 35.6895]);
  });

  it('keeps a route that only starts on the antimeridian a LineString', async () => {
    const t = await buildTestApp();
    const taveuni: Place = ['Taveuni', 'FJ', 'Pacific/Fiji', 180, -16.8];
    const { body, route } = await routeThrough(t, [taveuni, APIA]);
    // 180 and -180 are one meridian: the leg east from it is written from -180, and nothing is cut off.
    expect(route?.geometry).toEqual({
      type: 'LineString',
      coordinates: [
        [-180, -16.8],
        [-171.77, -13.83],
      ],
    });
    expect(route?.bbox).toEqual([-180, -16.8, -171.77, -13.83]);
    const [point] = body.features;
    expect(point?.geometry.coordinates).toEqual([180, -16.8]);
    // The stop's Point keeps its stored 180, the same meridian as -180: the box around everything is ordinary.
    expect(body.bbox).toEqual([-180, -16.8, -171.77, -13.83]);
  });
});

describe('stops in a map viewport', () => {
  it('filters located stops to a box, across the antimeridian too', async () => {
    const { api } = await buildTestApp();
    const cities = async (bbox: string) =>
      ((await api.get(`/stops?bbox=${bbox}`).expect(200)).body.data as { city: string }[])
        .map((s) => s.city)
        .sort();
    // South America, west of 30°W and south of 15°N.
    expect(await cities('-85,-56,-30,15')).toEqual(['Bariloche', 'Bogotá', 'Buenos Aires', 'Lima']);
    expect(await cities('-80,17,-76,19')).toEqual(['Kingston']);
    // From 170°E across 180° to 77°W: Mexico City and Lima are inside, Kingston (76.8°W) is not; Texas (no coordinates) never.
    expect(await cities('170,-20,-77,20')).toEqual(['Lima', 'Mexico City']);
    for (const bad of ['1,2,3', '-200,0,0,10', '0,10,10,0', 'a,b,c,d']) {
      const res = await api.get(`/stops?bbox=${bad}`).expect(400);
      expect(res.body.errors[0].path).toBe('query.bbox');
    }
  });
});

describe('stops in a viewport at the antimeridian', () => {
  it('holds a stop stored at 180 or at -180 in any box with an edge on that meridian', async () => {
    const t = await buildTestApp();
    const trip = await t.api.post('/trips').send(newTrip(1)).expect(201);
    for (const [city, longitude] of [
      ['East', 180],
      ['West', -180],
      ['Suva', 178.44],
      ['Apia', -171.77],
    ] as const) {
      await t.api
        .post(`/trips/${trip.body.id}/stops`)
        .send(newStop({ city, country: 'FJ', timeZone: 'Pacific/Fiji', longitude, latitude: -17 }))
        .expect(201);
    }
    const cities = async (bbox: string) =>
      (
        (await t.api.get(`/stops?trip=${trip.body.id}&bbox=${bbox}`).expect(200)).body.data as {
          city: string;
        }[]
      )
        .map((s) => s.city)
        .sort();
    expect(await cities('170,-20,180,-10')).toEqual(['East', 'Suva', 'West']);
    expect(await cities('-180,-20,-170,-10')).toEqual(['Apia', 'East', 'West']);
    expect(await cities('175,-20,-175,-10')).toEqual(['East', 'Suva', 'West']);
    expect(await cities('179,-20,-179,-10')).toEqual(['East', 'West']);
    expect(await cities('-180,-90,180,90')).toEqual(['Apia', 'East', 'Suva', 'West']);
    expect(await cities('170,-20,179,-10')).toEqual(['Suva']);
  });
});

describe('antimeridian building blocks', () => {
  it('splits only legs more than 180° of longitude apart, and never leaves a one-position part', () => {
    // Exactly 180° apart: both ways are as short, and the leg is left whole.
    expect(
      splitAtAntimeridian([
        [90, 0],
        [-90, 10],
      ]),
    ).toEqual([
      [
        [90, 0],
        [-90, 10],
      ],
    ]);
    // From 180 to -180: the same meridian; the leg along it is written on the -180 side.
    expect(
      splitAtAntimeridian([
        [170, 0],
        [180, 1],
        [-180, 2],
      ]),
    ).toEqual([
      [
        [170, 0],
        [180, 1],
      ],
      [
        [-180, 1],
        [-180, 2],
      ],
    ]);
    expect(splitAtAntimeridian([])).toEqual([]);
    expect(splitAtAntimeridian([[10, 10]])).toEqual([]);
  });

  it('gives the smallest box, across 180° when that is smaller, and the whole world when nothing is free', () => {
    expect(boundingBox([])).toBeUndefined();
    expect(boundingBox([[[10, 20]]])).toEqual([10, 20, 10, 20]);
    expect(boundingBox([[[170, 0]], [[-170, 5]]])).toEqual([170, 0, -170, 5]);
    // From 10° east across 180° to 170°W is 180° wide; from 170°W east to 170°E would be 340°.
    expect(boundingBox([[[-170, 0]], [[170, 5]], [[10, -5]]])).toEqual([10, -5, -170, 5]);
    expect(boundingBox([[[-10, 0]], [[10, 5]], [[100, -5]]])).toEqual([-10, -5, 100, 5]);
    expect(
      boundingBox([
        [
          [-180, 0],
          [180, 1],
        ],
      ]),
    ).toEqual([-180, 0, 180, 1]);
  });
});
