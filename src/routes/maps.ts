import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { boundingBox, type Position, splitAtAntimeridian } from '../domain/antimeridian.js';
import { IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import { type RouteCollection, RouteCollectionSchema } from '../schemas/geo.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, problems } from './responses.js';

// Trips on a map: GeoJSON (RFC 7946), [longitude, latitude] in WGS 84. Stops without coordinates are listed
// apart, never placed at 0,0. Each leg of the route goes the shorter way round, and the route is cut where it
// crosses the antimeridian (domain/antimeridian.ts), so no map draws it round the globe.

const GEO_JSON = 'application/geo+json';

const mapsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database } = app;

  app.get(
    '/trips/:id/route.geojson',
    {
      schema: {
        tags: ['trips'],
        operationId: 'getTripRoute',
        summary:
          'A trip’s route as GeoJSON: a Point per located stop and a LineString through them in order (a ' +
          'MultiLineString cut at the antimeridian when it crosses it)',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: {
            description: 'The route (application/geo+json)',
            content: { [GEO_JSON]: { schema: RouteCollectionSchema } },
          },
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { trip, stops, meetings } = await database.read(async (tx) => {
        const trip = await repos.trips.get(request.params.id, tx);
        const stops = await repos.stops.listByTrips([trip.id], tx);
        const meetings = await repos.meetings.countByStop(
          stops.map((s) => s.id),
          tx,
        );
        return { trip, stops, meetings };
      });
      const located = stops.filter((s) => s.latitude !== null && s.longitude !== null);
      const points = located.map((s) => ({
        type: 'Feature' as const,
        id: s.id,
        geometry: { type: 'Point' as const, coordinates: [s.longitude, s.latitude] as [number, number] },
        properties: {
          id: s.id,
          position: s.position,
          city: s.city,
          country: s.country,
          arrivalDate: s.arrivalDate,
          departureDate: s.departureDate,
          meetingCount: meetings.get(s.id) ?? 0,
        },
      }));
      const parts = splitAtAntimeridian(points.map((p) => p.geometry.coordinates));
      const route =
        parts.length === 0
          ? []
          : [
              {
                type: 'Feature' as const,
                bbox: boundingBox(parts) as [number, number, number, number],
                geometry:
                  parts.length === 1
                    ? { type: 'LineString' as const, coordinates: parts[0] as Position[] }
                    : { type: 'MultiLineString' as const, coordinates: parts },
                properties: { tripId: trip.id, kind: 'route' as const },
              },
            ];
      const bbox = boundingBox([...parts, ...points.map((p) => [p.geometry.coordinates])]);
      const body: RouteCollection = {
        type: 'FeatureCollection',
        features: [...points, ...route],
        unlocatedStops: stops
          .filter((s) => s.latitude === null || s.longitude === null)
          .map((s) => ({ id: s.id, position: s.position, city: s.city, country: s.country })),
        // Last, where the compiled serializer writes an optional member.
        ...(bbox ? { bbox } : {}),
      };
      return reply.type(GEO_JSON).send(body);
    },
  );
};

export default mapsRoutes;
