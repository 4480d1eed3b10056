import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { sendProblem } from '../plugins/errors.js';
import { ProblemSchema } from '../schemas/common.js';
import {
  ImportBodySchema,
  ImportProblemSchema,
  ImportQuerySchema,
  ImportReportSchema,
} from '../schemas/imports.js';
import { ok, problems } from './responses.js';

// POST /imports, for admins: the Office of the Historian import (`npm run import -- historian`) over HTTP, one
// XML document per request. This plugin is the API's only door for XML: its parsers are scoped to it.

/** Larger than any one Historian file (the biggest is about 250 kB); whole folders go through the command. */
export const IMPORT_BODY_LIMIT = 5 * 1024 * 1024;
const XML_TYPES = ['application/xml', 'text/xml'];

const importsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.removeContentTypeParser(['application/json', 'application/merge-patch+json']);
  app.addContentTypeParser(
    XML_TYPES,
    { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(
      new AppError(
        415,
        'unsupported_media_type',
        `The request body must be XML (Content-Type: application/xml or text/xml), not ${request.headers['content-type'] ?? 'unknown'}.`,
      ),
    );
  });
  // The API-wide mapper would name the API-wide body limit; this route has its own. Anything else goes on to it.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(
        request,
        reply,
        413,
        'body_too_large',
        `The document is larger than the limit of ${IMPORT_BODY_LIMIT} bytes; import it with npm run import.`,
      );
    }
    throw error;
  });

  app.post(
    '/imports',
    {
      config: { scope: 'admin' },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['imports'],
        operationId: 'importHistorian',
        summary: 'Import an Office of the Historian XML document (admin)',
        description:
          'Travels (root `<trips>`) or visits (root `<visits>`), as `npm run import -- historian` does for files. ' +
          'Records are keyed by collection and id, so importing a document again changes nothing, and a ' +
          'corrected document updates the records it corrects. A document that cannot be imported (malformed ' +
          'XML, a bad date, a start after the end) changes nothing and answers 400 with the report. Rows edited ' +
          'by hand since the import wrote them are kept and listed in `edits` (unless `overwriteEdits=true`); ' +
          'with `file`, stops of records the document no longer holds are listed in `missing` (and removed with ' +
          '`removeMissing=true`).',
        consumes: XML_TYPES,
        querystring: ImportQuerySchema,
        body: ImportBodySchema,
        response: {
          200: ok(ImportReportSchema, 'Imported; warnings, if any, are in `flagged`'),
          400: {
            description:
              'Not imported (`code` import_failed): `report.flagged` says where and why, and nothing was changed; ' +
              'or an invalid request (`code` validation_failed)',
            content: { 'application/problem+json': { schema: ImportProblemSchema } },
          },
          415: {
            description: 'The body is not XML',
            content: { 'application/problem+json': { schema: ProblemSchema } },
          },
          ...problems(413),
        },
      },
    },
    async (request, reply) => {
      const { file, overwriteEdits, removeMissing } = request.query;
      // The importer (its XML parser, and the country and city tables it matches places with) is loaded on the
      // first import, not at start: a server that never imports over HTTP does not pay for it.
      const { importHistorian, textInput } = await import('../importers/historian/import-service.js');
      const report = await importHistorian(
        request.database,
        [textInput(file ?? 'body', request.body, file ?? null)],
        {
          overwriteEdits,
          removeMissing,
        },
      );
      const error = report.flagged.find((f) => f.severity === 'error');
      if (!error) return report;
      return reply
        .code(400)
        .type('application/problem+json')
        .send({
          type: 'about:blank',
          title: STATUS_CODES[400] ?? 'Bad Request',
          status: 400,
          detail: `The document was not imported${error.line === null ? '' : ` (line ${error.line})`}: ${error.reason}`,
          instance: request.url.split('?')[0] ?? request.url,
          code: 'import_failed',
          report,
        });
    },
  );
};

export default importsRoutes;
