import { createHash } from 'node:crypto';
import { asc, desc, type Placeholder, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { InvalidInputError } from '../errors.js';
import type { FacetQuery } from '../schemas/facets.js';

// Keyset pagination, one helper for every collection. A page continues after the sort key of the previous page's
// last row, so the 1,000th page costs what the first does. The cursor is opaque to clients: base64url JSON of
// the sort, a fingerprint of the filters, and the last key. A cursor that was tampered with, or that belongs to
// another query, is an InvalidInputError naming the field `cursor`.

export type KeyValue = string | number;

export type SortSpec<Row> = {
  /** The name clients use, e.g. `startDate` or `-startDate`. */
  name: string;
  /** Sort expressions, most significant first; the last one must make the order total (usually the id). */
  columns: SQLWrapper[];
  direction: 'asc' | 'desc';
  /** The values of `columns` for a row, in the same order. */
  key: (row: Row) => KeyValue[];
};

type SortDefinition<Row> = { columns: SQLWrapper[]; key: (row: Row) => KeyValue[] };

/** Each named sort, ascending under its name and descending under `-name`. */
export function sortsFor<Row, const Name extends string>(
  definitions: Record<Name, SortDefinition<Row>>,
): Record<Name | `-${Name}`, SortSpec<Row>> {
  const sorts: Record<string, SortSpec<Row>> = {};
  for (const [name, definition] of Object.entries(definitions) as [string, SortDefinition<Row>][]) {
    sorts[name] = { name, direction: 'asc', ...definition };
    sorts[`-${name}`] = { name: `-${name}`, direction: 'desc', ...definition };
  }
  return sorts as Record<Name | `-${Name}`, SortSpec<Row>>;
}

/** The filters of a collection's query: all but its paging, order, embedding, format and facets. */
export type FiltersOf<Query> = Omit<
  Query,
  'limit' | 'cursor' | 'count' | 'format' | 'sort' | 'include' | keyof FacetQuery
>;

export type Page<Row> = { data: Row[]; nextCursor: string | null; total?: number };

type CursorBody = { s: string; f: string; k: KeyValue[] };

const fingerprint = (filters: unknown): string =>
  createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);

export function encodeCursor(sortName: string, filters: unknown, key: KeyValue[]): string {
  const body: CursorBody = { s: sortName, f: fingerprint(filters), k: key };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const invalidCursor = (message: string) => new InvalidInputError([{ field: 'cursor', message }]);

/** The key a cursor continues after; `width` is how many values the sort's key has. */
export function decodeCursor(cursor: string, sortName: string, width: number, filters: unknown): KeyValue[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('is not a cursor this API issued; use the nextCursor of a previous page');
  }
  const { s, f, k } = (body ?? {}) as Partial<CursorBody>;
  const wellFormed =
    typeof s === 'string' &&
    typeof f === 'string' &&
    Array.isArray(k) &&
    k.length === width &&
    k.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
  if (!wellFormed)
    throw invalidCursor('is not a cursor this API issued; use the nextCursor of a previous page');
  if (s !== sortName || f !== fingerprint(filters)) {
    throw invalidCursor(
      'belongs to a query with other filters or another sort; start again without a cursor',
    );
  }
  return k;
}

/**
 * `a >= ? and (a, b, id) > (?, ?, ?)`: rows after the key, in the sort's direction (SQLite and PostgreSQL both have
 * row values). The first term is implied by the second, but SQLite seeks an index by a row value only when its
 * terms are plain columns, and by the lone bound on the leading term whatever it is (an expression too).
 */
export function afterKey(sort: SortSpec<unknown>, key: (KeyValue | Placeholder)[]): SQL {
  const ascending = sort.direction === 'asc';
  const comparison = sql`(${sql.join(sort.columns, sql`, `)}) ${ascending ? sql`>` : sql`<`} (${sql.join(
    key.map((v) => sql`${v}`),
    sql`, `,
  )})`;
  const [leading] = sort.columns;
  if (sort.columns.length < 2 || leading === undefined) return comparison;
  return sql`${leading} ${ascending ? sql`>=` : sql`<=`} ${key[0]} and ${comparison}`;
}

export function orderBy(sort: SortSpec<unknown>): SQL[] {
  return sort.columns.map((column) => (sort.direction === 'asc' ? asc(column) : desc(column)));
}

export type PageRequest = { limit: number; cursor?: string | undefined; count?: boolean | undefined };

/**
 * Runs a keyset-paginated query. `fetch` gets the extra condition (rows after the cursor), the order, how many
 * rows to read, and the cursor's key itself (for a prepared statement that binds it: afterKey with placeholders);
 * `countAll` counts every row the filters match, for `count=true`.
 */
export async function paginate<Row>(
  request: PageRequest,
  sort: SortSpec<Row>,
  filters: unknown,
  fetch: (after: SQL | undefined, order: SQL[], limit: number, key: KeyValue[] | undefined) => Promise<Row[]>,
  countAll: () => Promise<number>,
): Promise<Page<Row>> {
  const genericSort = sort as SortSpec<unknown>;
  const key = request.cursor
    ? decodeCursor(request.cursor, sort.name, sort.columns.length, filters)
    : undefined;
  const after = key ? afterKey(genericSort, key) : undefined;
  const rows = await fetch(after, orderBy(genericSort), request.limit + 1, key);
  const data = rows.slice(0, request.limit);
  const last = data.at(-1);
  const nextCursor =
    rows.length > request.limit && last !== undefined
      ? encodeCursor(sort.name, filters, sort.key(last))
      : null;
  return { data, nextCursor, ...(request.count ? { total: await countAll() } : {}) };
}

const compareValues = (a: KeyValue, b: KeyValue): number => (a < b ? -1 : a > b ? 1 : 0);

/** Whether key `a` sorts after key `b`, value by value (strings by code unit, as SQLite's BINARY collation). */
const keyAfter = (a: KeyValue[], b: KeyValue[]): boolean => {
  for (let i = 0; i < a.length; i += 1) {
    const order = compareValues(a[i] as KeyValue, b[i] as KeyValue);
    if (order !== 0) return order > 0;
  }
  return false;
};

/**
 * Pages rows computed in memory, already in ascending order of `key` (unique per row), with the same cursors and
 * the same answers as `paginate`: for collections that are derived from the data rather than stored in it.
 */
export function paginateRows<Row>(
  request: PageRequest,
  sort: { name: string; width: number; key: (row: Row) => KeyValue[] },
  filters: unknown,
  rows: Row[],
): Page<Row> {
  const after = request.cursor ? decodeCursor(request.cursor, sort.name, sort.width, filters) : undefined;
  const start = after ? rows.findIndex((row) => keyAfter(sort.key(row), after)) : 0;
  const rest = start < 0 ? [] : rows.slice(start);
  const data = rest.slice(0, request.limit);
  const last = data.at(-1);
  const nextCursor =
    rest.length > request.limit && last !== undefined
      ? encodeCursor(sort.name, filters, sort.key(last))
      : null;
  return { data, nextCursor, ...(request.count ? { total: rows.length } : {}) };
}
