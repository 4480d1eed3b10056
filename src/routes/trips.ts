import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { fieldSelection } from '../plugins/fields.js';
import { collectionOf, IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import { facetedCollectionOf, TRIP_FACETS } from '../schemas/facets.js';
import {
  CreateStopSchema,
  StopWithMeetingsSchema,
  StopWithWarningsSchema,
  TripStopListQuerySchema,
} from '../schemas/stops.js';
import {
  CreateTripSchema,
  TripDetailSchema,
  TripListQuerySchema,
  TripQuerySchema,
  TripSchema,
  TripWithWarningsSchema,
  UpdateTripSchema,
} from '../schemas/trips.js';
import { checkedWrite } from '../services/conflicts-service.js';
import { stopDetails, tripDetails } from '../services/itinerary-service.js';
import { JSON_TYPE, sendCachedAnswer } from './cached-answers.js';
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
  ok,
  okPage,
  okResource,
  problems,
} from './responses.js';

const tags = ['trips'];

const tripsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database, answers } = app;

  app.get(
    '/trips',
    {
      config: { resource: 'trips' },
      schema: {
        tags,
        operationId: 'listTrips',
        summary: 'List trips, earliest first, with filters',
        description:
          'A trip matches a window `from`–`to` when its dates overlap it (both inclusive). `include` embeds the ' +
          'same parts as on a single trip, at a fixed number of queries per page. `facet` adds counts of the ' +
          'values of fields over every matching trip (a trip counts once in each country it visits).',
        querystring: TripListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(facetedCollectionOf(TripDetailSchema, TRIP_FACETS), 'A page of trips'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        const found = await repos.trips.list(request.query, tx);
        return { ...found, data: await tripDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );

  app.post(
    '/trips',
    {
      schema: {
        tags,
        operationId: 'createTrip',
        summary: 'Create a trip',
        body: CreateTripSchema,
        querystring: NoQuerySchema,
        response: {
          201: ok(TripSchema, 'Created; `Location` names the new trip'),
          ...problems(...BODY_PROBLEMS),
        },
      },
    },
    async (request, reply) => {
      const trip = await request.database.transaction((tx) => repos.trips.create(request.body, tx));
      return sendCreated(reply, `/trips/${trip.id}`, trip);
    },
  );

  app.get(
    '/trips/:id',
    {
      config: { resource: 'trips' },
      schema: {
        tags,
        operationId: 'getTrip',
        summary: 'Get a trip, with its whole itinerary on request',
        description:
          'With `include=stops,meetings,participants` the trip comes with its stops in visit order, each stop with ' +
          'its meetings in chronological order, each meeting with its participants and their roles, and the ' +
          'traveler. The cost is a fixed number of queries whatever the size of the trip.',
        params: IdParamsSchema,
        querystring: TripQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okResource(TripDetailSchema, 'The trip, with the parts `include` asked for'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { include } = request.query;
      // Without include the representation is the record itself: its ETag is its version, for If-Match.
      if (!include) return tagWithVersion(reply, await database.read((tx) => repos.trips.get(id, tx)));
      // Fields are picked from the whole itinerary's bytes (plugins/fields.ts), so those go as they are.
      return sendCachedAnswer(request, reply, await answers.trip(id, include), JSON_TYPE, {
        identityOnly: fieldSelection(request) !== undefined,
      });
    },
  );

  app.patch(
    '/trips/:id',
    {
      schema: {
        tags,
        operationId: 'updateTrip',
        summary: 'Change some fields of a trip',
        description:
          'Fields not given keep their values; the merged trip must still be valid (startDate <= endDate). ' +
          'Another traveler, or a cancelled trip planned again, can introduce scheduling conflicts: the answer ' +
          'lists them in `warnings`; under `Prefer: handling=strict` it is a 409, and nothing is written.',
        params: IdParamsSchema,
        body: UpdateTripSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          200: okChecked(TripWithWarningsSchema, 'The trip as changed, with `warnings` if any'),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return checkedUpdate(request, reply, { kind: 'trip', focus: { tripIds: [id] } }, (tx, expected) =>
        repos.trips.update(id, request.body, expected, tx),
      );
    },
  );

  app.delete(
    '/trips/:id',
    {
      schema: {
        tags,
        operationId: 'deleteTrip',
        summary: 'Delete a trip with its stops and meetings',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        response: {
          204: NoContentSchema.describe('Deleted, with its stops and meetings'),
          ...problems(...BODY_PROBLEMS, 404),
        },
      },
    },
    async (request, reply) => {
      return deleteRecord(request, reply, (tx, expected) =>
        repos.trips.delete(request.params.id, expected, tx),
      );
    },
  );

  app.get(
    '/trips/:id/stops',
    {
      config: { resource: 'stops' },
      schema: {
        tags: ['stops'],
        operationId: 'listTripStops',
        summary: 'List the stops of a trip, in visit order',
        params: IdParamsSchema,
        querystring: TripStopListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(StopWithMeetingsSchema), 'A page of the stops, in visit order'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        await repos.trips.get(request.params.id, tx);
        const found = await repos.stops.list({ ...request.query, trip: request.params.id }, tx);
        return { ...found, data: await stopDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );

  app.post(
    '/trips/:id/stops',
    {
      schema: {
        tags: ['stops'],
        operationId: 'createStop',
        summary: 'Add a stop to a trip',
        description:
          'Without `position` the stop goes after the last one; a position already held is a 409. A stop whose ' +
          'dates introduce scheduling conflicts is created, and the answer lists them in `warnings`; under ' +
          '`Prefer: handling=strict` it is a 409 instead, and nothing is written.',
        params: IdParamsSchema,
        body: CreateStopSchema,
        querystring: NoQuerySchema,
        headers: PreferHeadersSchema,
        response: {
          201: okChecked(
            StopWithWarningsSchema,
            'Created, with `warnings` if any; `Location` names the new stop',
          ),
          ...CHECKED_WRITE_PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const tripId = request.params.id;
      const { result: stop, warnings } = await checkedWrite(request.database, repos.conflicts, {
        handling: writeHandling(request, reply),
        write: (tx) => repos.stops.create(tripId, request.body, tx),
        focus: { tripIds: [tripId] },
        created: (stop) => ({ type: 'stop', id: stop.id }),
      });
      return sendCreated(reply, `/stops/${stop.id}`, stop, warned(stop, warnings));
    },
  );
};

export default tripsRoutes;
