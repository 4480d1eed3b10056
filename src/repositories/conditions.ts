import { or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';

// Filter conditions shared by the repositories. `hasTopic` is the one place that looks inside a JSON array column;
// json_each is SQLite's way to do that (PostgreSQL would use jsonb operators here, and nowhere else).

/** Escapes LIKE wildcards so user text matches literally (used with `ESCAPE '\'`). */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The text appears, in any case (ASCII), in any of the columns. */
export const containsText = (text: string, ...columns: SQLWrapper[]): SQL | undefined =>
  or(...columns.map((column) => sql`${column} like ${likePattern(text)} escape '\\'`));

/** The JSON array of topics holds this topic, in any case. */
export const hasTopic = (topics: SQLWrapper, topic: string): SQL =>
  sql`exists (select 1 from json_each(${topics}) where lower(value) = lower(${topic}))`;
