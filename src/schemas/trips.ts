import { z } from 'zod';
import { CONTEXT_KINDS, type StoredContextItem, TRIP_STATUSES } from '../domain/vocabulary.js';
import {
  CountryCodeSchema,
  IdSchema,
  LocalDateSchema,
  PartialDateSchema,
  SourcesSchema,
  TextSchema,
  TimestampsShape,
  TopicsSchema,
} from './common.js';
import { withWarnings } from './conflicts.js';
import { createTripExample, tripExample } from './examples.js';
import { checkFacetQuery, facetQueryShape, TRIP_FACETS } from './facets.js';
import { ParticipantSchema } from './participants.js';
import {
  countriesParam,
  DateWindowShape,
  INCLUDES,
  idFilter,
  includeParam,
  PageQueryShape,
  repeatable,
  sortParam,
  TextQuerySchema,
  topicParam,
  withDateWindow,
} from './queries.js';
import { StopWithMeetingsSchema } from './stops.js';

export const ContextItemSchema = z
  .strictObject({
    kind: z.enum(CONTEXT_KINDS),
    title: TextSchema.trim().min(1).max(300),
    description: TextSchema.trim().max(5000).nullable(),
    date: PartialDateSchema.nullable(),
    city: TextSchema.trim().min(1).max(200).nullable(),
    country: CountryCodeSchema.nullable(),
    sources: SourcesSchema,
  })
  .meta({
    id: 'ContextItem',
    description: 'An event or organization the trip is set in the context of (e.g. a coming summit)',
  }) satisfies z.ZodType<StoredContextItem>;
export type ContextItem = z.infer<typeof ContextItemSchema>;

const fields = {
  title: TextSchema.trim().min(1).max(300),
  summary: TextSchema.trim().max(10_000).nullable(),
  travelerId: IdSchema.meta({ description: 'The participant who travels' }),
  startDate: LocalDateSchema,
  endDate: LocalDateSchema.meta({ description: 'Last local date of the trip, inclusive' }),
  status: z.enum(TRIP_STATUSES),
  topics: TopicsSchema,
  context: z.array(ContextItemSchema).max(50),
  sources: SourcesSchema,
};

export const CreateTripSchema = z
  .strictObject({
    ...fields,
    summary: fields.summary.optional().default(null),
    status: fields.status.default('planned'),
    topics: fields.topics.default([]),
    context: fields.context.default([]),
    sources: fields.sources.default([]),
  })
  .meta({ id: 'CreateTrip', examples: [createTripExample] });
export type CreateTrip = z.infer<typeof CreateTripSchema>;

export const UpdateTripSchema = z.strictObject(fields).partial().meta({ id: 'UpdateTrip' });
export type UpdateTrip = z.infer<typeof UpdateTripSchema>;

export const TripSchema = z
  .object({
    id: IdSchema,
    title: z
      .string()
      .meta({ example: 'Secretary Tillerson’s trip to Mexico, Argentina, Peru, Colombia and Jamaica' }),
    summary: z.string().nullable(),
    travelerId: IdSchema,
    startDate: z.string().meta({ example: '2018-02-01' }),
    endDate: z.string().meta({ example: '2018-02-07' }),
    status: z.enum(TRIP_STATUSES),
    topics: z.array(z.string()),
    context: z.array(ContextItemSchema),
    sources: SourcesSchema,
    ...TimestampsShape,
  })
  .meta({
    id: 'Trip',
    description: 'A journey of one traveler, from its first to its last local date',
    examples: [tripExample],
  });
export type Trip = z.infer<typeof TripSchema>;

export const TripWithWarningsSchema = withWarnings(
  TripSchema,
  'TripWithWarnings',
  'A trip as written, with the scheduling conflicts the write introduced',
);

export const TripDetailSchema = TripSchema.extend({
  traveler: ParticipantSchema.optional().meta({
    description: 'With include=participants or include=traveler',
  }),
  stops: z
    .array(StopWithMeetingsSchema)
    .optional()
    .meta({ description: 'With include=stops (in visit order); meetings nest with include=meetings' }),
}).meta({
  id: 'TripDetail',
  description: 'A trip, with the parts of its itinerary that `include` asked for',
});
export type TripDetail = z.infer<typeof TripDetailSchema>;

export const TripQuerySchema = z.strictObject({ include: includeParam(INCLUDES) });

export const TRIP_SORTS = [
  'startDate',
  '-startDate',
  'endDate',
  '-endDate',
  'title',
  '-title',
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
] as const;

export const TripListQuerySchema = withDateWindow(
  z.strictObject({
    ...PageQueryShape,
    ...DateWindowShape,
    country: countriesParam.meta({ description: 'Trips that visit any of these countries' }),
    traveler: idFilter('Trips of this traveler (a participant id)'),
    participant: idFilter('Trips this participant travels on or attends a meeting of'),
    status: repeatable(z.enum(TRIP_STATUSES), `Any of: ${TRIP_STATUSES.join(', ')}`),
    topic: topicParam('Trips with this topic'),
    q: TextQuerySchema,
    sort: sortParam(TRIP_SORTS, 'startDate'),
    include: includeParam(INCLUDES),
    ...facetQueryShape(TRIP_FACETS, {
      dates: 'its start date',
      traveler: 'the trip’s',
    }),
  }),
).superRefine(checkFacetQuery);
export type TripListQuery = z.infer<typeof TripListQuerySchema>;
