import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NoQuerySchema } from '../schemas/common.js';
import { CreatedKeySchema, CreateKeySchema, KeyNameParamsSchema, KeySchema } from '../schemas/keys.js';
import {
  BODY_PROBLEMS,
  ConditionalGetHeadersSchema,
  NoContentSchema,
  NotModifiedSchema,
  ok,
  problems,
} from './responses.js';

// Key management for admins; the same as `npm run keys`.

const tags = ['keys'];
const config = { scope: 'admin' as const };

const keysRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/keys',
    {
      config,
      schema: {
        tags,
        operationId: 'listKeys',
        summary: 'List API keys (admin)',
        querystring: NoQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: ok(z.object({ data: z.array(KeySchema) }), 'Every key, revoked ones too'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async () => ({ data: await app.database.read((tx) => repos.keys.list(tx)) }),
  );

  app.post(
    '/keys',
    {
      config,
      schema: {
        tags,
        operationId: 'createKey',
        summary: 'Create an API key (admin); its token is shown once',
        querystring: NoQuerySchema,
        body: CreateKeySchema,
        response: {
          201: ok(CreatedKeySchema, 'Created: store the token now'),
          ...problems(...BODY_PROBLEMS, 409),
        },
      },
    },
    async (request, reply) => {
      const { key, token } = await request.database.transaction((tx) => repos.keys.create(request.body, tx));
      return reply.code(201).send({ ...key, token });
    },
  );

  app.delete(
    '/keys/:name',
    {
      config,
      schema: {
        tags,
        operationId: 'revokeKey',
        summary: 'Revoke an API key (admin); its token stops working at once',
        params: KeyNameParamsSchema,
        querystring: NoQuerySchema,
        response: { 204: NoContentSchema.describe('Revoked'), ...problems(...BODY_PROBLEMS, 404) },
      },
    },
    async (request, reply) => {
      await request.database.transaction((tx) => repos.keys.revoke(request.params.name, tx));
      return reply.code(204).send(null);
    },
  );
};

export default keysRoutes;
