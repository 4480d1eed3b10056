import { z } from 'zod';
import { collectionOf } from './common.js';

// Facets: beside a page of /trips, /stops or /meetings, how many of the whole filtered set have each value of a
// field (Datasette's facets, with distinct counts and groups). Each resource counts the fields that make sense for
// it; the repositories say what each name means in SQL (facets.ts there).

/** Every field a facet, a distinct count or a group can name. `trip` is only counted distinct (`facetDistinct`). */
export const FACET_FIELDS = ['country', 'year', 'decade', 'traveler', 'status', 'kind', 'trip'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export const TRIP_FACETS = ['country', 'year', 'decade', 'traveler', 'status'] as const;
export const STOP_FACETS = ['country', 'year', 'decade', 'traveler'] as const;
export const MEETING_FACETS = ['country', 'year', 'decade', 'traveler', 'status', 'kind'] as const;

export const FACET_LIMIT_DEFAULT = 10;
const FACET_LIMIT_MAX = 100;

/** What a page's facets ask for, once the query is parsed: each name once, in the order first given. */
export type FacetRequest = {
  names: FacetField[];
  /** Values per facet, or per facet and group with `per`. */
  limit: number;
  /** Count the distinct values of this field instead of the items. */
  distinct?: FacetField | undefined;
  /** Count each facet within each value of this field. */
  per?: FacetField | undefined;
};

/** The query parameters of facets, as parsed (facetLimit has its default applied where it is read). */
export type FacetQuery = {
  facet?: FacetField[] | undefined;
  facetLimit?: number | undefined;
  facetDistinct?: FacetField | undefined;
  facetPer?: FacetField | undefined;
};

const MEANINGS: Record<FacetField, string> = {
  country: 'country (ISO 3166-1 alpha-2; labelled with its name)',
  year: 'year',
  decade: 'decade (1950 for 1950–1959; labelled 1950s)',
  traveler: 'traveler (the participant id; labelled with their name)',
  status: 'status',
  kind: 'kind',
  trip: 'trip (its id)',
};

const oneOf = (names: readonly string[]) => `must be one of ${names.join(', ')}`;

/**
 * The facet parameters of a collection whose facets are `names` (and whose distinct counts may also name
 * `distinctOnly`), with what each name means there (`dates`: which date gives the year). Errors name the parameter
 * (`query.facet`, `query.facetLimit`, `query.facetDistinct`, `query.facetPer`).
 */
export function facetQueryShape<const Names extends readonly [FacetField, ...FacetField[]]>(
  names: Names,
  options: { dates: string; traveler: string; distinctOnly?: readonly FacetField[] },
) {
  const distinctNames = [...names, ...(options.distinctOnly ?? [])] as [FacetField, ...FacetField[]];
  const list = names.map((name) => `\`${name}\``).join(', ');
  return {
    facet: z
      .union([z.string(), z.array(z.string())])
      .transform((value) => [
        ...new Set(
          (Array.isArray(value) ? value : [value])
            .flatMap((v) => v.split(','))
            .map((v) => v.trim())
            .filter((v) => v.length > 0),
        ),
      ])
      .pipe(
        z.array(z.enum(names, { error: oneOf(names) })).min(1, `needs at least one of ${names.join(', ')}`),
      )
      .optional()
      .meta({
        description:
          `Adds \`facets\`: for each field named (${list}; repeat or comma-separate, each once), how many items of ` +
          'the whole filtered set (every page, whatever the cursor) have each value, most first, ties by value. ' +
          `${names.map((name) => MEANINGS[name]).join('; ')}. The year is that of ${options.dates}; the traveler ` +
          `is ${options.traveler}. Items without a value (no date) are in no count. One query per facet.`,
      }),
    facetLimit: z.coerce
      .number<string>({ error: `must be a whole number from 1 to ${FACET_LIMIT_MAX}` })
      .int(`must be a whole number from 1 to ${FACET_LIMIT_MAX}`)
      .min(1, `must be a whole number from 1 to ${FACET_LIMIT_MAX}`)
      .max(FACET_LIMIT_MAX, `must be a whole number from 1 to ${FACET_LIMIT_MAX}`)
      .optional()
      .meta({
        // The default is applied where the request is read (splitFacets), so that the lists' other callers need
        // not give it; the document still says it.
        default: FACET_LIMIT_DEFAULT,
        description: `Values per facet (1–${FACET_LIMIT_MAX}, default ${FACET_LIMIT_DEFAULT}); with facetPer, per group`,
      }),
    facetDistinct: z
      .enum(distinctNames, { error: oneOf(distinctNames) })
      .optional()
      .meta({
        description:
          'Counts, for each value of a facet, the distinct values of this field among its items instead of the ' +
          'items: `facet=traveler&facetDistinct=country` is how many countries each traveler went to',
      }),
    facetPer: z
      .enum(names, { error: oneOf(names) })
      .optional()
      .meta({
        description:
          'Counts each facet within each value of this field: `facet=country&facetPer=decade` gives the ' +
          'countries of each decade, each value with `per`, in order of `per`, then most first; facetLimit ' +
          'applies to each group',
      }),
  };
}

/**
 * The rule across the facet parameters: facetLimit, facetDistinct and facetPer only go with facet (alone they would
 * be silently ignored). For a query's superRefine.
 */
export function checkFacetQuery(query: FacetQuery, ctx: z.RefinementCtx): void {
  if (query.facet !== undefined) return;
  for (const name of ['facetLimit', 'facetDistinct', 'facetPer'] as const) {
    if (query[name] !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'needs facet' });
  }
}

/** The facets a parsed query asks for (undefined: none), and the query without them (the page's filters). */
export function splitFacets<Q extends FacetQuery>(
  query: Q,
): { facets: FacetRequest | undefined; rest: Omit<Q, keyof FacetQuery> } {
  const { facet, facetLimit, facetDistinct, facetPer, ...rest } = query;
  const facets = facet && {
    names: facet,
    limit: facetLimit ?? FACET_LIMIT_DEFAULT,
    distinct: facetDistinct,
    per: facetPer,
  };
  return { facets, rest };
}

const FacetValueSchema = z.union([z.string(), z.number().int()]);

export const FacetBucketSchema = z
  .object({
    value: FacetValueSchema.meta({
      description:
        'The value, as its filter takes it: a country code, a participant id, a year (1950), a decade (1950), ' +
        'a status or a kind',
    }),
    label: z.string().meta({
      description:
        'What to show: the country’s name, the traveler’s name, 1950s for a decade, else the value',
    }),
    count: z.number().int().meta({
      description:
        'Items of the filtered set with this value; with facetDistinct, the distinct values among them',
    }),
    per: z
      .object({ value: FacetValueSchema, label: z.string() })
      .optional()
      .meta({ description: 'With facetPer: the group this count is in' }),
  })
  .meta({
    id: 'FacetBucket',
    description: 'How many items have one value of a field',
    examples: [{ value: 'MX', label: 'Mexico', count: 3 }],
  });
export type FacetBucket = z.infer<typeof FacetBucketSchema>;
export type Facets = Partial<Record<FacetField, FacetBucket[]>>;

/** A page of a collection whose facets are `names`: `data`, `nextCursor`, `total` and, with facet, `facets`. */
export const facetedCollectionOf = <T extends z.ZodType>(item: T, names: readonly FacetField[]) =>
  collectionOf(item).extend({
    facets: z
      .object(Object.fromEntries(names.map((name) => [name, z.array(FacetBucketSchema).optional()])))
      .optional()
      .meta({
        description: 'With facet: each facet asked for, over the whole filtered set (whatever the cursor)',
      }),
  });
