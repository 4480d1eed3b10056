import { z } from 'zod';

// GeoJSON (RFC 7946) for routes on a map: positions are [longitude, latitude] in WGS 84.

const PositionSchema = z
  .tuple([z.number(), z.number()])
  .meta({ description: '[longitude, latitude], WGS 84' });

export const StopFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    id: z.number().int(),
    geometry: z.object({ type: z.literal('Point'), coordinates: PositionSchema }),
    properties: z.object({
      id: z.number().int(),
      position: z.number().int(),
      city: z.string(),
      country: z.string(),
      arrivalDate: z.string().nullable(),
      departureDate: z.string().nullable(),
      meetingCount: z.number().int(),
    }),
  })
  .meta({ id: 'StopFeature', description: 'A located stop as a GeoJSON Point' });

const BoundingBoxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]).meta({
  description:
    '[west, south, east, north] in degrees (RFC 7946 §5); west > east when the box crosses the antimeridian (§5.2)',
});

const LineStringSchema = z.object({
  type: z.literal('LineString'),
  coordinates: z.array(PositionSchema).min(2),
});

const MultiLineStringSchema = z
  .object({
    type: z.literal('MultiLineString'),
    coordinates: z.array(z.array(PositionSchema).min(2)).min(2),
  })
  .meta({
    description:
      'A route that crosses the antimeridian, cut there (RFC 7946 §3.1.9): consecutive parts meet at 180 and ' +
      '-180 at the same latitude',
  });

export const RouteFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    bbox: BoundingBoxSchema,
    geometry: z.union([LineStringSchema, MultiLineStringSchema]),
    properties: z.object({ tripId: z.number().int(), kind: z.literal('route') }),
  })
  .meta({
    id: 'RouteFeature',
    description:
      'The route through the located stops, in visit order, each leg the shorter way round in longitude: a ' +
      'LineString, or a MultiLineString cut at each crossing of the antimeridian',
  });

export const RouteCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.union([StopFeatureSchema, RouteFeatureSchema])),
    unlocatedStops: z
      .array(
        z.object({ id: z.number().int(), position: z.number().int(), city: z.string(), country: z.string() }),
      )
      .meta({ description: 'Stops without coordinates: left out of the geometry, never placed at 0,0' }),
    bbox: BoundingBoxSchema.optional().meta({
      description:
        'The box around every located stop and the route, [west, south, east, north]; west > east when it ' +
        'crosses the antimeridian (RFC 7946 §5.2); absent when no stop is located',
    }),
  })
  .meta({ id: 'RouteCollection', description: 'A trip’s route as a GeoJSON FeatureCollection (RFC 7946)' });
export type RouteCollection = z.infer<typeof RouteCollectionSchema>;

const BBOX = /^(-?\d+(\.\d+)?),(-?\d+(\.\d+)?),(-?\d+(\.\d+)?),(-?\d+(\.\d+)?)$/;

/** `bbox=minLon,minLat,maxLon,maxLat` (RFC 7946 order); minLon > maxLon crosses the antimeridian. */
export const BboxSchema = z
  .string()
  .regex(BBOX, { error: 'must be minLon,minLat,maxLon,maxLat in degrees', abort: true })
  .transform((value) => value.split(',').map(Number) as [number, number, number, number])
  .refine(
    ([minLon, minLat, maxLon, maxLat]) =>
      [minLon, maxLon].every((lon) => lon >= -180 && lon <= 180) &&
      [minLat, maxLat].every((lat) => lat >= -90 && lat <= 90) &&
      minLat <= maxLat,
    'needs longitudes from -180 to 180, latitudes from -90 to 90, and minLat <= maxLat',
  )
  .optional()
  .meta({
    description: 'Only located stops inside minLon,minLat,maxLon,maxLat; minLon > maxLon crosses 180°',
  });
