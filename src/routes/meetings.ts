import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { collectionOf, IdParamsSchema, idParam, NoQuerySchema } from '../schemas/common.js';
import { facetedCollectionOf, MEETING_FACETS } from '../schemas/facets.js';
import {
  MeetingDetailSchema,
  MeetingListQuerySchema,
  MeetingQuerySchema,
  MeetingWithWarningsSchema,
  UpdateMeetingSchema,
} from '../schemas/meetings.js';
import {
  MeetingParticipantListQuerySchema,
  MeetingParticipantSchema,
  MeetingParticipantWithWarningsSchema,
  SetMeetingRoleSchema,
} from '../schemas/participants.js';
import { checkedWrite } from '../services/conflicts-service.js';
import { meetingDetail, meetingDetails } from '../services/itinerary-service.js';
import {
  CHECKED_WRITE_PROBLEMS,
  checkedUpdate,
  okChecked,
  PreferHeadersSchema,
  warned,
  writeHandling,
} from './conflict-checks.js';
import { sendPage } from './pages.js';
import { deleteRecord, ifMatch, tagWithVersion } from './preconditions.js';
import {
  BODY_PROBLEMS,
  ConditionalGetHeadersSchema,
  NoContentSchema,
  NotModifiedSchema,
  okPage,
  okResource,
  problems,
} from './responses.js';

const tags = ['meetings'];

const MeetingParticipantParamsSchema = z.strictObject({
  id: IdParamsSchema.shape.id,
  participantId: idParam('The participant id'),
});

const meetingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database } = app;

  app.get(
    '/meetings',
    {
      config: { resource: 'meetings' },
      schema: {
        tags,
        operationId: 'listMeetings',
        summary: 'List meetings, in chronological order, with filters',
        description:
          'A window `from`–`to` matches meetings dated on those local dates (both inclusive), wherever they are; ' +
          'undated meetings never match a window. `facet` adds counts of the values of fields over every ' +
          'matching meeting.',
        querystring: MeetingListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(facetedCollectionOf(MeetingDetailSchema, MEETING_FACETS), 'A page of meetings'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        const found = await repos.meetings.page(request.query, tx);
        return { ...found, data: await meetingDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );

  app.get(
    '/meetings/:id',
    {
      config: { resource: 'meetings' },
      schema: {
        tags,
        operationId: 'getMeeting',
        summary: 'Get a meeting, with its participants on request',
        params: IdParamsSchema,
        querystring: MeetingQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okResource(MeetingDetailSchema, 'The meeting, with the parts `include` asked for'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const meeting = await database.read((tx) =>
        meetingDetail(repos, tx, request.params.id, request.query.include),
      );
      // Without include the representation is the record itself: its ETag is its version, for If-Match.
      return request.query.include ? meeting : tagWithVersion(reply, meeting);
    },
  );

  app.patch(
    '/meetings/:id',
    {
      schema: {
        tags,
        operationId: 'updateMeeting',
        summary: 'Change some fields of a meeting, or move it to another stop',
        description:
          'Fields not given keep their values; the merged meeting must still be valid. A change that introduces ' +
          'scheduling conflicts (see /conflicts) is made, and the answer lists them in `warnings`; under ' +
          '`Prefer: handling=strict` it is a 409 instead, and nothing is written.',
        params: IdParamsSchema,
        body: UpdateMeetingSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          200: okChecked(MeetingWithWarningsSchema, 'The meeting as changed, with `warnings` if any'),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return checkedUpdate(request, reply, { kind: 'meeting', focus: { meetingIds: [id] } }, (tx, expected) =>
        repos.meetings.update(id, request.body, expected, tx),
      );
    },
  );

  app.delete(
    '/meetings/:id',
    {
      schema: {
        tags,
        operationId: 'deleteMeeting',
        summary: 'Delete a meeting',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        response: { 204: NoContentSchema.describe('Deleted'), ...problems(...BODY_PROBLEMS, 404) },
      },
    },
    async (request, reply) => {
      return deleteRecord(request, reply, (tx, expected) =>
        repos.meetings.delete(request.params.id, expected, tx),
      );
    },
  );

  app.get(
    '/meetings/:id/participants',
    {
      config: { resource: 'participants' },
      schema: {
        tags,
        operationId: 'listMeetingParticipants',
        summary: 'List the participants of a meeting, with their roles',
        params: IdParamsSchema,
        querystring: MeetingParticipantListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(MeetingParticipantSchema), 'A page of the participants, with their roles'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) =>
      sendPage(
        request,
        reply,
        await database.read((tx) => repos.meetings.participantsPage(request.params.id, request.query, tx)),
      ),
  );

  app.put(
    '/meetings/:id/participants/:participantId',
    {
      schema: {
        tags,
        operationId: 'setMeetingParticipant',
        summary: 'Add a participant to a meeting, or change their role',
        description:
          'Answers 201 when the participant was added, 200 when they were already there. Adding someone who is ' +
          'booked elsewhere at the time answers `warnings`; under `Prefer: handling=strict` it is a 409.',
        params: MeetingParticipantParamsSchema,
        body: SetMeetingRoleSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          200: okChecked(
            MeetingParticipantWithWarningsSchema,
            'The participant was there; their role is as given',
          ),
          201: okChecked(
            MeetingParticipantWithWarningsSchema,
            'The participant was added, with `warnings` if any',
          ),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { id, participantId } = request.params;
      const expected = ifMatch(request);
      const { result, warnings } = await checkedWrite(request.database, repos.conflicts, {
        handling: writeHandling(request, reply),
        write: async (tx) => {
          const { created } = await repos.meetings.setParticipant(
            id,
            participantId,
            request.body.role,
            expected,
            tx,
          );
          const attendees = await repos.meetings.listParticipants(id, tx);
          return { created, attendee: attendees.find((p) => p.id === participantId) };
        },
        focus: { meetingIds: [id] },
      });
      if (result.created) reply.code(201).header('location', `/meetings/${id}/participants`);
      return result.attendee && warned(result.attendee, warnings);
    },
  );

  app.delete(
    '/meetings/:id/participants/:participantId',
    {
      schema: {
        tags,
        operationId: 'removeMeetingParticipant',
        summary: 'Remove a participant from a meeting',
        params: MeetingParticipantParamsSchema,
        querystring: NoQuerySchema,
        response: {
          204: NoContentSchema.describe('Removed from the meeting'),
          ...problems(...BODY_PROBLEMS, 404),
        },
      },
    },
    async (request, reply) => {
      return deleteRecord(request, reply, (tx, expected) =>
        repos.meetings.removeParticipant(request.params.id, request.params.participantId, expected, tx),
      );
    },
  );
};

export default meetingsRoutes;
