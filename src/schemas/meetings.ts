import { z } from 'zod';
import { MEETING_KINDS, MEETING_STATUSES, PARTS_OF_DAY } from '../domain/vocabulary.js';
import {
  IdSchema,
  LocalDateSchema,
  LocalTimeSchema,
  SourcesSchema,
  TextSchema,
  TimestampsShape,
  TopicsSchema,
} from './common.js';
import { withWarnings } from './conflicts.js';
import { createMeetingExample, meetingExample } from './examples.js';
import { checkFacetQuery, facetQueryShape, MEETING_FACETS } from './facets.js';
import { MeetingParticipantSchema, MeetingRoleSchema } from './participants.js';
import {
  countriesParam,
  idFilter,
  includeParam,
  MeetingWindowShape,
  PageQueryShape,
  repeatable,
  sortParam,
  TextQuerySchema,
  topicParam,
  withDateWindow,
} from './queries.js';

const fields = {
  stopId: IdSchema.meta({ description: 'Move the meeting to another stop' }),
  kind: z.enum(MEETING_KINDS).meta({ description: 'What sort of item on the programme this is' }),
  title: TextSchema.trim().min(1).max(300),
  description: TextSchema.trim().max(10_000).nullable(),
  topics: TopicsSchema,
  status: z.enum(MEETING_STATUSES),
  date: LocalDateSchema.nullable().meta({ description: 'Local date; null when the source gives none' }),
  startTime: LocalTimeSchema.nullable().meta({ description: 'Local start time; null when unknown' }),
  endTime: LocalTimeSchema.nullable().meta({ description: 'Local end time, same day; null when unknown' }),
  partOfDay: z
    .enum(PARTS_OF_DAY)
    .nullable()
    .meta({ description: 'When only the part of the day is known ("Monday morning")' }),
  sources: SourcesSchema,
};

export const NewMeetingParticipantSchema = z
  .strictObject({ participantId: IdSchema, role: MeetingRoleSchema })
  .meta({ id: 'NewMeetingParticipant' });

export const CreateMeetingSchema = z
  .strictObject({
    kind: fields.kind,
    title: fields.title,
    description: fields.description.optional().default(null),
    topics: fields.topics.default([]),
    status: fields.status.default('planned'),
    date: fields.date.optional().default(null),
    startTime: fields.startTime.optional().default(null),
    endTime: fields.endTime.optional().default(null),
    partOfDay: fields.partOfDay.optional().default(null),
    sources: fields.sources.default([]),
    participants: z
      .array(NewMeetingParticipantSchema)
      .max(500)
      .default([])
      .meta({ description: 'Participants to add with the meeting, in the same transaction' }),
  })
  .meta({ id: 'CreateMeeting', examples: [createMeetingExample] });
export type CreateMeeting = z.infer<typeof CreateMeetingSchema>;

export const UpdateMeetingSchema = z.strictObject(fields).partial().meta({ id: 'UpdateMeeting' });
export type UpdateMeeting = z.infer<typeof UpdateMeetingSchema>;

export const MeetingSchema = z
  .object({
    id: IdSchema,
    stopId: IdSchema,
    tripId: IdSchema,
    kind: z.enum(MEETING_KINDS),
    title: z.string().meta({ example: 'Meeting with President Mauricio Macri' }),
    description: z.string().nullable(),
    topics: z.array(z.string()),
    status: z.enum(MEETING_STATUSES),
    date: z.string().nullable().meta({ example: '2018-02-05' }),
    startTime: z.string().nullable().meta({ example: null }),
    endTime: z.string().nullable().meta({ example: null }),
    partOfDay: z.enum(PARTS_OF_DAY).nullable().meta({ example: 'morning' }),
    timeZone: z
      .string()
      .meta({ description: 'The stop’s IANA time zone', example: 'America/Argentina/Buenos_Aires' }),
    startsAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'UTC instant of the start, when date and startTime are known' }),
    endsAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'UTC instant of the end, when date and endTime are known' }),
    sources: SourcesSchema,
    ...TimestampsShape,
  })
  .meta({
    id: 'Meeting',
    description: 'Anything on the programme at a stop: talks, a speech, a tour, an event',
    examples: [meetingExample],
  });
export type Meeting = z.infer<typeof MeetingSchema>;

export const MeetingDetailSchema = MeetingSchema.extend({
  participants: z
    .array(MeetingParticipantSchema)
    .optional()
    .meta({ description: 'With include=participants' }),
}).meta({ id: 'MeetingDetail' });
export type MeetingDetail = z.infer<typeof MeetingDetailSchema>;

export const MeetingWithWarningsSchema = withWarnings(
  MeetingSchema,
  'MeetingWithWarnings',
  'A meeting as written, with the scheduling conflicts the write introduced',
);
export const MeetingDetailWithWarningsSchema = withWarnings(
  MeetingDetailSchema,
  'MeetingDetailWithWarnings',
  'A meeting as created, with its participants and the scheduling conflicts it introduced',
);

export const MEETING_SORTS = ['date', '-date', 'createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as const;

const meetingListShape = {
  ...PageQueryShape,
  ...MeetingWindowShape,
  trip: idFilter('Meetings of this trip'),
  country: countriesParam.meta({ description: 'Meetings at stops in any of these countries' }),
  participant: idFilter('Meetings this participant attends'),
  kind: repeatable(z.enum(MEETING_KINDS), `Any of: ${MEETING_KINDS.join(', ')}`),
  status: repeatable(z.enum(MEETING_STATUSES), `Any of: ${MEETING_STATUSES.join(', ')}`),
  topic: topicParam('Meetings with this topic'),
  q: TextQuerySchema,
  sort: sortParam(MEETING_SORTS, 'date').meta({
    description:
      'date (chronological: by date, undated last, then by time or part of the day), createdAt or updatedAt; ' +
      'a leading - reverses it',
  }),
  include: includeParam(['participants']),
};

/** GET /meetings. A date window matches dated meetings on those local dates; undated meetings never match one. */
export const MeetingListQuerySchema = withDateWindow(
  z.strictObject({
    ...meetingListShape,
    stop: idFilter('Meetings at this stop'),
    traveler: idFilter('Meetings on the trips of this traveler (a participant id)'),
    ...facetQueryShape(MEETING_FACETS, {
      dates: 'its date',
      traveler: 'the traveler of its trip',
      distinctOnly: ['trip'],
    }),
  }),
).superRefine(checkFacetQuery);
export type MeetingListQuery = z.infer<typeof MeetingListQuerySchema>;

/** GET /stops/{id}/meetings: the same, at one stop. */
export const StopMeetingListQuerySchema = withDateWindow(z.strictObject(meetingListShape));
