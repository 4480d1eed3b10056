import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectionOf } from '../schemas/common.js';
import {
  CountryListQuerySchema,
  CountryParamsSchema,
  CountrySchema,
  CountryStopsQuerySchema,
} from '../schemas/countries.js';
import { StopWithMeetingsSchema } from '../schemas/stops.js';
import { stopDetails } from '../services/itinerary-service.js';
import { sendPage } from './pages.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okPage, problems } from './responses.js';

const tags = ['countries'];

const countriesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, database } = app;

  app.get(
    '/countries',
    {
      schema: {
        tags,
        operationId: 'listCountries',
        summary: 'The countries visited, with visits, trips, and first and last visit',
        querystring: CountryListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(CountrySchema), 'A page of countries, by code'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, await database.read((tx) => repos.countries.list(request.query, tx))),
  );

  app.get(
    '/countries/:code/stops',
    {
      schema: {
        tags,
        operationId: 'listCountryStops',
        summary: 'The stops in a country across trips, in chronological order',
        description: 'A valid code that no stop has answers an empty list; an invalid code is a 400.',
        params: CountryParamsSchema,
        querystring: CountryStopsQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(StopWithMeetingsSchema), 'A page of stops'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const page = await database.read(async (tx) => {
        const found = await repos.stops.list(
          { ...request.query, country: [request.params.code], sort: 'arrivalDate' },
          tx,
        );
        return { ...found, data: await stopDetails(repos, tx, found.data, request.query.include) };
      });
      return sendPage(request, reply, page);
    },
  );
};

export default countriesRoutes;
