import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../errors.js';
import type { Page } from '../repositories/pagination.js';
import type { AuditEntry } from '../schemas/audit.js';
import { AuditEntrySchema, AuditQuerySchema, HistoryQuerySchema } from '../schemas/audit.js';
import { collectionOf, IdParamsSchema } from '../schemas/common.js';
import { sendPage } from './pages.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, okPage, problems } from './responses.js';

// The audit history: every write, for admins; and each record's own versions, for anyone who may read.

const HISTORIES = [
  ['trips', 'trip'],
  ['stops', 'stop'],
  ['meetings', 'meeting'],
  ['participants', 'participant'],
] as const;

const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/audit',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['audit'],
        operationId: 'listAudit',
        summary:
          'Every write, oldest first, with the key that made it and the state before and after (admin)',
        querystring: AuditQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(AuditEntrySchema), 'A page of audit entries'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, await app.database.read((tx) => repos.audit.list(request.query, tx))),
  );

  for (const [path, resource] of HISTORIES) {
    app.get(
      `/${path}/:id/history`,
      {
        schema: {
          tags: ['audit'],
          operationId: `get${resource[0]?.toUpperCase()}${resource.slice(1)}History`,
          summary: `The versions of a ${resource}: every write to it, oldest first`,
          description:
            'Each entry holds the state before and after the write; a deleted record keeps its history. The key ' +
            'that wrote is shown to admin keys only.',
          params: IdParamsSchema,
          querystring: HistoryQuerySchema,
          headers: ConditionalGetHeadersSchema,
          response: {
            200: okPage(collectionOf(AuditEntrySchema), 'A page of the record’s versions'),
            304: NotModifiedSchema,
            ...problems(400, 404),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const page: Page<AuditEntry> = await app.database.read(async (tx) => {
          if (!(await repos.audit.hasHistory(resource, id, tx))) throw new NotFoundError(resource, id);
          return repos.audit.list({ ...request.query, resource, resourceId: id }, tx);
        });
        const admin = request.apiKey?.scope === 'admin';
        return sendPage(
          request,
          reply,
          admin ? page : { ...page, data: page.data.map((e) => ({ ...e, keyName: null })) },
        );
      },
    );
  }
};

export default auditRoutes;
