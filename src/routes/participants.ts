import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { versionTag } from '../domain/versions.js';
import { collectionOf, IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import {
  CreateParticipantSchema,
  ParticipantListQuerySchema,
  ParticipantSchema,
  UpdateParticipantSchema,
} from '../schemas/participants.js';
import { sendPage } from './pages.js';
import { expectedVersions, tagWithVersion } from './preconditions.js';
import {
  BODY_PROBLEMS,
  ConditionalGetHeadersSchema,
  NoContentSchema,
  NotModifiedSchema,
  ok,
  okPage,
  okResource,
  problems,
} from './responses.js';

const tags = ['participants'];

const participantsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos } = app;

  app.get(
    '/participants',
    {
      schema: {
        tags,
        operationId: 'listParticipants',
        summary: 'List participants by name, with filters',
        querystring: ParticipantListQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okPage(collectionOf(ParticipantSchema), 'A page of participants'),
          304: NotModifiedSchema,
          ...problems(400),
        },
      },
    },
    async (request, reply) => sendPage(request, reply, repos.participants.list(request.query)),
  );

  app.post(
    '/participants',
    {
      schema: {
        tags,
        operationId: 'createParticipant',
        summary: 'Create a participant (a person or a group)',
        body: CreateParticipantSchema,
        querystring: NoQuerySchema,
        response: {
          201: ok(ParticipantSchema, 'Created; `Location` names the new participant'),
          ...problems(...BODY_PROBLEMS),
        },
      },
    },
    async (request, reply) => {
      const participant = repos.participants.create(request.body);
      return reply
        .code(201)
        .header('location', `/participants/${participant.id}`)
        .header('etag', versionTag(participant.version))
        .send(participant);
    },
  );

  app.get(
    '/participants/:id',
    {
      schema: {
        tags,
        operationId: 'getParticipant',
        summary: 'Get a participant',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okResource(ParticipantSchema, 'The participant'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => tagWithVersion(reply, repos.participants.get(request.params.id)),
  );

  app.patch(
    '/participants/:id',
    {
      schema: {
        tags,
        operationId: 'updateParticipant',
        summary: 'Change some fields of a participant',
        params: IdParamsSchema,
        body: UpdateParticipantSchema,
        querystring: NoQuerySchema,
        response: {
          200: ok(ParticipantSchema, 'The participant as changed'),
          ...problems(...BODY_PROBLEMS, 404),
        },
      },
    },
    async (request, reply) =>
      tagWithVersion(
        reply,
        repos.participants.update(
          request.params.id,
          request.body,
          expectedVersions(request, app.config.REQUIRE_IF_MATCH),
        ),
      ),
  );

  app.delete(
    '/participants/:id',
    {
      schema: {
        tags,
        operationId: 'deleteParticipant',
        summary: 'Delete a participant who no longer travels or attends',
        description:
          'A participant who is still the traveler of a trip or attends a meeting is a 409 that says so.',
        params: IdParamsSchema,
        querystring: NoQuerySchema,
        response: { 204: NoContentSchema.describe('Deleted'), ...problems(...BODY_PROBLEMS, 404, 409) },
      },
    },
    async (request, reply) => {
      repos.participants.delete(request.params.id, expectedVersions(request, app.config.REQUIRE_IF_MATCH));
      return reply.code(204).send(null);
    },
  );
};

export default participantsRoutes;
