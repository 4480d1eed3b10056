import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { stringify } from 'yaml';

type Document = ReturnType<typeof jsonSchemaTransformObject>;

/**
 * Every schema with an id is generated twice (as input and as output); keep only the components that an
 * operation reaches, directly or through other components.
 */
function withoutUnusedComponents(document: Document): Document {
  const schemas = (document as { components?: { schemas?: Record<string, unknown> } }).components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  visit((document as { paths?: unknown }).paths);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  return document;
}

type RouteDocument = Parameters<typeof jsonSchemaTransform>[0];
type ResponsesWithHeaders = Record<string, { headers?: Record<string, unknown> } | undefined>;

/** The zod transform drops response `headers` (e.g. Link on pages); carry them over as plain JSON Schema. */
function withResponseHeaders(route: RouteDocument) {
  const transformed = jsonSchemaTransform(route);
  const given = (route.schema as { response?: ResponsesWithHeaders } | undefined)?.response;
  const out = (transformed.schema as { response?: ResponsesWithHeaders } | undefined)?.response;
  if (given && out) {
    for (const [status, response] of Object.entries(given)) {
      const target = out[status];
      if (response?.headers && target) target.headers = response.headers;
    }
  }
  return transformed;
}

export const OPENAPI_INFO = {
  title: 'Diplomatic Itinerary API',
  version: '0.1.0',
  description:
    'Official travel as clean JSON: trips, the places visited (stops), the meetings held there, and who took part ' +
    '(participants). Every seeded fact cites the source sentence it comes from. Errors are RFC 9457 problem details.\n\n' +
    'Collections are cursor-paginated (`limit`, `cursor`, `nextCursor`, a `Link: rel="next"` header) and answer ' +
    'CSV on `Accept: text/csv` or `format=csv`. Every GET sends a strong `ETag` with `Cache-Control: no-cache`, ' +
    'and `If-None-Match` answers 304. CORS allows the origins the server lists in CORS_ORIGINS (none by default) ' +
    'and exposes ETag, Link, Location and Last-Modified. Each client has a rate limit (RateLimit headers, 429).',
  license: { name: 'MIT', identifier: 'MIT' },
};

export const TAGS = [
  { name: 'trips', description: 'Journeys of one traveler, with their whole itinerary on request' },
  { name: 'stops', description: 'The places a trip visits, in order' },
  { name: 'meetings', description: 'What happens at a stop, and who takes part' },
  { name: 'participants', description: 'People and groups who travel or take part in meetings' },
  { name: 'countries', description: 'The countries the itineraries visit' },
  { name: 'search', description: 'Full-text search across trips, stops, meetings and participants' },
  { name: 'changes', description: 'A feed of every write, for clients that keep a copy in sync' },
  { name: 'service', description: 'Health and API description' },
];

/**
 * The OpenAPI 3.1 document is generated from the zod schemas the routes validate with; schemas with a
 * `.meta({ id })` become named components. /docs serves Swagger UI from local files only.
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        servers: [{ url: '/', description: 'The server that serves this document' }],
        tags: TAGS,
        // Reads and writes are open until API keys arrive; saying so explicitly is part of the contract.
        security: [],
      },
      transform: withResponseHeaders,
      transformObject: (document) => withoutUnusedComponents(jsonSchemaTransformObject(document)),
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // validatorUrl null: Swagger UI would otherwise send the document to an online validator.
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
      staticCSP: true,
    });
  },
  { name: 'swagger' },
);

/** The served document as YAML, written plainly (no anchors or aliases): the same bytes as openapi.yaml. */
export function openApiYaml(app: FastifyInstance): string {
  return stringify(app.swagger(), { aliasDuplicateObjects: false, lineWidth: 0 });
}
