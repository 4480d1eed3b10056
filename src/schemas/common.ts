import { z } from 'zod';
import { isCountryCode } from '../domain/countries.js';
import { normalizeText, textFault } from '../domain/text.js';
import { canonicalZone } from '../domain/tzdb.js';
import type { StoredSource } from '../domain/vocabulary.js';

// Field schemas shared by every resource. Input schemas validate; output schemas only describe.

const LOCAL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A calendar date with no zone, as the place's own calendar shows it (YYYY-MM-DD). */
export const LocalDateSchema = z
  .string()
  .regex(LOCAL_DATE, { error: 'must be a date as YYYY-MM-DD', abort: true })
  // Years 1000–9998: every instant of such a day, in any zone, still has a four-digit year (RFC 3339).
  .refine(
    (s) => {
      const year = Number(s.slice(0, 4));
      return year >= 1000 && year <= 9998;
    },
    { error: 'must be in the years 1000 to 9998', abort: true },
  )
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, 'is not a day of the calendar')
  .meta({ description: 'Local date (YYYY-MM-DD), in the place’s own calendar', example: '2018-02-04' });

/** A date known to the year, month or day, for sources and context ("2018", "2018-04", "2018-04-13"). */
export const PartialDateSchema = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')
  .meta({ description: 'A date known to the year, the month or the day', example: '2018-04' });

/** Local wall-clock time, minutes precision. */
export const LocalTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM (00:00 to 23:59)')
  .meta({ description: 'Local wall-clock time (HH:MM)', example: '09:30' });

export const CountryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 code in upper case, such as AR', abort: true })
  .refine(isCountryCode, 'is not an ISO 3166-1 alpha-2 country code')
  .meta({
    description:
      'ISO 3166-1 alpha-2 country code; also the codes of former states (CS, DD, YU, AN, SU), XK, and ZZ for unknown',
    example: 'AR',
  });

/**
 * A name of the IANA tz database, a zone or a link, in any case (`UTC`, `Europe/Kiev`), stored as the zone it
 * names (`Etc/UTC`, `Europe/Kyiv`) so that each place has one zone to every filter and calendar.
 */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .refine((zone) => canonicalZone(zone) !== undefined, {
    error: 'is not an IANA time zone name',
    abort: true,
  })
  .overwrite((zone) => canonicalZone(zone) ?? zone)
  .meta({
    description: 'IANA time zone of the place; a link name (Europe/Kiev, UTC) is stored as its zone',
    example: 'America/Argentina/Buenos_Aires',
  });

/**
 * Free text, as every resource takes it (names, titles, descriptions, notes, topics, sources, query text): line
 * ends made `\n` and NFC (domain/text.ts normalizeText), so that one letter is always stored as the same code
 * points; then refused, as a 400 naming the field, when it holds a control character other than tab and line feed
 * (which no calendar, CSV or terminal shows as intended, and some readers reject) or half a character (a lone
 * UTF-16 surrogate, which would reach the database as bytes that are not UTF-8). Chain `.trim()`, `.min()` and
 * `.max()` after it: they then count the normalised text.
 */
export const text = (params?: Parameters<typeof z.string>[0]) =>
  z
    .string(params)
    .overwrite(normalizeText)
    .refine((value) => textFault(value) === null, {
      error: (issue) => textFault(String(issue.input)) ?? 'is not valid text',
      abort: true,
    });

/** `text()` with the usual message for a value that is not a string. */
export const TextSchema = text();

/**
 * The largest id a record can have: ids are 32-bit integers on both engines (PostgreSQL's `integer`; SQLite could
 * go further, but the two must agree), so a larger one names no record and is refused as input.
 */
export const MAX_ID = 2_147_483_647;

export const IdSchema = z
  .number()
  .int()
  .positive()
  .max(MAX_ID, `must be at most ${MAX_ID}`)
  .meta({ example: 1 });

/**
 * An id as it appears in a URL: only its canonical decimal spelling (`1`, never `01`, `1.0`, `0x1`, `1e0` or ` 1`),
 * so that each record has one address. Answers the id as a number, at most MAX_ID.
 */
export const idParam = (description: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive whole number in plain decimal digits, such as 12')
    .meta({ description, example: '1' })
    .transform(Number)
    .pipe(z.number().max(MAX_ID, `must be at most ${MAX_ID}`));

export const IdParamsSchema = z.strictObject({
  id: idParam('The resource id'),
});

export const TopicsSchema = z
  .array(TextSchema.trim().min(1).max(100))
  .max(50)
  .meta({ description: 'Subjects on the agenda', example: ['Venezuela', 'trade'] });

export const SourceSchema = z
  .strictObject({
    title: TextSchema.trim().min(1).max(500),
    publisher: TextSchema.trim().min(1).max(300).nullable(),
    publishedAt: PartialDateSchema.nullable(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .nullable(),
    quote: TextSchema.trim()
      .min(1)
      .max(5000)
      .meta({ description: 'A verbatim sentence or phrase of the source that supports the record' }),
    recordId: TextSchema.max(100)
      .nullable()
      .optional()
      .meta({ description: 'The record’s id within the source, when it has one' }),
  })
  .meta({
    id: 'Source',
    description: 'Where a fact comes from, with the words that support it',
    example: {
      title: 'Tillerson makes LatAm debut with Venezuela on agenda',
      publisher: 'The Bubble',
      publishedAt: '2018',
      url: 'http://www.thebubble.com/tillerson-makes-latam-debut-with-venezuela-on-agenda/',
      quote:
        'Tillerson and Foreign Minister Jorge Faurie will meet along with other cabinet members in Buenos Aires',
      recordId: null,
    },
  }) satisfies z.ZodType<StoredSource>;
export type Source = z.infer<typeof SourceSchema>;

export const SourcesSchema = z.array(SourceSchema).max(50);

export const TimestampsShape = {
  createdAt: z.iso.datetime().meta({ description: 'When the record was created (UTC)' }),
  updatedAt: z.iso.datetime().meta({ description: 'When the record last changed (UTC)' }),
  version: z.number().int().positive().meta({ description: 'Grows by one on every change' }),
};

/** For operations that take no query parameters: any given is named as unknown (a 400). */
export const NoQuerySchema = z.strictObject({});

/** Every collection answers a page: the items, the cursor of the next page, and on request the total. */
export const collectionOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    total: z.number().int().optional().meta({ description: 'Every matching item, with count=true' }),
  });

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'A URI naming the kind of problem', example: 'about:blank' }),
    title: z.string().meta({ example: 'Bad Request' }),
    status: z.number().int().meta({ example: 400 }),
    detail: z.string().meta({ example: 'The request body has 1 invalid field.' }),
    instance: z.string().optional().meta({ description: 'The request path', example: '/trips' }),
    code: z
      .string()
      .optional()
      .meta({ description: 'A stable, machine-readable reason', example: 'validation_failed' }),
    errors: z
      .array(
        z.object({
          path: z.string().meta({ example: 'body.endDate' }),
          message: z.string().meta({ example: 'must be on or after startDate' }),
        }),
      )
      .optional()
      .meta({ description: 'Each invalid field, for invalid input' }),
    requestId: z
      .string()
      .optional()
      .meta({ description: 'The id under which the server logged the request' }),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem detail (application/problem+json)' });
export type Problem = z.infer<typeof ProblemSchema>;
