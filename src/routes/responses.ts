import { z } from 'zod';
import { ProblemSchema } from '../schemas/common.js';

// Response maps shared by the route files, so every operation documents every status it can answer, with the
// media type it really sends.

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid JSON, path, query or body; `errors` names each bad field',
  404: 'No such resource',
  409: 'Conflicts with existing data; `detail` says why',
  410: 'The token is older than the change history kept; resync in full',
  413: 'The body is larger than the limit',
  414: 'The URL is longer than 8,192 characters',
  415: 'The body is not JSON',
  429: 'Too many requests from this client; see Retry-After and the RateLimit headers',
  500: 'A fault of the server, logged under `requestId`',
  503: 'The database does not answer',
};

const CACHE_HEADERS = {
  ETag: {
    type: 'string',
    description:
      'Strong validator of this representation; a compressed answer’s names its coding (`"…-gzip"`, `"…-br"`). ' +
      'Send it back in If-None-Match',
  },
  'Cache-Control': { type: 'string', description: '`no-cache`: revalidate before reuse (a 304 is cheap)' },
};

const CsvSchema = z
  .string()
  .describe(
    'RFC 4180 CSV: a header row of the item fields, then one row per item, CRLF line ends. Lists of text are ' +
      'joined with "; ", other nested values are their JSON text, and null is an empty cell. A field that only ' +
      '`include=` adds is a column only when included. A text cell that starts with =, +, -, @, tab or CR (or ' +
      'their full-width forms) starts with a single quote, so that spreadsheets do not run it as a formula; ' +
      'line ends inside a value are LF, and no other control character but tab is written. `bom=true` starts ' +
      'the body with a UTF-8 byte-order mark, for Excel.',
  );

/** A page of a collection, as JSON or CSV, with a `Link` header to the next page when there is one. */
export const okPage = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema }, 'text/csv': { schema: CsvSchema } },
  headers: {
    ...CACHE_HEADERS,
    Link: {
      type: 'string',
      description: 'RFC 8288 link to the next page (`rel="next"`), repeating the query with the next cursor',
    },
    Vary: {
      type: 'string',
      description: '`Accept, Accept-Encoding`: the same URL also answers CSV, and compressed answers',
    },
  },
});

/** One resource, with its validators. */
export const okResource = <T extends z.ZodType>(schema: T, description: string) => ({
  ...ok(schema, description),
  headers: {
    ...CACHE_HEADERS,
    'Last-Modified': { type: 'string', description: 'When the resource last changed (its `updatedAt`)' },
  },
});

/** One resource in another media type than JSON (a calendar, a map), with its validators. */
export const okMedia = (mediaType: string, schema: z.ZodType, description: string) => ({
  description,
  content: { [mediaType]: { schema } },
  headers: {
    ...CACHE_HEADERS,
    'Last-Modified': { type: 'string', description: 'When the newest record it shows last changed' },
  },
});

/** A conditional GET whose If-None-Match matched: no body. */
export const NotModifiedSchema = z.null().describe('Not modified: the ETag in If-None-Match still matches');

/** The request headers of a conditional GET. */
export const ConditionalGetHeadersSchema = z.object({
  'if-none-match': z
    .string()
    .optional()
    .meta({ description: 'ETags the client holds (or *); a match answers 304 with no body' }),
});

/** A JSON success response with its description. */
export const ok = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Problem responses (application/problem+json) for the given statuses, plus 429 and 500, which any can answer. */
export function problems(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { 'application/problem+json': { schema: z.ZodType } } }
  > = {};
  // Any operation can meet the URL length limit, the rate limit or a fault of the server.
  for (const status of [...statuses, 414, 429, 500]) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

/** Statuses a request with a JSON body can also answer. */
export const BODY_PROBLEMS = [400, 413, 415] as const;

export const NoContentSchema = z.null().describe('Done; no body');
