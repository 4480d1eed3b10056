import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectionOf } from '../schemas/common.js';
import { ConflictListQuerySchema, ConflictSchema } from '../schemas/conflicts.js';
import { sendPage } from './pages.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okPage, problems } from './responses.js';

const conflictsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/conflicts',
    {
      schema: {
        tags: ['conflicts'],
        operationId: 'listConflicts',
        summary: 'List scheduling conflicts: double-bookings, and dates that contradict each other',
        description:
          'A participant is placed by the dated meetings they attend or travel to, and by the stops of the trips ' +
          'they travel on (a stop with one known date spans that day). Four kinds:\n\n' +
          '- `overlapping_meetings`: two of their meetings with clock times overlap, compared as UTC instants. ' +
          'A meeting that ends when the other starts does not overlap it. A meeting without an end time is an ' +
          'instant: it overlaps a meeting under way then, or one starting at the same time.\n' +
          '- `two_places_same_day`: they are in two different cities (names compared without case or accents, ' +
          'in the same country) on the same local date, by stops or by meetings without a clock time. Not a ' +
          'conflict: the travel day between consecutive stops of one trip (the one leaves the day the next ' +
          'arrives; dated stops in between must be that day alone), unless both are meetings in the same part ' +
          'of the day (a clock time counts in its part: morning from 06:00, afternoon from 12:00, evening from ' +
          '17:00, night from 21:00). Two meetings with clock times are judged by the first rule only.\n' +
          '- `meeting_outside_stop`: a meeting is dated before its stop’s arrival or after its departure (a ' +
          'stop with an unknown date is open on that side).\n' +
          '- `overlapping_stops`: two stops of a trip overlap beyond such a travel day.\n\n' +
          'Cancelled meetings and cancelled trips take no part; undated records never conflict. Conflicts are ' +
          'listed by first date, then last date, kind and participant, and page like any collection. `from`/`to` ' +
          'keep conflicts whose dates overlap the window. Without `participant` or `trip`, both `from` and `to` are ' +
          'required, at most 366 days apart (both ends counted): conflicts are worked out from the schedules ' +
          'at request time, and everyone’s at once is too much for one request on a large database.',
        querystring: ConflictListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(ConflictSchema), 'A page of conflicts'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, await app.database.read((tx) => repos.conflicts.list(request.query, tx))),
  );
};

export default conflictsRoutes;
