import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DatabaseUnavailableError } from '../errors.js';
import { openApiYaml } from '../plugins/swagger.js';
import { NoQuerySchema } from '../schemas/common.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, ok, problems } from './responses.js';

const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

const serviceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        operationId: 'health',
        summary: 'Answers ok once the database answers',
        querystring: NoQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: ok(HealthSchema, 'The service and its database answer'),
          304: NotModifiedSchema,
          ...problems(400, 503),
        },
      },
    },
    async () => {
      try {
        await app.database.ping();
      } catch (error) {
        app.log.error({ err: error }, 'health check: the database does not answer');
        throw new DatabaseUnavailableError();
      }
      return { status: 'ok' as const };
    },
  );

  // The API description, generated from the same schemas the routes validate with.
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(openApiYaml(app)),
  );
};

export default serviceRoutes;
