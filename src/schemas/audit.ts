import { z } from 'zod';
import { AUDIT_OPERATIONS, AUDIT_RESOURCES } from '../domain/vocabulary.js';
import { text } from './common.js';
import { idFilter, PageQueryShape, withDateWindow } from './queries.js';

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string().meta({ description: 'When the write was committed (UTC)' }),
    keyName: z
      .string()
      .nullable()
      .meta({ description: 'The API key that wrote (command:… for commands); shown to admin keys only' }),
    operation: z.enum(AUDIT_OPERATIONS),
    resource: z.enum(AUDIT_RESOURCES),
    resourceId: z.number().int().meta({ description: 'The record’s id (for attendance: the meeting’s id)' }),
    version: z.number().int().nullable().meta({ description: 'The record’s version after the write' }),
    before: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'The record before (null on create)' }),
    after: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'The record after (null on delete)' }),
  })
  .meta({ id: 'AuditEntry', description: 'One write, with the state before and after' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = withDateWindow(
  z.strictObject({
    ...PageQueryShape,
    resource: z.enum(AUDIT_RESOURCES).optional().meta({ description: 'Only writes to this kind of record' }),
    resourceId: idFilter('Only writes to this record (with resource)'),
    // Text as every input is (no control characters: PostgreSQL refuses a NUL in text, which was a 500).
    key: text().trim().min(1).max(64).optional().meta({ description: 'Only writes by this key (its name)' }),
    from: z.iso.date().optional().meta({ description: 'UTC date; writes on or after it' }),
    to: z.iso.date().optional().meta({ description: 'UTC date; writes on or before it' }),
  }),
);
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const HistoryQuerySchema = z.strictObject(PageQueryShape);
