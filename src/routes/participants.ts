import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectionOf, IdParamsSchema, NoQuerySchema } from '../schemas/common.js';
import {
  CreateParticipantSchema,
  ParticipantListQuerySchema,
  ParticipantQuerySchema,
  ParticipantSchema,
  UpdateParticipantSchema,
} from '../schemas/participants.js';
import { sendPage } from './pages.js';
import { deleteRecord, sendCreated, tagWithVersion, updateRecord } from './preconditions.js';
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
  const { repos, database } = app;

  app.get(
    '/participants',
    {
      config: { resource: 'participants' },
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
    async (request, reply) =>
      sendPage(request, reply, await database.read((tx) => repos.participants.list(request.query, tx))),
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
      const participant = await request.database.transaction((tx) =>
        repos.participants.create(request.body, tx),
      );
      return sendCreated(reply, `/participants/${participant.id}`, participant);
    },
  );

  app.get(
    '/participants/:id',
    {
      config: { resource: 'participants' },
      schema: {
        tags,
        operationId: 'getParticipant',
        summary: 'Get a participant',
        params: IdParamsSchema,
        querystring: ParticipantQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: okResource(ParticipantSchema, 'The participant'),
          304: NotModifiedSchema,
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) =>
      tagWithVersion(reply, await database.read((tx) => repos.participants.get(request.params.id, tx))),
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
      updateRecord(request, reply, (tx, expected) =>
        repos.participants.update(request.params.id, request.body, expected, tx),
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
      return deleteRecord(request, reply, (tx, expected) =>
        repos.participants.delete(request.params.id, expected, tx),
      );
    },
  );
};

export default participantsRoutes;
