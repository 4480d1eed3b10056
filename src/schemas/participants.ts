import { z } from 'zod';
import { MEETING_ROLES, PARTICIPANT_KINDS } from '../domain/vocabulary.js';
import { CountryCodeSchema, IdSchema, TextSchema, TimestampsShape } from './common.js';
import { withWarnings } from './conflicts.js';
import { createParticipantExample, participantExample } from './examples.js';
import { countriesParam, fieldsShape, PageQueryShape, sortParam, TextQuerySchema } from './queries.js';

const fields = {
  kind: z.enum(PARTICIPANT_KINDS).meta({ description: 'A person, or a group such as a delegation' }),
  name: TextSchema.trim().min(1).max(300).meta({ example: 'Jorge Faurie' }),
  title: TextSchema.trim()
    .min(1)
    .max(300)
    .nullable()
    .meta({ description: 'Office held', example: 'Foreign Minister' }),
  country: CountryCodeSchema.nullable(),
  organization: TextSchema.trim().min(1).max(300).nullable(),
};

export const CreateParticipantSchema = z
  .strictObject({
    kind: fields.kind.default('person'),
    name: fields.name,
    title: fields.title.optional().default(null),
    country: fields.country.optional().default(null),
    organization: fields.organization.optional().default(null),
  })
  .meta({ id: 'CreateParticipant', examples: [createParticipantExample] });
export type CreateParticipant = z.infer<typeof CreateParticipantSchema>;

export const UpdateParticipantSchema = z.strictObject(fields).partial().meta({ id: 'UpdateParticipant' });
export type UpdateParticipant = z.infer<typeof UpdateParticipantSchema>;

export const ParticipantSchema = z
  .object({
    id: IdSchema,
    kind: z.enum(PARTICIPANT_KINDS),
    name: z.string(),
    title: z.string().nullable(),
    country: z.string().nullable().meta({ description: 'ISO 3166-1 alpha-2', example: 'AR' }),
    organization: z.string().nullable(),
    ...TimestampsShape,
  })
  .meta({
    id: 'Participant',
    description: 'A person or a group who travels or takes part in meetings',
    examples: [participantExample],
  });
export type Participant = z.infer<typeof ParticipantSchema>;

export const MeetingRoleSchema = z.enum(MEETING_ROLES).meta({ description: 'The part a participant plays' });

export const MeetingParticipantSchema = ParticipantSchema.extend({ role: MeetingRoleSchema }).meta({
  id: 'MeetingParticipant',
  description: 'A participant of a meeting, with the role they play in it',
});
export type MeetingParticipant = z.infer<typeof MeetingParticipantSchema>;

export const MeetingParticipantWithWarningsSchema = withWarnings(
  MeetingParticipantSchema,
  'MeetingParticipantWithWarnings',
  'A participant of a meeting, with their role and the scheduling conflicts adding them introduced',
);

export const SetMeetingRoleSchema = z
  .strictObject({ role: MeetingRoleSchema })
  .meta({ id: 'SetMeetingRole' });

/** `fields[participants]`: a participant's fields, and a meeting participant's role. */
export const ParticipantFieldsShape = fieldsShape({ participants: MeetingParticipantSchema });

/** GET /participants/{id}. */
export const ParticipantQuerySchema = z.strictObject(ParticipantFieldsShape);

export const PARTICIPANT_SORTS = [
  'name',
  '-name',
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
] as const;

export const ParticipantListQuerySchema = z.strictObject({
  ...PageQueryShape,
  q: TextQuerySchema.meta({ description: 'Text in the name, title or organization (any case)' }),
  country: countriesParam.meta({ description: 'Participants of any of these countries' }),
  kind: z.enum(PARTICIPANT_KINDS).optional().meta({ description: 'person or group' }),
  sort: sortParam(PARTICIPANT_SORTS, 'name'),
  ...ParticipantFieldsShape,
});
export type ParticipantListQuery = z.infer<typeof ParticipantListQuerySchema>;

/** Meeting participants come in the order they were added. */
export const MeetingParticipantListQuerySchema = z.strictObject({
  ...PageQueryShape,
  ...ParticipantFieldsShape,
});
export type MeetingParticipantListQuery = z.infer<typeof MeetingParticipantListQuerySchema>;
