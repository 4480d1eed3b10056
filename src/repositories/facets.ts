import { and, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { queryRows } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { countryName } from '../domain/countries.js';
import type { FacetBucket, FacetField, FacetRequest, Facets } from '../schemas/facets.js';
import { asCount } from './dialect.js';
import type { Page } from './pagination.js';

// Facets of a collection: for each field asked for, the values its filtered rows have and how many rows have each,
// in one GROUP BY query per facet. The rows are those of the page's own WHERE clause (the repository passes the
// very condition its page runs), without the cursor or the limit, so the counts describe the whole filtered set.
// Values are read in an inner query and grouped by their aliases, so that both engines group by the same thing
// (PostgreSQL does not see two spellings of an expression with parameters as one); a window function keeps the
// first `limit` values of each group (`per`). Travelers are named in the same query; countries by their code.

/** How a collection reads a field: its value in a row, and the joins (in order) the value needs. */
export type FacetColumn = {
  value: SQLWrapper;
  joins?: SQL[];
  /** The join gives a row several rows (a trip's stops): count items, not joined rows. */
  multiplies?: boolean;
};

/**
 * What a collection's facets read: its rows (FROM, then the joins its WHERE clause needs, if any), the item's id,
 * its fields. A join is written once however many fields need it (the same SQL object), so that a table is only
 * joined when something reads it: an unused join of 200,000 meetings to their stops costs more than the count.
 */
export type FacetSource = {
  from: SQL;
  joins?: SQL[];
  id: SQLWrapper;
  fields: Partial<Record<FacetField, FacetColumn>>;
};

/** A page with the facets of its filtered set, when asked for. */
export type FacetedPage<Row> = Page<Row> & { facets?: Facets };

/** The year of a `YYYY-MM-DD` text, as an integer (null for null). */
export const yearOf = (date: SQLWrapper): SQL => sql`cast(substr(${date}, 1, 4) as integer)`;

/** The decade of a `YYYY-MM-DD` text, as its first year (1950 for 1950–1959). */
export const decadeOf = (date: SQLWrapper): SQL => sql`(cast(substr(${date}, 1, 3) as integer) * 10)`;

type Row = {
  facet_value: string | number;
  facet_per: string | number;
  facet_count: number | string;
  value_name: string | null;
  per_name: string | null;
};

const labelOf = (field: FacetField, value: string | number, name: string | null): string => {
  if (field === 'country') return countryName(String(value));
  if (field === 'decade') return `${value}s`;
  return name ?? String(value);
};

function fieldOf(source: FacetSource, field: FacetField): FacetColumn {
  const column = source.fields[field];
  // The query schema only lets through the fields a collection has.
  if (!column) throw new TypeError(`this collection has no facet ${field}`);
  return column;
}

/** One facet: its values (most first, ties by value; per group with `per`), at most `limit` of each. */
async function countFacet(
  tx: Transaction,
  source: FacetSource,
  where: SQL | undefined,
  field: FacetField,
  request: FacetRequest,
): Promise<FacetBucket[]> {
  const { participants } = tablesOf(tx.db);
  const value = fieldOf(source, field);
  const per = request.per === undefined ? undefined : fieldOf(source, request.per);
  const distinct = request.distinct === undefined ? undefined : fieldOf(source, request.distinct);
  const used = [value, per, distinct].filter((c): c is FacetColumn => c !== undefined);
  const joins = [...new Set([...(source.joins ?? []), ...used.flatMap((c) => c.joins ?? [])])];
  const counted = distinct?.value ?? source.id;
  const count =
    distinct || used.some((c) => c.multiplies) ? sql`count(distinct facet_counted)` : sql`count(*)`;
  const named = (of: FacetField | undefined, column: string) =>
    of === 'traveler' ? sql.raw(`${column}_names.name`) : sql`null`;
  const nameJoin = (of: FacetField | undefined, column: string) =>
    of === 'traveler'
      ? sql`left join ${participants} ${sql.raw(`${column}_names`)} on ${sql.raw(`${column}_names.id = ranked.facet_${column}`)}`
      : sql``;
  const rows = await queryRows<Row>(
    tx,
    sql`select ranked.facet_value, ranked.facet_per, ranked.facet_count,
        ${named(field, 'value')} as value_name, ${named(request.per, 'per')} as per_name
      from (
        select facet_value, facet_per, facet_count,
          row_number() over (partition by facet_per order by facet_count desc, facet_value) as facet_rank
        from (
          select facet_value, facet_per, ${count} as facet_count
          from (
            select ${value.value} as facet_value, ${per ? per.value : sql`0`} as facet_per,
              ${counted} as facet_counted
            from ${source.from} ${sql.join(joins, sql` `)}
            ${where ? sql`where ${where}` : sql``}
          ) as facet_rows
          where ${and(sql`facet_value is not null`, per ? sql`facet_per is not null` : undefined)}
          group by facet_value, facet_per
        ) as counted
      ) as ranked
      ${nameJoin(field, 'value')} ${nameJoin(request.per, 'per')}
      where ranked.facet_rank <= ${request.limit}
      order by ranked.facet_per, ranked.facet_count desc, ranked.facet_value`,
  );
  return rows.map((row) => ({
    value: row.facet_value,
    label: labelOf(field, row.facet_value, row.value_name),
    count: asCount(row.facet_count),
    ...(request.per === undefined
      ? {}
      : { per: { value: row.facet_per, label: labelOf(request.per, row.facet_per, row.per_name) } }),
  }));
}

/**
 * The facets `request` asks for, over the rows of `source` that meet `where` (the page's own condition): for each
 * field, `[{ value, label, count, per? }]`, most first. One query per facet.
 */
export async function countFacets(
  tx: Transaction,
  source: FacetSource,
  where: SQL | undefined,
  request: FacetRequest,
): Promise<Facets> {
  const facets: Facets = {};
  for (const field of request.names) facets[field] = await countFacet(tx, source, where, field, request);
  return facets;
}

/** The page, with the facets of its filtered set when `request` asks for some. */
export async function withFacets<Row>(
  page: Page<Row>,
  tx: Transaction,
  source: FacetSource,
  where: SQL | undefined,
  request: FacetRequest | undefined,
): Promise<FacetedPage<Row>> {
  return request ? { ...page, facets: await countFacets(tx, source, where, request) } : page;
}
