import { z } from 'zod';
import {
  CountryCodeSchema,
  IdSchema,
  LocalDateSchema,
  SourcesSchema,
  TextSchema,
  TimestampsShape,
  TimeZoneSchema,
} from './common.js';
import { withWarnings } from './conflicts.js';
import { createStopExample, stopExample } from './examples.js';
import { checkFacetQuery, facetQueryShape, STOP_FACETS } from './facets.js';
import { BboxSchema } from './geo.js';
import { MeetingDetailSchema } from './meetings.js';
import {
  countriesParam,
  DateWindowShape,
  idFilter,
  includeParam,
  PageQueryShape,
  withDateWindow,
} from './queries.js';

const fields = {
  position: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .meta({ description: '1-based place of the stop in the trip; unique within the trip' }),
  city: TextSchema.trim().min(1).max(200).meta({
    description: 'City, locality, or a region when that is all that is known',
    example: 'Buenos Aires',
  }),
  country: CountryCodeSchema,
  latitude: z.number().min(-90).max(90).nullable().meta({ description: 'WGS 84 degrees', example: -34.6037 }),
  longitude: z
    .number()
    .min(-180)
    .max(180)
    .nullable()
    .meta({ description: 'WGS 84 degrees', example: -58.3816 }),
  timeZone: TimeZoneSchema,
  arrivalDate: LocalDateSchema.nullable().meta({
    description: 'Local date of arrival, inclusive; null when unknown',
  }),
  departureDate: LocalDateSchema.nullable().meta({
    description: 'Local date of departure, inclusive; null when unknown',
  }),
  notes: TextSchema.trim().max(10_000).nullable(),
  sources: SourcesSchema,
};

export const CreateStopSchema = z
  .strictObject({
    ...fields,
    position: fields.position.optional().meta({ description: 'Defaults to after the last stop' }),
    latitude: fields.latitude.optional().default(null),
    longitude: fields.longitude.optional().default(null),
    arrivalDate: fields.arrivalDate.optional().default(null),
    departureDate: fields.departureDate.optional().default(null),
    notes: fields.notes.optional().default(null),
    sources: fields.sources.default([]),
  })
  .meta({ id: 'CreateStop', examples: [createStopExample] });
export type CreateStop = z.infer<typeof CreateStopSchema>;

export const UpdateStopSchema = z.strictObject(fields).partial().meta({ id: 'UpdateStop' });
export type UpdateStop = z.infer<typeof UpdateStopSchema>;

export const StopSchema = z
  .object({
    id: IdSchema,
    tripId: IdSchema,
    position: z.number().int(),
    city: z.string(),
    country: z.string().meta({ description: 'ISO 3166-1 alpha-2', example: 'AR' }),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    timeZone: z.string().meta({ example: 'America/Argentina/Buenos_Aires' }),
    arrivalDate: z.string().nullable().meta({ example: '2018-02-04' }),
    departureDate: z.string().nullable().meta({ example: '2018-02-05' }),
    notes: z.string().nullable(),
    sources: SourcesSchema,
    countryName: z
      .string()
      .nullable()
      .meta({
        description:
          'The country as an imported record names it, such as U.S.S.R.; null for stops that were not imported. ' +
          'Country ZZ means the import could not identify the country, and this says what the record gave.',
      }),
    ...TimestampsShape,
  })
  .meta({ id: 'Stop', description: 'A place the trip visits, in order', examples: [stopExample] });
export type Stop = z.infer<typeof StopSchema>;

export const StopWithWarningsSchema = withWarnings(
  StopSchema,
  'StopWithWarnings',
  'A stop as written, with the scheduling conflicts the write introduced',
);

export const StopWithMeetingsSchema = StopSchema.extend({
  meetings: z
    .array(MeetingDetailSchema)
    .optional()
    .meta({ description: 'With include=meetings, in chronological order' }),
}).meta({ id: 'StopDetail' });
export type StopWithMeetings = z.infer<typeof StopWithMeetingsSchema>;

export const STOP_SORTS = ['position', '-position', 'arrivalDate', '-arrivalDate'] as const;

const stopListShape = {
  ...PageQueryShape,
  ...DateWindowShape,
  country: countriesParam.meta({ description: 'Stops in any of these countries' }),
  city: TextSchema.trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Stops in this city; case and accents do not matter (`bogota` is Bogotá)' }),
  sort: z
    .enum(STOP_SORTS, { error: `must be one of ${STOP_SORTS.join(', ')}` })
    .optional()
    .meta({
      description:
        'position (trip, then visit order; the default within a trip) or arrivalDate (the default across trips, ' +
        'undated last); a leading - reverses it',
    }),
  include: includeParam(['meetings', 'participants']),
};

/** GET /stops: stops across trips. A window matches stops whose arrival–departure span overlaps it. */
export const StopListQuerySchema = withDateWindow(
  z.strictObject({
    ...stopListShape,
    trip: idFilter('Stops of this trip'),
    traveler: idFilter('Stops of the trips of this traveler (a participant id)'),
    bbox: BboxSchema,
    ...facetQueryShape(STOP_FACETS, {
      dates: 'its arrival (or departure, when only that is known)',
      traveler: 'the traveler of its trip',
      distinctOnly: ['trip'],
    }),
  }),
).superRefine(checkFacetQuery);
export type StopListQuery = z.infer<typeof StopListQuerySchema>;

/** GET /trips/{id}/stops: the same, within one trip. */
export const TripStopListQuerySchema = withDateWindow(z.strictObject(stopListShape));
