import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ScheduleItemSchema } from '../src/schemas/activity.js';
import { collectionOf, ProblemSchema } from '../src/schemas/common.js';
import { RouteCollectionSchema } from '../src/schemas/geo.js';
import { MeetingDetailSchema } from '../src/schemas/meetings.js';
import { SearchResultSchema } from '../src/schemas/search.js';
import { StopWithMeetingsSchema } from '../src/schemas/stops.js';
import { TripDetailSchema } from '../src/schemas/trips.js';
import { compiledSerializerCompiler } from '../src/serialization.js';
import { buildTestApp } from './helpers.js';

// The compiled serializer (fast-json-stringify from the zod schemas) must write exactly what zod's encode followed
// by JSON.stringify wrote: the same bytes for the same data, unknown properties dropped alike.

const route = { method: 'GET', url: '/test', httpStatus: '200' };
const compiled = (schema: z.ZodType) =>
  compiledSerializerCompiler({ verify: false })({ schema, ...route } as never) as (data: unknown) => string;
const reference = (schema: z.ZodType) =>
  zodSerializerCompiler({ schema, ...route } as never) as (data: unknown) => string;

/** Adds an unknown property at every object level. */
function withStrays(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withStrays);
  if (typeof value !== 'object' || value === null) return value;
  return {
    ...Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withStrays(inner)])),
    strayProperty: 'not in the schema',
  };
}

describe('compiled response serialization', () => {
  it('writes the same bytes as zod encode plus JSON.stringify, for every kind of answer', async () => {
    const { api } = await buildTestApp();
    const cases: [string, z.ZodType][] = [
      ['/trips/1?include=stops,meetings,participants,traveler', TripDetailSchema],
      ['/trips?include=stops,meetings,participants', collectionOf(TripDetailSchema)],
      ['/trips/1', TripDetailSchema],
      ['/stops/2?include=meetings,participants', StopWithMeetingsSchema],
      ['/meetings?include=participants&limit=200', collectionOf(MeetingDetailSchema)],
      ['/participants/1/schedule', collectionOf(ScheduleItemSchema)],
      ['/search?q=buenos', collectionOf(SearchResultSchema)],
      ['/search?q=mexico', collectionOf(SearchResultSchema)],
      ['/trips/1/route.geojson', RouteCollectionSchema],
      ['/trips/999999', ProblemSchema],
      ['/trips?limit=0', ProblemSchema],
    ];
    for (const [url, schema] of cases) {
      const { body } = await api.get(url);
      const fast = compiled(schema);
      const slow = reference(schema);
      expect(fast(body), url).toBe(slow(body));
      // zod refuses unknown keys in its strict objects (a 500 then); where it strips them, so must this.
      let stripped: string | undefined;
      try {
        stripped = slow(withStrays(body));
      } catch {
        stripped = undefined;
      }
      if (stripped !== undefined)
        expect(fast(withStrays(body)), `${url} with unknown properties`).toBe(stripped);
    }
  });

  it('still checks responses against their zod schema outside production', () => {
    const verifying = compiledSerializerCompiler({ verify: true })({
      schema: ProblemSchema,
      ...route,
    } as never) as (data: unknown) => string;
    expect(() =>
      verifying({ type: 'about:blank', title: 'Not Found', status: 'four hundred and four' }),
    ).toThrow(/response/i);
  });
});
