import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';

// Collections as CSV (RFC 4180), on `Accept: text/csv` or `?format=csv`.
//
// The route still answers JSON, serialized and checked by its zod response schema as usual. An onSend hook then
// turns that JSON text into CSV: the CSV holds exactly what the JSON would have held, and no CSV string ever
// reaches the JSON serializer. The hook runs before the ETag is computed (http-caching depends on this plugin),
// so the CSV and JSON representations get different tags.
//
// Choices:
// - Only collections (a body with a `data` array) have a CSV form. Anything else asked for as CSV answers its
//   usual JSON (Accept is a preference, RFC 9110 §12.1), and errors stay problem+json.
// - Rows are the `data` items. The columns are the item fields of the route's response schema, in order, then
//   any other key an item has, in first-seen order; so an empty page still has its header row (the body is
//   empty only when neither a schema nor an item names a column).
// - Cells: null is empty; a list of strings is joined with "; " (an empty list is empty); other objects and
//   lists are their JSON text. `nextCursor` and `total` are not in the CSV; the Link header carries paging.

export const CSV_TYPE = 'text/csv; charset=utf-8';

type Collection = { data: unknown[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isCollection = (value: unknown): value is Collection => isRecord(value) && Array.isArray(value.data);

/** The q-value that an Accept header gives a media type: that of its most specific matching range. */
export function acceptQuality(accept: string, type: string): number {
  const major = type.slice(0, type.indexOf('/'));
  let specificity = -1;
  let quality = 0;
  for (const range of accept.split(',')) {
    const [name = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const rank = name === type ? 2 : name === `${major}/*` ? 1 : name === '*/*' ? 0 : -1;
    if (rank <= specificity) continue;
    specificity = rank;
    const q = params.find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    quality = Number.isFinite(value) ? value : 0;
  }
  return quality;
}

/** `?format=` decides when given; otherwise CSV only when Accept prefers it to JSON (a tie is JSON). */
function wantsCsv(request: FastifyRequest): boolean {
  // Read defensively: the query may not have been validated by a schema that knows `format`.
  const format = isRecord(request.query) ? request.query.format : undefined;
  if (format === 'csv') return true;
  if (format === 'json') return false;
  const accept = request.headers.accept;
  if (!accept) return false;
  return acceptQuality(accept, 'text/csv') > acceptQuality(accept, 'application/json');
}

/** Whether the route documents a text/csv answer: only those answer CSV (others keep their JSON). */
function offersCsv(request: FastifyRequest): boolean {
  const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
  const ok = responses?.[200] as { content?: Record<string, unknown> } | undefined;
  return ok?.content?.['text/csv'] !== undefined;
}

/** The item fields of the route's 200 response schema, when it is a zod `{ data: z.array(z.object(...)) }`. */
function schemaColumns(request: FastifyRequest): string[] {
  const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
  const ok = responses?.[200] as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = ok?.content?.['application/json']?.schema;
  if (!(schema instanceof z.ZodObject)) return [];
  const data = schema.shape.data;
  if (!(data instanceof z.ZodArray) || !(data.element instanceof z.ZodObject)) return [];
  return Object.keys(data.element.shape);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('; ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The items as CSV, or undefined when they are not all objects (then there is no table to give). */
export function toCsv(items: unknown[], knownColumns: string[] = []): string | undefined {
  if (!items.every(isRecord)) return undefined;
  const columns = new Set(knownColumns);
  for (const item of items) for (const key of Object.keys(item)) columns.add(key);
  const header = [...columns];
  // No schema and no items: nothing to name, so an empty body rather than a blank header line.
  if (header.length === 0) return '';
  const rows = items.map((item) => header.map((column) => cell(item[column])));
  return stringify(rows, {
    header: true,
    columns: header,
    record_delimiter: 'windows',
    // csv-stringify quotes on its own record delimiter (CRLF) only; a lone CR or LF in a value needs quotes too.
    quoted_match: /[\r\n]/,
  });
}

function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  const fields =
    current === undefined
      ? []
      : String(current)
          .split(/\s*,\s*/)
          .filter(Boolean);
  if (fields.some((name) => name === '*' || name.toLowerCase() === field.toLowerCase())) return;
  reply.header('vary', [...fields, field].join(', '));
}

export default fp(
  async (app) => {
    // Successful collection reads, found before serialization while the body is still an object.
    const collections = new WeakSet<FastifyRequest>();
    const isRead = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

    app.addHook('preSerialization', async (request, reply, payload: unknown) => {
      if (isRead(request) && reply.statusCode === 200 && isCollection(payload) && offersCsv(request)) {
        collections.add(request);
        // The representation depends on Accept, so caches must key on it.
        addVary(reply, 'Accept');
      }
      return payload;
    });

    app.addHook('onSend', async (request, reply, payload: unknown) => {
      if (!collections.has(request) || reply.statusCode !== 200 || typeof payload !== 'string')
        return payload;
      if (!wantsCsv(request)) return payload;
      const body: unknown = JSON.parse(payload);
      if (!isCollection(body)) return payload;
      const csv = toCsv(body.data, schemaColumns(request));
      if (csv === undefined) return payload;
      reply.header('content-type', CSV_TYPE);
      return csv;
    });
  },
  { name: 'csv' },
);
