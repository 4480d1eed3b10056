import { stringify } from 'csv-stringify/sync';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { withoutControlCharacters } from '../domain/output-text.js';
import { keepsField } from './fields.js';
import { addVary } from './http-caching.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How the CSV form of a collection writes some of its columns, by field: the JSON value in, the cell's value
     * out (search gives its HTML snippet as plain text).
     */
    csvCells?: Record<string, (value: unknown) => unknown>;
  }
}

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
// - Rows are the `data` items. The columns are the item fields of the route's response schema that every item
//   has, in order, then any other key an item has (such as an optional field that `include=` adds), in
//   first-seen order; so an empty page still has its header row, and no column is there only to be empty (the
//   body is empty only when neither a schema nor an item names a column).
// - Cells: null is empty; a list of strings is joined with "; " (an empty list is empty); other objects and
//   lists are their JSON text. `nextCursor` and `total` are not in the CSV; the Link header carries paging.
// - Spreadsheets run a cell that starts with =, +, -, @, tab or CR as a formula (OWASP "CSV Injection"), so
//   csv-stringify's `escape_formulas` puts a single quote before such a text (numbers stay numbers: -58.38 is
//   a longitude). Text has its line ends as LF and no other control character but tab (withoutControlCharacters).
// - `?bom=true` starts the body with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8.

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

/**
 * The item fields that the route's 200 response schema, a zod `{ data: z.array(z.object(...)) }`, says every
 * item has; an optional field (one that may be absent) is a column only when an item has it.
 */
function schemaColumns(request: FastifyRequest): string[] {
  const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
  const ok = responses?.[200] as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = ok?.content?.['application/json']?.schema;
  if (!(schema instanceof z.ZodObject)) return [];
  const data = schema.shape.data;
  if (!(data instanceof z.ZodArray) || !(data.element instanceof z.ZodObject)) return [];
  const shape = data.element.shape as Record<string, z.ZodType>;
  return Object.keys(shape).filter((key) => !shape[key]?.safeParse(undefined).success);
}

const textCell = (value: string): string => withoutControlCharacters(value);

/** A list of strings is joined with "; "; other lists and objects are their JSON text (which escapes controls). */
function objectCell(value: object): string {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map(textCell).join('; ');
  }
  return JSON.stringify(value);
}

export type CsvOptions = {
  /** Columns the items may lack, named first (the schema's); the items' other keys follow. */
  knownColumns?: string[];
  /** Per column, the cell's value from the item's (see `csvCells`). */
  cells?: Record<string, (value: unknown) => unknown>;
  /** Start with a UTF-8 byte-order mark (U+FEFF). */
  bom?: boolean;
};

/** The items as CSV (RFC 4180, CRLF), or undefined when they are not all objects (then there is no table). */
export function toCsv(items: unknown[], options: CsvOptions = {}): string | undefined {
  if (!items.every(isRecord)) return undefined;
  const columns = new Set(options.knownColumns ?? []);
  for (const item of items) for (const key of Object.keys(item)) columns.add(key);
  const header = [...columns];
  // No schema and no items: nothing to name, so an empty body rather than a blank header line.
  if (header.length === 0) return '';
  const cells = options.cells ?? {};
  const rows = items.map((item) =>
    header.map((column) => {
      const value = item[column];
      const cell = cells[column];
      return cell && value !== null && value !== undefined ? cell(value) : value;
    }),
  );
  const csv = stringify(rows, {
    header: true,
    columns: header,
    record_delimiter: 'windows',
    // csv-stringify quotes on its own record delimiter (CRLF) only; a LF kept in a value needs quotes too.
    quoted_match: /[\r\n]/,
    escape_formulas: true,
    cast: {
      string: textCell,
      boolean: String,
      object: objectCell,
    },
  });
  return options.bom ? `\uFEFF${csv}` : csv;
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
      const csv = toCsv(body.data, {
        // With fields[<type>], only the fields asked for are columns.
        knownColumns: schemaColumns(request).filter((column) => keepsField(request, column)),
        cells: request.routeOptions.config.csvCells,
        bom: isRecord(request.query) && request.query.bom === 'true',
      });
      if (csv === undefined) return payload;
      reply.header('content-type', CSV_TYPE);
      return csv;
    });
  },
  { name: 'csv', dependencies: ['fields'] },
);
