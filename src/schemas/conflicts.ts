import { z } from 'zod';
import { CONFLICT_KINDS } from '../domain/vocabulary.js';
import { IdSchema, ProblemSchema } from './common.js';
import { DateWindowShape, idFilter, PageQueryShape, repeatable, withDateWindow } from './queries.js';

// Scheduling conflicts: what GET /conflicts lists, what a write's `warnings` carry, and what a write refused under
// `Prefer: handling=strict` lists in its 409 problem. The rules are in src/domain/conflicts.ts.

const KIND_DESCRIPTION =
  'overlapping_meetings: two meetings of the participant with clock times overlap in UTC; ' +
  'two_places_same_day: the participant is in two cities on the same local date; ' +
  'meeting_outside_stop: a meeting is dated outside its stop’s dates; ' +
  'overlapping_stops: two stops of a trip overlap beyond a travel day';

export const ConflictKindSchema = z.enum(CONFLICT_KINDS).meta({ description: KIND_DESCRIPTION });

export const ConflictRecordSchema = z
  .object({
    type: z.enum(['trip', 'stop', 'meeting']),
    id: IdSchema.nullable().meta({
      description:
        'Null only in a write refused under handling=strict, for the record it would have created (never written)',
    }),
    label: z.string().meta({
      description: 'A meeting’s or trip’s title, or a stop’s city and country',
      example: 'Lima, PE',
    }),
  })
  .meta({ id: 'ConflictRecord', description: 'A record a conflict involves' });

export const ConflictSchema = z
  .object({
    key: z.string().meta({
      description:
        'Names the conflict by its kind, participant and records: the same in a write’s warnings and in ' +
        '/conflicts, as long as the same records collide',
      example: 'two_places_same_day:participant-1:meeting-12:meeting-13',
    }),
    kind: ConflictKindSchema,
    participant: z
      .object({ id: IdSchema, name: z.string().meta({ example: 'Rex Tillerson' }) })
      .nullable()
      .meta({
        description:
          'Who is double-booked, or the traveler of a trip whose stops overlap; null for a meeting outside its ' +
          'stop’s dates',
      }),
    from: z.string().meta({ description: 'The first local date the conflict covers', example: '2018-02-06' }),
    to: z.string().meta({ description: 'The last local date it covers (inclusive)', example: '2018-02-06' }),
    startsAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'For overlapping meetings: when the overlap starts (UTC); otherwise null' }),
    endsAt: z.iso
      .datetime()
      .nullable()
      .meta({
        description:
          'For overlapping meetings: when the overlap ends (UTC), equal to startsAt when a meeting without an ' +
          'end time starts inside the other; otherwise null',
      }),
    records: z.array(ConflictRecordSchema).meta({
      description: 'The records involved: a trip first, then by date, and within a trip in visit order',
    }),
    explanation: z.string().meta({
      description: 'What collides, in a sentence',
      example:
        'Rex Tillerson is in Lima (meeting 12 “Breakfast with Foreign Minister Aljovin”, 2018-02-06 morning) and ' +
        'in Bogotá (meeting 13 “Morning talks with President Santos”, 2018-02-06 morning) on 2018-02-06: it is ' +
        'the travel day from Lima to Bogotá, but both meetings are in the morning.',
    }),
  })
  .meta({ id: 'Conflict', description: 'A double-booking, or dates that contradict each other' });
export type Conflict = z.infer<typeof ConflictSchema>;

export const WarningsSchema = z
  .array(ConflictSchema)
  .min(1)
  .meta({
    description:
      'The scheduling conflicts the write introduced (conflicts that involve the written record and were not ' +
      'there before); the write was made all the same. They are listed at /conflicts too.',
  });

/**
 * The answer of a write that checks for conflicts: the record as before, with `warnings` only when the write
 * introduced conflicts. One object with an optional member rather than a union of two: clients of the plain
 * record read it unchanged, and the compiled serializer writes it without trying each branch of a union.
 */
export const withWarnings = <T extends z.ZodObject>(schema: T, id: string, description: string) =>
  schema.extend({ warnings: WarningsSchema.optional() }).meta({ id, description });

export const ConflictProblemSchema = ProblemSchema.extend({
  conflicts: z
    .array(ConflictSchema)
    .optional()
    .meta({ description: 'Under Prefer: handling=strict, the conflicts the write would have introduced' }),
}).meta({
  id: 'ConflictProblem',
  description: 'An RFC 9457 problem detail for a 409; a write refused for its conflicts lists them',
});

/** The longest window, in days counting both ends, that `/conflicts` takes without a participant or a trip. */
export const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

export const ConflictListQuerySchema = withDateWindow(
  z.strictObject({
    ...PageQueryShape,
    from: DateWindowShape.from.meta({
      description: 'Local date; conflicts that cover it or a later date (inclusive)',
    }),
    to: DateWindowShape.to.meta({
      description: 'Local date; conflicts that cover it or an earlier date (inclusive)',
    }),
    participant: idFilter(
      'Conflicts in this participant’s schedule: their double-bookings, the overlapping stops of trips they ' +
        'travel on, and their meetings dated outside their stops',
    ),
    trip: idFilter('Conflicts that involve this trip, its stops or its meetings'),
    kind: repeatable(z.enum(CONFLICT_KINDS), `Any of: ${CONFLICT_KINDS.join(', ')}`),
  }),
).superRefine((query, ctx) => {
  // Conflicts are worked out from whole schedules at request time. One person's or one trip's are small; all of
  // them are not (seconds at 100,000 meetings, with the server busy meanwhile), so a question about everyone is
  // asked a year at a time.
  if (query.participant !== undefined || query.trip !== undefined) return;
  const missing = !query.from ? 'from' : !query.to ? 'to' : undefined;
  if (missing) {
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: `is required without participant or trip (a window of at most ${MAX_WINDOW_DAYS} days)`,
    });
  } else if (
    Date.parse(`${query.to}T00:00:00Z`) - Date.parse(`${query.from}T00:00:00Z`) >
    (MAX_WINDOW_DAYS - 1) * DAY_MS
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `must be at most ${MAX_WINDOW_DAYS} days from from (${query.from}) without participant or trip`,
    });
  }
});
export type ConflictListQuery = z.infer<typeof ConflictListQuerySchema>;
