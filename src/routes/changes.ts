import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChangesPageSchema, ChangesQuerySchema } from '../schemas/changes.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, ok, problems } from './responses.js';

const changesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/changes',
    {
      schema: {
        tags: ['changes'],
        operationId: 'listChanges',
        summary: 'What was created, updated or deleted since a token, oldest first',
        description:
          'Call without `since` to get the current token; later, pass it as `since` to get every change after ' +
          'it, with a `nextToken` for the next call. Deletions are tombstones (`deleted: true`). A token older ' +
          'than the kept history answers 410: fetch the collections again and start over.',
        querystring: ChangesQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: ok(ChangesPageSchema, 'The changes after the token, and the token to use next'),
          304: NotModifiedSchema,
          ...problems(400, 410),
        },
      },
    },
    async (request, reply) => {
      const { since, limit } = request.query;
      if (!since) {
        return {
          data: [],
          nextToken: await app.database.read((tx) => repos.changes.currentToken(tx)),
          hasMore: false,
        };
      }
      const page = await app.database.read((tx) => repos.changes.since(since, limit, tx));
      if (page.hasMore) {
        const url = new URL(request.url, 'http://localhost');
        url.searchParams.set('since', page.nextToken);
        reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
      }
      return page;
    },
  );
};

export default changesRoutes;
