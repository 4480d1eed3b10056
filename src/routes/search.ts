import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectionOf } from '../schemas/common.js';
import { SearchQuerySchema, SearchResultSchema } from '../schemas/search.js';
import { sendPage } from './pages.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okPage, problems } from './responses.js';

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/**
 * A snippet as plain text, for CSV: the `<mark>` tags dropped and the entities read back. Exact because the
 * snippet's HTML (search-repository's snippetHtml) escapes every `&`, `<`, `>`, `"` and `'` of the text and adds
 * nothing but those tags.
 */
export const snippetText = (html: unknown): string =>
  String(html)
    .replace(/<\/?mark>/g, '')
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);

const searchRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/search',
    {
      config: { csvCells: { snippet: snippetText } },
      schema: {
        tags: ['search'],
        operationId: 'search',
        summary: 'Find trips, stops, meetings and participants by text, best matches first',
        description:
          'Looks in trip titles, summaries and topics; stop cities and notes; meeting titles, descriptions and ' +
          'topics; participant names, offices and organizations. Case and accents do not matter, every word ' +
          'must match, and the last word also matches as a prefix, for type-ahead. Results are ranked by ' +
          'relevance (BM25, a match in a title or name weighing most), then by type and id. Each has a ' +
          '`snippet`, an HTML fragment with the text escaped and the matches in `<mark>…</mark>` (plain text in ' +
          'CSV). The ranking ' +
          'depends on everything indexed, so a write between two pages may shift a result across them.',
        querystring: SearchQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(SearchResultSchema), 'A page of results, best first'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, await app.database.read((tx) => repos.search.search(request.query, tx))),
  );
};

export default searchRoutes;
