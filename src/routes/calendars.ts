import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import type { CalendarResource } from '../services/answers.js';
import { sendCachedAnswer } from './cached-answers.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okMedia, problems } from './responses.js';

// Subscribable calendars (RFC 5545): a trip, a person's travels and meetings, or one meeting. Calendar apps poll
// them; each answer has a strong ETag over its bytes, which stay the same while the records do, so a poll of an
// unchanged calendar is a 304.

const CALENDAR = 'text/calendar; charset=utf-8';

const CalendarTextSchema = z
  .string()
  .describe(
    'An iCalendar (RFC 5545) VCALENDAR. Each meeting is a VEVENT with a stable UID (`meeting-{id}@…`) and a ' +
      'SEQUENCE that grows with its version; a meeting with a clock time is in its stop’s zone (TZID, with ' +
      'its VTIMEZONE), one with only a date or a part of the day is all-day (the part of the day in SUMMARY), ' +
      'and undated meetings are left out and counted in X-ITINERARY-UNDATED-MEETINGS. Each stop is an all-day, ' +
      'transparent VEVENT (`stop-{id}@…`) from arrival to departure.',
  );

const schemaFor = (operationId: string, summary: string, description: string) => ({
  tags: ['calendars'],
  operationId,
  summary,
  description,
  params: IdParamsSchema,
  querystring: NoQuerySchema,
  headers: ConditionalGetHeadersSchema,
  response: {
    200: okMedia('text/calendar', CalendarTextSchema, 'The calendar (text/calendar)'),
    304: NotModifiedSchema,
    ...problems(400, 404),
  },
});

const SUBSCRIBE = 'Subscribe to it from a calendar app (Google Calendar, Apple Calendar, Outlook).';

const CALENDARS: {
  resource: CalendarResource;
  operationId: string;
  summary: string;
  description: string;
}[] = [
  {
    resource: 'trip',
    operationId: 'getTripCalendar',
    summary: 'A trip as an iCalendar feed: its stops and meetings',
    description: SUBSCRIBE,
  },
  {
    resource: 'participant',
    operationId: 'getParticipantCalendar',
    summary:
      'A participant’s calendar: the stops of the trips they travel on, and the meetings they attend or that are on those trips',
    description: SUBSCRIBE,
  },
  {
    resource: 'meeting',
    operationId: 'getMeetingCalendar',
    summary: 'One meeting as an iCalendar event, to add to a calendar',
    description: 'An undated meeting gives a calendar without events, with X-ITINERARY-UNDATED-MEETINGS:1.',
  },
];

const calendarsRoutes: FastifyPluginAsyncZod = async (app) => {
  // Calendar apps poll: rendered calendars are kept like itineraries (services/answers.ts), emptied by any write.
  const { answers } = app;

  for (const calendar of CALENDARS) {
    app.get(
      `/${calendar.resource}s/:id/calendar.ics`,
      { schema: schemaFor(calendar.operationId, calendar.summary, calendar.description) },
      async (request, reply) => {
        const { id } = request.params;
        const answer = await answers.calendar(calendar.resource, id);
        reply.header('content-disposition', `inline; filename="${calendar.resource}-${id}.ics"`);
        // The ETag is the one http-caching would compute over the same bytes; it answers If-None-Match.
        return sendCachedAnswer(request, reply, answer, CALENDAR);
      },
    );
  }
};

export default calendarsRoutes;
