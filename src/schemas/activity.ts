import { z } from 'zod';
import { LocalDateSchema } from './common.js';
import { MeetingSchema } from './meetings.js';
import { MeetingRoleSchema, ParticipantSchema } from './participants.js';
import { CsvQueryShape, MeetingWindowShape, PageQueryShape, withDateWindow } from './queries.js';
import { StopSchema } from './stops.js';

// The questions asked of one participant: where they go, where they were, whom they met.

const TripRefSchema = z.object({ id: z.number().int(), title: z.string() }).meta({ id: 'TripRef' });
const StopRefSchema = z
  .object({ id: z.number().int(), city: z.string(), country: z.string() })
  .meta({ id: 'StopRef' });

export const ScheduleItemSchema = MeetingSchema.extend({
  trip: TripRefSchema,
  stop: StopRefSchema,
  role: MeetingRoleSchema.nullable().meta({
    description: 'The participant’s role; null when they are on the trip but not listed at this meeting',
  }),
}).meta({ id: 'ScheduleItem', description: 'A meeting on a participant’s schedule, with its trip and stop' });
export type ScheduleItem = z.infer<typeof ScheduleItemSchema>;

export const ScheduleQuerySchema = withDateWindow(
  z.strictObject({ ...PageQueryShape, ...MeetingWindowShape }),
);
export type ScheduleQuery = z.output<typeof ScheduleQuerySchema>;

export const WhereaboutsItemSchema = z
  .object({
    stop: StopSchema,
    trip: TripRefSchema,
    basis: z.enum(['traveler', 'meeting']).meta({
      description:
        'traveler: the participant travels on the trip and the stop’s dates include the day; meeting: they attend ' +
        'a meeting at the stop dated that day',
    }),
  })
  .meta({ id: 'WhereaboutsItem' });
export type WhereaboutsItem = z.infer<typeof WhereaboutsItemSchema>;

export const WhereaboutsQuerySchema = z.strictObject({
  date: LocalDateSchema.meta({ description: 'The local date asked about' }),
  ...CsvQueryShape,
});

export const CounterpartSchema = ParticipantSchema.extend({
  meetings: z.number().int().meta({ description: 'How many meetings they shared' }),
  firstDate: z.string().nullable().meta({ description: 'The first dated meeting; null when none is dated' }),
  lastDate: z.string().nullable().meta({ description: 'The last dated meeting; null when none is dated' }),
}).meta({ id: 'Counterpart', description: 'Someone a participant met, how often, and when' });
export type Counterpart = z.infer<typeof CounterpartSchema>;

export const CounterpartsQuerySchema = z.strictObject(PageQueryShape);
