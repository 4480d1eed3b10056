import { sql } from 'drizzle-orm';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONTEXT_ITEM_PROPERTIES, SOURCE_PROPERTIES } from '../src/domain/vocabulary.js';
import { ScheduleItemSchema } from '../src/schemas/activity.js';
import { collectionOf, ProblemSchema, SourceSchema } from '../src/schemas/common.js';
import { RouteCollectionSchema } from '../src/schemas/geo.js';
import { MeetingDetailSchema } from '../src/schemas/meetings.js';
import { SearchResultSchema } from '../src/schemas/search.js';
import { StopWithMeetingsSchema } from '../src/schemas/stops.js';
import { ContextItemSchema, TripDetailSchema } from '../src/schemas/trips.js';
import { compiledSerializerCompiler, serializerFor, shapedSerializerFor } from '../src/serialization.js';
import { tripDetail } from '../src/services/itinerary-service.js';
import { buildTestApp, sqlExec } from './helpers.js';

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

  it('writes an itinerary with JSON.stringify only as its schema would, whatever order its JSON columns hold', async () => {
    // The itinerary service copies sources and context items in their schemas' order (vocabulary.ts lists it).
    expect(SOURCE_PROPERTIES).toEqual(Object.keys(SourceSchema.shape));
    expect(CONTEXT_ITEM_PROPERTIES).toEqual(Object.keys(ContextItemSchema.shape));

    const t = await buildTestApp();
    // A source and a context item stored with their properties in another order, as rows written below the API,
    // by older versions or by the importer may hold them.
    await sqlExec(
      t.app,
      sql.raw(`update trips set sources = '[{"recordId":null,"quote":"q","url":null,"publishedAt":"2018","publisher":null,"title":"T"}]',
       context = '[{"sources":[{"quote":"q","title":"T","publisher":null,"publishedAt":null,"url":null,"recordId":"r1"}],"country":null,"city":null,"date":null,"description":null,"title":"Summit","kind":"event"}]'
       where id = 1`),
    );
    const include = new Set(['stops', 'meetings', 'participants'] as const);
    const trip = await t.app.database.read((tx) => tripDetail(t.app.repos, tx, 1, include));
    const schemaBytes = serializerFor(TripDetailSchema, { verify: false })(trip);
    expect(shapedSerializerFor(TripDetailSchema, { verify: false })(trip)).toBe(schemaBytes);
    expect(schemaBytes).toContain('"sources":[{"title":"T","publisher":null,"publishedAt":"2018"');
    // The API answers those bytes.
    const { text } = await t.api.get('/trips/1?include=stops,meetings,participants').expect(200);
    expect(text).toBe(schemaBytes);

    // Outside production a value out of its schema's shape is an error, not different bytes.
    const verifying = shapedSerializerFor(TripDetailSchema, { verify: true });
    expect(verifying(trip)).toBe(schemaBytes);
    const { title, ...rest } = trip;
    expect(() => verifying({ ...rest, title })).toThrow(/does not serialize as the schema does/);
    expect(() => verifying({ ...trip, stray: 1 })).toThrow(/does not serialize as the schema does/);
  });
});
