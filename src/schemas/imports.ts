import { z } from 'zod';
import { IMPORTED_RESOURCES } from '../domain/vocabulary.js';
import { ProblemSchema } from './common.js';

// POST /imports: an Office of the Historian XML document in, the import's report out (as `npm run import` prints).

const counts = {
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  recreated: z
    .number()
    .int()
    .meta({ description: 'Deleted by hand since the import made them, and made again from their records' }),
  kept: z.number().int().meta({
    description: 'Edited by hand since the import last wrote them, and kept as edited (see `edits`)',
  }),
};

const resource = z.enum(IMPORTED_RESOURCES);

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
        status: z.enum(['imported', 'unchanged', 'failed']).meta({
          description:
            'imported: the file changed something; unchanged: it changed nothing; failed: not imported',
        }),
      }),
    ),
    outcome: z.enum(['changed', 'unchanged']).meta({
      description: 'unchanged when the import changed nothing (as when the same files are imported again)',
    }),
    records: z.number().int().meta({ description: 'Records read' }),
    trips: z.object({
      ...counts,
      matched: z
        .number()
        .int()
        .meta({ description: 'Existing trips the records describe, which now cite them' }),
      deleted: z.number().int().meta({ description: 'Imported trips left without stops by a correction' }),
    }),
    stops: z.object({
      ...counts,
      missing: z
        .number()
        .int()
        .meta({ description: 'Stops of records their file no longer holds, left in place (see `missing`)' }),
      removed: z
        .number()
        .int()
        .meta({ description: 'Stops of records their file no longer holds, removed (`removeMissing`)' }),
    }),
    participants: z.object({
      ...counts,
      matched: z.number().int().meta({ description: 'Existing participants the travelers or visitors are' }),
      renamed: z.number().int().meta({
        description: 'Travelers whose id the upstream data renamed, keeping their records: kept and re-keyed',
      }),
    }),
    inferred: z
      .object({
        countries: z
          .number()
          .int()
          .meta({ description: 'Stops whose country code is inferred (a former name, a misspelling)' }),
        timeZones: z.number().int().meta({
          description:
            'Stops whose zone is a guess (from the country alone, where it has several); the notes say why',
        }),
      })
      .meta({ description: 'Records whose stop rests on a guess' }),
    matched: z
      .array(z.object({ file: z.string(), tripId: z.number().int(), recordIds: z.array(z.string()) }))
      .meta({ description: 'Records matched to an existing trip rather than imported as a new one' }),
    edits: z
      .array(
        z.object({
          file: z.string(),
          resource,
          id: z.number().int(),
          recordIds: z.array(z.string()),
          fields: z.array(z.string()).meta({ description: 'The fields the import would have set' }),
          action: z.enum(['kept', 'overwritten']).meta({
            description: 'kept (the default) or overwritten (with `overwriteEdits`)',
          }),
        }),
      )
      .meta({
        description:
          'Rows edited by someone else since the import last wrote them (their version moved), that the import would change',
      }),
    renamed: z
      .array(
        z.object({
          file: z.string(),
          participantId: z.number().int(),
          from: z.string().meta({ description: 'The traveler’s former id (`who`)' }),
          to: z.string(),
        }),
      )
      .meta({ description: 'Travelers re-keyed under the id the upstream data now gives them' }),
    missing: z
      .array(
        z.object({
          file: z.string(),
          recordId: z.string(),
          stopId: z.number().int(),
          tripId: z.number().int().nullable(),
          action: z.enum(['kept', 'removed']).meta({
            description: 'kept (the default) or removed (with `removeMissing`)',
          }),
        }),
      )
      .meta({ description: 'Stops whose record their file (by name) no longer holds: removed upstream' }),
    flagged: z.array(ImportFlagSchema).meta({
      description: 'Every error, and the first 1,000 warnings (the rest are counted in `omitted.flagged`)',
    }),
    omitted: z
      .object({
        matched: z.number().int(),
        edits: z.number().int(),
        renamed: z.number().int(),
        missing: z.number().int(),
        flagged: z.number().int().meta({ description: 'Warnings' }),
      })
      .meta({
        description:
          'Entries left out of each list above, which keeps its first 1,000 so that the report of a large file stays small',
      }),
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

const flag = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true')
    .meta({ description });

export const ImportQuerySchema = z.strictObject({
  file: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\]+$/, 'must be a file name, without folders')
    .optional()
    .meta({
      description:
        'The document’s file name (as `2010.xml`): records are filed under it, so that records it no longer holds, and ids another file holds for another person, are found. Without it, neither check is made.',
    }),
  overwriteEdits: flag(
    'With true, rows edited by hand since the import wrote them are overwritten (and listed)',
  ),
  removeMissing: flag('With true, stops of records the named file no longer holds are removed (and listed)'),
});

export const ImportBodySchema = z.string().meta({
  description:
    'An Office of the Historian XML document: travels (root <trips>) or visits of foreign leaders (root <visits>)',
});
