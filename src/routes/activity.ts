import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CounterpartSchema,
  CounterpartsQuerySchema,
  ScheduleItemSchema,
  ScheduleQuerySchema,
  WhereaboutsItemSchema,
  WhereaboutsQuerySchema,
} from '../schemas/activity.js';
import { collectionOf, IdParamsSchema } from '../schemas/common.js';
import { sendPage } from './pages.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okPage, problems } from './responses.js';

// Questions asked of one participant, across trips.

const tags = ['participants'];

const activityRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database } = app;

  app.get(
    '/participants/:id/schedule',
    {
      schema: {
        tags,
        operationId: 'getParticipantSchedule',
        summary: 'Every meeting a participant travels to or attends, across trips, in chronological order',
        description:
          'Each meeting comes with its trip and stop, and the participant’s role (null when they are on the trip ' +
          'but not listed at that meeting). `from`/`to` take local dates or RFC 3339 instants, as on /meetings.',
        params: IdParamsSchema,
        querystring: ScheduleQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(ScheduleItemSchema), 'A page of the schedule'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { query } = request;
      const page = await database.read(async (tx) => {
        // A cursor or a window can be refused (400); an unknown participant is a 404 before that, as it was.
        const refusable = query.cursor !== undefined || query.from !== undefined || query.to !== undefined;
        if (refusable) await repos.participants.get(id, tx);
        const found = await repos.meetings.schedule(id, query, tx);
        // Someone with a meeting on their schedule exists (attendances and trips refer to their participant), so
        // only an empty page asks whether they do.
        if (!refusable && found.data.length === 0) await repos.participants.get(id, tx);
        return found;
      });
      return sendPage(request, reply, page);
    },
  );

  app.get(
    '/participants/:id/whereabouts',
    {
      schema: {
        tags,
        operationId: 'getParticipantWhereabouts',
        summary: 'Where a participant was on a local date',
        description:
          'The stops of trips they travel on whose arrival–departure dates include the day (a travel day gives ' +
          'both places), and the stops of meetings they attend dated that day. An unknown day is an empty list.',
        params: IdParamsSchema,
        querystring: WhereaboutsQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(WhereaboutsItemSchema), 'The places, in trip and visit order'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request) => {
      const data = await database.read(async (tx) => {
        await repos.participants.get(request.params.id, tx);
        return repos.activity.whereabouts(request.params.id, request.query.date, tx);
      });
      return { data, nextCursor: null };
    },
  );

  app.get(
    '/participants/:id/counterparts',
    {
      schema: {
        tags,
        operationId: 'getParticipantCounterparts',
        summary: 'Whom a participant met, how often, and first and last date',
        description:
          'Everyone who attended a meeting the participant travels to or attends, and the traveler of those ' +
          'meetings’ trips; most frequent first.',
        params: IdParamsSchema,
        querystring: CounterpartsQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(CounterpartSchema), 'A page of counterparts'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        await repos.participants.get(request.params.id, tx);
        return repos.activity.counterparts(request.params.id, request.query, tx);
      });
      return sendPage(request, reply, page);
    },
  );
};

export default activityRoutes;
