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

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

type JsonObject = Record<string, unknown>;

const PARSER_PROBLEMS: Record<number, string> = {
  400: 'A request HTTP cannot parse, such as one with a malformed Content-Length',
  408: 'The request (REQUEST_TIMEOUT_MS) or its headers (HEADERS_TIMEOUT_MS) took too long to arrive; the connection is closed',
  431: 'The request line and headers are larger than Node’s limit (16 kB), as with a very long URL',
};

/**
 * Declares what the auth plugin enforces, from the same rules: writes need a key with the write scope (admin
 * routes: admin); reads need none unless READ_ACCESS=key. Writes that change a resource also take If-Match
 * (412/428), and POST and PATCH an Idempotency-Key (409/422).
 */
function withAccessRules(route: RouteDocument, transformed: { schema: JsonObject }) {
  const url = route.url;
  if (/^\/health$/.test(url)) {
    transformed.schema.security = [];
    return;
  }
  const method = String(route.route.method).toUpperCase();
  const write = !['GET', 'HEAD'].includes(method);
  const scope = (route.route.config as { scope?: string } | undefined)?.scope ?? (write ? 'write' : 'read');
  transformed.schema.security = write || scope === 'admin' ? [{ bearerAuth: [] }] : [{}, { bearerAuth: [] }];
  transformed.schema['x-required-scope'] =
    write || scope === 'admin' ? scope : 'none (read when READ_ACCESS=key)';
  const responses = (transformed.schema.response ?? {}) as JsonObject;
  responses[401] = problem('No valid API key (WWW-Authenticate: Bearer)');
  responses[403] = problem(`The key lacks the ${scope} scope`);
  const headers = (transformed.schema.headers ?? { type: 'object', properties: {} }) as {
    type: string;
    properties: JsonObject;
  };
  if (['PATCH', 'PUT', 'DELETE'].includes(method) && !url.startsWith('/keys')) {
    headers.properties['if-match'] = {
      type: 'string',
      description:
        'The ETag ("v<version>", or as a compressed answer gave it, "v<version>-gzip") the change is based on; a ' +
        'stale one answers 412',
    };
    responses[412] = problem('If-Match names a version that is no longer current; nothing was changed');
    responses[428] = problem('REQUIRE_IF_MATCH is on and the request has no If-Match');
  }
  if (['POST', 'PATCH'].includes(method) && !url.startsWith('/keys')) {
    headers.properties['idempotency-key'] = {
      type: 'string',
      maxLength: 255,
      description:
        'Makes a retry safe: the same key with the same request replays the first answer for 24 hours',
    };
    // A route that documents its own 409 (a problem with more members) keeps it; the key's case joins it.
    const own = responses[409] as { description?: string; content?: unknown } | undefined;
    const plain = problem('');
    responses[409] =
      own && JSON.stringify(own.content) !== JSON.stringify(plain.content)
        ? {
            ...own,
            description: `${own.description}. Also: a request with this Idempotency-Key is still in flight`,
          }
        : problem('A request with this Idempotency-Key is still in flight, or the data conflicts');
    responses[422] = problem('This Idempotency-Key was used with a different request');
  }
  if (Object.keys(headers.properties).length > 0) transformed.schema.headers = headers;
  transformed.schema.response = responses;
}

/**
 * Node's parser answers 400, 408 and 431 before any route runs (plugins/errors.ts clientErrorHandler), so every
 * operation can meet them; a route's own 400 keeps its description.
 */
function withParserProblems(transformed: { schema: JsonObject }) {
  const responses = (transformed.schema.response ?? {}) as JsonObject;
  for (const [status, description] of Object.entries(PARSER_PROBLEMS)) {
    responses[status] ??= problem(description);
  }
  transformed.schema.response = responses;
}

/** The zod transform drops response `headers` (e.g. Link on pages); carry them over as plain JSON Schema. */
function withResponseHeaders(route: RouteDocument) {
  const transformed = jsonSchemaTransform(route);
  withAccessRules(route, transformed as unknown as { schema: JsonObject });
  withParserProblems(transformed as unknown as { schema: JsonObject });
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
    'CSV on `Accept: text/csv` or `format=csv`. `fields[<type>]=a,b` (types: trips, stops, meetings, participants) ' +
    'answers only those fields of each resource of that type, in a page, a record or what `include` embeds. Every GET sends a strong `ETag` with `Cache-Control: no-cache`, ' +
    'and `If-None-Match` answers 304. Answers of 1 kB or more are compressed (brotli or gzip, as `Accept-Encoding` ' +
    'allows; an event stream never), and a compressed answer’s ETag names its coding. CORS allows the origins the server lists in CORS_ORIGINS (none by default) ' +
    'and exposes ETag, Link, Location and Last-Modified. Each client has a rate limit (RateLimit headers, 429).',
  license: { name: 'MIT', identifier: 'MIT' },
};

export const TAGS = [
  { name: 'trips', description: 'Journeys of one traveler, with their whole itinerary on request' },
  { name: 'stops', description: 'The places a trip visits, in order' },
  { name: 'meetings', description: 'What happens at a stop, and who takes part' },
  { name: 'participants', description: 'People and groups who travel or take part in meetings' },
  {
    name: 'calendars',
    description: 'iCalendar (RFC 5545) feeds of trips, people and meetings, for calendar apps',
  },
  { name: 'countries', description: 'The countries the itineraries visit' },
  { name: 'search', description: 'Full-text search across trips, stops, meetings and participants' },
  { name: 'keys', description: 'API keys and their scopes (admin)' },
  { name: 'imports', description: 'Imports of the Office of the Historian’s travel records (admin)' },
  { name: 'audit', description: 'Who changed what, and each record’s versions' },
  { name: 'changes', description: 'A feed of every write, for clients that keep a copy in sync' },
  {
    name: 'conflicts',
    description:
      'Double-booked participants and contradictory dates; checked writes warn of the ones they introduce',
  },
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
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description:
                "An API key's token (itk_…), from `npm run keys -- create` or POST /keys. Scopes: read < write < admin.",
            },
          },
        },
      },
      transform: withResponseHeaders,
      transformObject: (document) => withoutUnusedComponents(jsonSchemaTransformObject(document)),
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // validatorUrl null: Swagger UI would otherwise send the document to an online validator.
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
      staticCSP: true,
      // swagger-ui's policy asks browsers to upgrade-insecure-requests, which turns every asset of a page served
      // over plain HTTP (any host but localhost) into an https fetch that fails, and the page stays blank.
      transformStaticCSP: (header) =>
        header
          .split(';')
          .map((directive) => directive.trim())
          .filter((directive) => directive !== '' && directive !== 'upgrade-insecure-requests')
          .join('; '),
    });
  },
  { name: 'swagger' },
);

/** The served document as YAML, written plainly (no anchors or aliases): the same bytes as openapi.yaml. */
export function openApiYaml(app: FastifyInstance): string {
  return stringify(app.swagger(), { aliasDuplicateObjects: false, lineWidth: 0 });
}
