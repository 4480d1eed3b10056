import { describe, expect, it } from 'vitest';
import { buildTestApp, newStop, newTrip, PROBLEM } from './helpers.js';

type Feature = {
  type: string;
  id?: number;
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
    const body = JSON.parse(res.text) as { type: string; features: Feature[]; unlocatedStops: unknown[] };
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
