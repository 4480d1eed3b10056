import { z } from 'zod';
import { CountryCodeSchema, IdSchema, idParam, LocalDateSchema, TextSchema } from './common.js';

// Query parameters shared by the collections: pagination, repeatable filters, date windows, sorting.

/** `format` and `bom`: every collection that has a CSV form takes them. */
export const CsvQueryShape = {
  format: z
    .enum(['json', 'csv'], { error: 'must be json or csv' })
    .optional()
    .meta({ description: 'csv answers text/csv (as does `Accept: text/csv`)' }),
  // Left as text: only the CSV writer reads it, and the filters that repositories take stay without it.
  bom: z.enum(['true', 'false'], { error: 'must be true or false' }).optional().meta({
    description:
      'With true, CSV starts with a UTF-8 byte-order mark, so that Excel reads accents right (JSON ignores it)',
  }),
};

export const PageQueryShape = {
  limit: z.coerce
    .number<string>({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be a whole number from 1 to 200')
    .max(200, 'must be a whole number from 1 to 200')
    .default(50)
    .meta({ description: 'Items per page (1–200)' }),
  cursor: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page; opaque' }),
  count: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true')
    .meta({ description: 'With true, the page also carries `total`, the exact number of matching items' }),
  ...CsvQueryShape,
};

/** A parameter that may repeat (`country=MX&country=AR`) or list values with commas (`country=MX,AR`). */
export const repeatable = <T extends z.ZodType<unknown, string>>(item: T, description: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v.length > 0),
    )
    .pipe(z.array(item).min(1, 'needs at least one value').max(50, 'takes at most 50 values'))
    .optional()
    .meta({ description });

export const countriesParam = repeatable(
  CountryCodeSchema,
  'ISO 3166-1 alpha-2 codes; repeat or comma-separate',
);

/** An optional id filter, spelled as ids are in paths (canonical decimal digits only). */
export const idFilter = (description: string) => idParam(description).optional();

export const TextQuerySchema = TextSchema.trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .optional()
  .meta({
    description:
      'Text to look for, anywhere in the text; case and accents do not matter (`pena` finds Peña, `strasse` ' +
      'Straße), nor do letters such as ł, ø, ß, ı and þ, as in search',
  });

/** `topic=`: records with this topic, matched as search matches text (case and accents do not matter). */
export const topicParam = (description: string) =>
  TextSchema.trim()
    .min(1)
    .max(100)
    .optional()
    .meta({
      description: `${description}; case and accents do not matter (\`narcotrafico\` is Narcotráfico)`,
    });

export const DateWindowShape = {
  from: LocalDateSchema.optional().meta({ description: 'Local date; items on or after it (inclusive)' }),
  to: LocalDateSchema.optional().meta({ description: 'Local date; items on or before it (inclusive)' }),
};

const isInstant = (value: string) => value.includes('T');

/** A local date, or an RFC 3339 instant (with Z or an offset) compared against meetings' UTC instants. */
const dateOrInstant = (description: string) =>
  z
    .string()
    .refine(
      (value) =>
        LocalDateSchema.safeParse(value).success || z.iso.datetime({ offset: true }).safeParse(value).success,
      'must be a local date (YYYY-MM-DD) or an RFC 3339 instant with Z or an offset (2018-02-04T18:00:00-03:00)',
    )
    .optional()
    .meta({ description });

/** Meetings take instants too: a meeting with a known time matches when its start falls inside them. */
export const MeetingWindowShape = {
  from: dateOrInstant(
    'A local date (meetings on or after it), or an RFC 3339 instant (timed meetings starting at or after it)',
  ),
  to: dateOrInstant(
    'A local date (meetings on or before it), or an RFC 3339 instant (timed meetings starting at or before it)',
  ),
};

/** Adds the cross-field rule of a date window to a query object. */
export const withDateWindow = <T extends z.ZodObject>(schema: T) =>
  schema.superRefine((query, ctx) => {
    const { from, to } = query as { from?: string; to?: string };
    if (!from || !to || isInstant(from) !== isInstant(to)) return;
    const after = isInstant(from) ? Date.parse(from) > Date.parse(to) : from > to;
    if (after) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be on or after from (${from})` });
  });

export const sortParam = <const T extends readonly [string, ...string[]]>(names: T, fallback: T[number]) =>
  z
    .enum(names, { error: `must be one of ${names.join(', ')}` })
    .default(fallback as never)
    .meta({ description: `Sort order; a leading - reverses it. One of ${names.join(', ')}` });

export const INCLUDES = ['stops', 'meetings', 'participants', 'traveler'] as const;
export type Include = (typeof INCLUDES)[number];

/** `include=stops,meetings,participants`: a comma-separated list of the parts to embed. */
export const includeParam = (allowed: readonly Include[]) =>
  z
    .string()
    .refine(
      (value) => value.split(',').every((part) => (allowed as readonly string[]).includes(part.trim())),
      `must be a comma-separated list of: ${allowed.join(', ')}`,
    )
    .transform((value) => new Set(value.split(',').map((part) => part.trim() as Include)))
    .optional()
    .meta({ description: `Parts to embed, comma-separated: ${allowed.join(', ')}` });

export { IdSchema };

/** The types of resources a response holds, as `fields[<type>]` names them (JSON:API's types: the collections). */
export const RESOURCE_TYPES = ['trips', 'stops', 'meetings', 'participants'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

const SINGULAR: Record<ResourceType, string> = {
  trips: 'trip',
  stops: 'stop',
  meetings: 'meeting',
  participants: 'participant',
};

/**
 * `fields[<type>]=a,b,c`: the fields of each `type` resource to answer (JSON:API's sparse fieldsets), named as
 * `schema`'s properties are. Parsed to the list of names; names it does not know are one issue that lists them.
 */
export function fieldsParam(type: ResourceType, schema: z.ZodObject) {
  const known = Object.keys(schema.shape);
  return z
    .union([z.string(), z.array(z.string())], { error: 'must be field names, comma-separated' })
    .transform((value, ctx) => {
      // Repeated (`fields[trips]=title&fields[trips]=status`) as the other list parameters may be.
      const names = (Array.isArray(value) ? value : [value])
        .flatMap((part) => part.split(','))
        .map((name) => name.trim())
        .filter((name) => name.length > 0);
      const unknown = [...new Set(names.filter((name) => !known.includes(name)))];
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `has unknown field${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}; the fields of a ${SINGULAR[type]} are ${known.join(', ')}`,
        });
        return z.NEVER;
      }
      return names;
    })
    .optional()
    .meta({
      description:
        `The fields of each ${SINGULAR[type]} to answer, comma-separated (JSON:API sparse fieldsets): any of ` +
        `${known.join(', ')}. \`id\` is always answered, and so are the parts \`include\` embeds; an empty list ` +
        'answers the id only.',
    });
}

type FieldsShape<T extends ResourceType> = {
  [K in T as `fields[${K}]`]: ReturnType<typeof fieldsParam>;
};

/** The `fields[<type>]` parameters of a route, one per type of resource its answers can hold. */
export function fieldsShape<T extends ResourceType>(schemas: Record<T, z.ZodObject>): FieldsShape<T> {
  return Object.fromEntries(
    Object.entries<z.ZodObject>(schemas).map(([type, schema]) => [
      `fields[${type}]`,
      fieldsParam(type as ResourceType, schema),
    ]),
  ) as FieldsShape<T>;
}
