import { getTableColumns, getTableName, is, SQL, Table } from 'drizzle-orm';
import { type PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import { type SQLiteTable, getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as sqlite from '../src/db/schema.js';
import * as pg from '../src/db/schema-pg.js';

// The two schema modules (src/db/schema.ts for SQLite, src/db/schema-pg.ts for PostgreSQL) describe one database:
// the same tables under the same exported names, with the same columns (name, nullability, whether they have a
// default, primary key), the same foreign keys, the same named checks and the same indexes (names, uniqueness,
// number of keys). Column types differ by engine on purpose (real/double precision, text/json, integer/boolean).

const tablesOf = (module: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(module).filter(([, value]) => is(value, Table))) as Record<string, Table>;

type Shape = {
  name: string;
  columns: Record<string, { notNull: boolean; hasDefault: boolean; primary: boolean }>;
  primaryKeys: string[][];
  foreignKeys: string[];
  checks: string[];
  indexes: string[];
};

function shapeOf(table: Table, config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>): Shape {
  const columns = Object.fromEntries(
    Object.values(getTableColumns(table)).map((column) => [
      column.name,
      // An identity column is filled by the database, as SQLite's INTEGER PRIMARY KEY is.
      { notNull: column.notNull, hasDefault: column.hasDefault && !column.primary, primary: column.primary },
    ]),
  );
  const foreignKeys = config.foreignKeys
    .map((fk) => {
      const reference = fk.reference();
      const from = reference.columns.map((c) => c.name).join(',');
      const to = `${getTableName(reference.foreignTable)}(${reference.foreignColumns.map((c) => c.name).join(',')})`;
      return `${from} -> ${to} on delete ${fk.onDelete ?? 'no action'}`;
    })
    .sort();
  const indexes = config.indexes
    .map((index) => {
      const {
        name,
        unique,
        columns: keys,
      } = index.config as { name: string; unique: boolean; columns: unknown[] };
      const described = keys.map((key) => (is(key, SQL) ? 'expression' : (key as { name: string }).name));
      return `${name}${unique ? ' unique' : ''} (${described.join(', ')})`;
    })
    .sort();
  return {
    name: config.name,
    columns,
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
    foreignKeys,
    checks: config.checks.map((c) => c.name).sort(),
    indexes,
  };
}

describe('the SQLite and PostgreSQL schemas', () => {
  const sqliteTables = tablesOf(sqlite);
  const pgTables = tablesOf(pg);

  it('export the same tables under the same names', () => {
    expect(Object.keys(sqliteTables).length).toBeGreaterThan(10);
    expect(Object.keys(pgTables).sort()).toEqual(Object.keys(sqliteTables).sort());
  });

  it.each(Object.keys(sqliteTables))('agree on %s', (name) => {
    const lite = sqliteTables[name] as SQLiteTable;
    const post = pgTables[name] as PgTable;
    expect(shapeOf(post, pgConfig(post))).toEqual(shapeOf(lite, sqliteConfig(lite)));
  });

  it('the comparison sees a difference where there is one', () => {
    const lite = shapeOf(sqlite.stops, sqliteConfig(sqlite.stops));
    const post = shapeOf(pg.trips, pgConfig(pg.trips));
    expect(post).not.toEqual(lite);
  });
});
