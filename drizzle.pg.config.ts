import { defineConfig } from 'drizzle-kit';

// PostgreSQL's migrations (issue 13): `npx drizzle-kit generate --config drizzle.pg.config.ts`. SQLite's stay in
// drizzle.config.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg.ts',
  out: './migrations/postgres',
});
