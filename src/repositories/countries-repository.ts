import { sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { queryRow, queryRows } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { countryName } from '../domain/countries.js';
import type { Country } from '../schemas/countries.js';
import { alias, asCount, perEngine } from './dialect.js';
import { type Page, type PageRequest, paginate, type SortSpec } from './pagination.js';

// Countries are not stored: they are the stops grouped by country code, named by the ISO 3166 package.

const BY_CODE: SortSpec<Country> = {
  name: 'code',
  direction: 'asc',
  columns: [sql.raw('code')],
  key: (c) => [c.code],
};

/** Every country's stops, grouped: its code, visits, trips and first and last days. */
const grouped = perEngine(
  ({ t: { stops } }) => sql`
    select ${stops.country} as code, count(*) as visits, count(distinct ${stops.tripId}) as trips,
      min(coalesce(${stops.arrivalDate}, ${stops.departureDate})) as ${alias('firstVisit')},
      max(coalesce(${stops.departureDate}, ${stops.arrivalDate})) as ${alias('lastVisit')}
    from ${stops} group by ${stops.country}`,
);

export function createCountriesRepository() {
  return {
    async list(request: PageRequest, tx: Transaction): Promise<Page<Country>> {
      const { stops } = tablesOf(tx.db);
      return paginate(
        request,
        BY_CODE,
        {},
        async (after, order, max) =>
          (
            await queryRows<Omit<Country, 'name'>>(
              tx,
              sql`select * from (${grouped(tx.db)}) as grouped ${after ? sql`where ${after}` : sql``}
                order by ${sql.join(order, sql`, `)} limit ${max}`,
            )
          ).map((row) => ({ ...row, name: countryName(row.code) })),
        async () =>
          asCount(
            (
              await queryRow<{ n: number }>(
                tx,
                sql`select count(distinct ${stops.country}) as n from ${stops}`,
              )
            )?.n,
          ),
      );
    },
  };
}
