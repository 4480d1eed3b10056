import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectionOf, IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import { facetedCollectionOf, STOP_FACETS } from '../schemas/facets.js';
import {
  CreateMeetingSchema,
  MeetingDetailSchema,
  MeetingDetailWithWarningsSchema,
  StopMeetingListQuerySchema,
} from '../schemas/meetings.js';
import {
  StopListQuerySchema,
  StopQuerySchema,
  StopWithMeetingsSchema,
  StopWithWarningsSchema,
  UpdateStopSchema,
} from '../schemas/stops.js';
import { checkedWrite } from '../services/conflicts-service.js';
import { meetingDetails, stopDetail, stopDetails } from '../services/itinerary-service.js';
import {
  CHECKED_WRITE_PROBLEMS,
  checkedUpdate,
  okChecked,
  PreferHeadersSchema,
  warned,
  writeHandling,
} from './conflict-checks.js';
import { sendPage } from './pages.js';
import { deleteRecord, sendCreated, tagWithVersion } from './preconditions.js';
import {
  BODY_PROBLEMS,
  ConditionalGetHeadersSchema,
  NoContentSchema,
  NotModifiedSchema,
  okPage,
  okResource,
  problems,
} from './responses.js';

const tags = ['stops'];

const stopsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database } = app;

  app.get(
    '/stops',
    {
      config: { resource: 'stops' },
      schema: {
        tags,
        operationId: 'listStops',
        summary: 'List stops across trips, with filters',
        description:
          'A stop matches a window `from`–`to` when its arrival–departure span overlaps it (both inclusive); a stop ' +
          'with one known date spans that day, and an undated stop never matches a window. `facet` adds counts ' +
          'of the values of fields over every matching stop (`facet=traveler&facetDistinct=country`: how many ' +
          'countries each traveler went to).',
        querystring: StopListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(facetedCollectionOf(StopWithMeetingsSchema, STOP_FACETS), 'A page of stops'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        const found = await repos.stops.list(request.query, tx);
        return { ...found, data: await stopDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );

  app.get(
    '/stops/:id',
    {
      config: { resource: 'stops' },
      schema: {
        tags,
        operationId: 'getStop',
        summary: 'Get a stop, with its meetings on request',
        params: IdParamsSchema,
        querystring: StopQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okResource(StopWithMeetingsSchema, 'The stop, with the parts `include` asked for'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const stop = await database.read((tx) =>
        stopDetail(repos, tx, request.params.id, request.query.include),
      );
      // Without include the representation is the record itself: its ETag is its version, for If-Match.
      return request.query.include ? stop : tagWithVersion(reply, stop);
    },
  );

  app.patch(
    '/stops/:id',
    {
      schema: {
        tags,
        operationId: 'updateStop',
        summary: 'Change some fields of a stop',
        description:
          'Fields not given keep their values; the merged stop must still be valid (arrivalDate <= departureDate, ' +
          'latitude and longitude together). A position held by another stop of the trip is a 409. New dates ' +
          'that introduce scheduling conflicts (stops that overlap, meetings outside the stop, a traveler in two ' +
          'places) answer `warnings`; under `Prefer: handling=strict` they are a 409, and nothing is written.',
        params: IdParamsSchema,
        body: UpdateStopSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          200: okChecked(StopWithWarningsSchema, 'The stop as changed, with `warnings` if any'),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return checkedUpdate(request, reply, { kind: 'stop', focus: { stopIds: [id] } }, (tx, expected) =>
        repos.stops.update(id, request.body, expected, tx),
      );
    },
  );

  app.delete(
    '/stops/:id',
    {
      schema: {
        tags,
        operationId: 'deleteStop',
        summary: 'Delete a stop with its meetings',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        response: {
          204: NoContentSchema.describe('Deleted, with its meetings'),
          ...problems(...BODY_PROBLEMS, 404),
        },
      },
    },
    async (request, reply) => {
      return deleteRecord(request, reply, (tx, expected) =>
        repos.stops.delete(request.params.id, expected, tx),
      );
    },
  );

  app.get(
    '/stops/:id/meetings',
    {
      config: { resource: 'meetings' },
      schema: {
        tags: ['meetings'],
        operationId: 'listStopMeetings',
        summary: 'List the meetings at a stop, in chronological order',
        params: IdParamsSchema,
        querystring: StopMeetingListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(MeetingDetailSchema), 'A page of the meetings, in chronological order'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        await repos.stops.get(request.params.id, tx);
        const found = await repos.meetings.page({ ...request.query, stop: request.params.id }, tx);
        return { ...found, data: await meetingDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );

  app.post(
    '/stops/:id/meetings',
    {
      schema: {
        tags: ['meetings'],
        operationId: 'createMeeting',
        summary: 'Add a meeting to a stop, with its participants',
        description:
          'The meeting and its participants are written in one transaction. A clock time needs a date; an end ' +
          'time needs a start time. `startsAt`/`endsAt` are computed from the stop’s time zone. A meeting that ' +
          'introduces scheduling conflicts (see /conflicts) is created, and the answer lists them in `warnings`; ' +
          'under `Prefer: handling=strict` it is a 409 instead, and nothing is written.',
        params: IdParamsSchema,
        body: CreateMeetingSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          201: okChecked(
            MeetingDetailWithWarningsSchema,
            'Created, with its participants and `warnings` if any; `Location` names it',
          ),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { result: meeting, warnings } = await checkedWrite(request.database, repos.conflicts, {
        handling: writeHandling(request, reply),
        // The meeting as stored, with its participants.
        write: (tx) => repos.meetings.create(request.params.id, request.body, tx),
        focus: (meeting) => ({ meetingIds: [meeting.id] }),
        created: (meeting) => ({ type: 'meeting', id: meeting.id }),
      });
      return sendCreated(reply, `/meetings/${meeting.id}`, meeting, warned(meeting, warnings));
    },
  );
};

export default stopsRoutes;
