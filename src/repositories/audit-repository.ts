import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { firstRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { addDays } from '../domain/time.js';
import type { AuditEntry, AuditQuery } from '../schemas/audit.js';
import { perEngine } from './dialect.js';
import { type Page, paginate, sortsFor } from './pagination.js';

// Reads of the audit log; the triggers of migration 0007 write it, and nothing here can change it.

const oldestFirst = perEngine(
  ({ t: { auditLog } }) =>
    sortsFor<AuditEntry, 'id'>({ id: { columns: [auditLog.id], key: (e) => [e.id] } }).id,
);

export function createAuditRepository() {
  return {
    async list(query: AuditQuery, { db }: Transaction): Promise<Page<AuditEntry>> {
      const { auditLog } = tablesOf(db);
      const { limit, cursor, count: withCount, format: _format, ...filters } = query;
      const where = and(
        filters.resource ? eq(auditLog.resource, filters.resource) : undefined,
        filters.resourceId ? eq(auditLog.resourceId, filters.resourceId) : undefined,
        filters.key ? eq(auditLog.keyName, filters.key) : undefined,
        filters.from ? gte(auditLog.at, filters.from) : undefined,
        filters.to ? lt(auditLog.at, addDays(filters.to, 1) ?? filters.to) : undefined,
      );
      return paginate(
        { limit, cursor, count: withCount },
        oldestFirst(db),
        filters,
        async (after, order, max) =>
          db
            .select()
            .from(auditLog)
            .where(and(where, after))
            .orderBy(...order)
            .limit(max),
        async () => firstRow(await db.select({ n: count() }).from(auditLog).where(where))?.n ?? 0,
      );
    },

    /** Whether the log has any entry for the record (a record never written has no history: 404). */
    async hasHistory(
      resource: AuditEntry['resource'],
      resourceId: number,
      { db }: Transaction,
    ): Promise<boolean> {
      const { auditLog } = tablesOf(db);
      const found = await db
        .select({ one: sql`1` })
        .from(auditLog)
        .where(and(eq(auditLog.resource, resource), eq(auditLog.resourceId, resourceId)))
        .limit(1);
      return found.length > 0;
    },
  };
}
