import { z } from 'zod';
import { ProblemSchema } from './common.js';

// POST /imports: an Office of the Historian XML document in, the import's report out (as `npm run import` prints).

const counts = {
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
};

export const ImportFlagSchema = z
  .object({
    file: z.string().meta({ description: 'The document: a file path, or `body` for a request body' }),
    recordId: z
      .string()
      .nullable()
      .meta({ description: 'The record’s <id>, when the flag is about one record' }),
    line: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The line of the record or of the fault in the XML' }),
    severity: z.enum(['error', 'warning']).meta({
      description:
        'error: the document was not imported (it is left as it was); warning: the record was imported, with a caveat',
    }),
    reason: z.string(),
  })
  .meta({ id: 'ImportFlag', description: 'A record or document the import has something to say about' });

export const ImportReportSchema = z
  .object({
    files: z.array(
      z.object({
        file: z.string(),
        kind: z
          .enum(['travels', 'visits'])
          .nullable()
          .meta({ description: 'By the root element; null if unread' }),
        records: z.number().int(),
        status: z.enum(['imported', 'failed']),
      }),
    ),
    records: z.number().int().meta({ description: 'Records read' }),
    trips: z.object({
      ...counts,
      matched: z
        .number()
        .int()
        .meta({ description: 'Existing trips the records describe, which now cite them' }),
      deleted: z.number().int().meta({ description: 'Imported trips left without stops by a correction' }),
    }),
    stops: z.object(counts),
    participants: z.object({
      ...counts,
      matched: z.number().int().meta({ description: 'Existing participants the travelers or visitors are' }),
    }),
    matched: z
      .array(z.object({ file: z.string(), tripId: z.number().int(), recordIds: z.array(z.string()) }))
      .meta({ description: 'Records matched to an existing trip rather than imported as a new one' }),
    flagged: z.array(ImportFlagSchema),
    durationMs: z.number().int(),
  })
  .meta({
    id: 'ImportReport',
    description:
      'What an import did. Importing the same document again creates and updates nothing: everything is unchanged.',
  });
export type ImportReportOutput = z.infer<typeof ImportReportSchema>;

/** A document that could not be imported is a problem that carries the report, which says where and why. */
export const ImportProblemSchema = ProblemSchema.extend({
  report: ImportReportSchema.optional().meta({ description: 'With `code` import_failed: the import report' }),
}).meta({
  id: 'ImportProblem',
  description: 'A problem (RFC 9457); when the document could not be imported, `report` is the import report',
});

export const ImportBodySchema = z.string().meta({
  description:
    'An Office of the Historian XML document: travels (root <trips>) or visits of foreign leaders (root <visits>)',
});
