import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../src/errors.js';
import errors from '../src/plugins/errors.js';
import { CreateTripSchema } from '../src/schemas/trips.js';
import { buildTestApp, newParticipant, newTrip, PROBLEM } from './helpers.js';

// Storage and the domain rules name bad fields as their input names them (`travelerId`, `cursor`); the error
// mapper says where each is in the request (`body.travelerId`, `query.cursor`) from the route's schemas.

describe('bad fields storage and the rules name', () => {
  it('a repository names the field only, with no HTTP location', async () => {
    const { app } = await buildTestApp({ seed: false });
    const thrown: unknown = await app.database
      .transaction((tx) => app.repos.trips.create(CreateTripSchema.parse(newTrip(999_999)), tx))
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).issues).toEqual([
      { field: 'travelerId', message: 'no participant has the id 999999' },
    ]);
    expect((thrown as InvalidInputError).message).toBe('The input is invalid: travelerId.');
  });

  it('a rule on a field the PATCH body left out is answered at body.<field>', async () => {
    const { api } = await buildTestApp({ seed: false });
    const traveler = (await api.post('/participants').send(newParticipant()).expect(201)).body;
    const trip = (await api.post('/trips').send(newTrip(traveler.id)).expect(201)).body;
    const res = await api
      .patch(`/trips/${trip.id}`)
      .send({ startDate: '2019-03-09' })
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body.detail).toBe('The request is invalid: body.endDate.');
    expect(res.body.errors).toEqual([
      { path: 'body.endDate', message: 'must be on or after startDate (2019-03-09)' },
    ]);
  });

  it('a cursor the pagination helper refuses is answered at query.cursor', async () => {
    const { api } = await buildTestApp({ seed: false });
    const res = await api
      .get('/trips')
      .query({ cursor: 'not-a-cursor' })
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.detail).toBe('The request is invalid: query.cursor.');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.cursor']);
  });

  it('a bad Idempotency-Key is answered at header.idempotency-key', async () => {
    const { api } = await buildTestApp({ seed: false });
    const res = await api
      .post('/participants')
      .set('idempotency-key', 'with space')
      .send(newParticipant())
      .expect(400)
      .expect('content-type', PROBLEM);
    expect(res.body.detail).toBe('The request is invalid: header.idempotency-key.');
    expect(res.body.errors).toEqual([
      { path: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  });
});

describe('the error mapper locates a field by the route’s schemas', () => {
  it('in the body, the query or the path, nested fields by their first segment; an undeclared one stays bare', async () => {
    const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(errors);
    app.post(
      '/things/:thingId',
      {
        schema: {
          params: z.object({ thingId: z.string() }),
          querystring: z.object({ mode: z.string().optional() }),
          // A body that transforms is a pipe: its input object is what declares the fields.
          body: z.object({ items: z.array(z.object({ name: z.string() })) }).transform((b) => b),
        },
      },
      async () => {
        throw new InvalidInputError([
          { field: 'items.1.name', message: 'is listed twice' },
          { field: 'mode', message: 'is not a mode' },
          { field: 'thingId', message: 'is not a thing' },
          { field: 'elsewhere', message: 'is nowhere' },
        ]);
      },
    );
    const res = await app.inject({ method: 'POST', url: '/things/7', payload: { items: [] } });
    await app.close();
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'validation_failed',
      detail: 'The request is invalid: body.items.1.name, query.mode, path.thingId, elsewhere.',
      errors: [
        { path: 'body.items.1.name', message: 'is listed twice' },
        { path: 'query.mode', message: 'is not a mode' },
        { path: 'path.thingId', message: 'is not a thing' },
        { path: 'elsewhere', message: 'is nowhere' },
      ],
    });
  });
});
