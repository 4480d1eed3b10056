import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderOpenApi } from '../src/openapi.js';
import { buildTestApp } from './helpers.js';

const committed = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8');

describe('OpenAPI', () => {
  it('the committed openapi.yaml is what the code generates (run `npm run openapi` after changing a route)', async () => {
    expect(await renderOpenApi()).toBe(committed);
  });

  it('is OpenAPI 3.1 with named components, and every operation has a summary, tags and error responses', () => {
    const doc = parse(committed);
    expect(doc.openapi).toBe('3.1.0');
    for (const name of [
      'Trip',
      'TripDetail',
      'Stop',
      'MeetingDetail',
      'MeetingWithWarnings',
      'Conflict',
      'Participant',
      'MeetingParticipant',
      'Problem',
      'Source',
    ]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(
        item as Record<string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }>,
      ).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBe(48);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(Object.keys(op.responses), `${method} ${path}`).toContain('500');
      if (path.includes('{id}')) expect(Object.keys(op.responses), `${method} ${path}`).toContain('404');
    }
  });

  it('serves the same document as JSON and YAML', async () => {
    const { api } = await buildTestApp();
    const json = await api
      .get('/openapi.json')
      .expect(200)
      .expect('content-type', /application\/json/);
    const yaml = await api
      .get('/openapi.yaml')
      .expect(200)
      .expect('content-type', /application\/yaml/);
    expect(yaml.text).toBe(committed);
    expect(json.body).toEqual(parse(committed));
  });

  it('serves an interactive reference at /docs that loads nothing from the internet', async () => {
    const { api } = await buildTestApp();
    const page = await api
      .get('/docs/')
      .expect(200)
      .expect('content-type', /text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset, 'an asset from another host').not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      await api.get(url).expect(200);
    }
    // Swagger UI would otherwise send the document to an online validator for its badge.
    const init = await api.get('/docs/static/swagger-initializer.js').expect(200);
    const code = init.text.replace(/^\s*\/\/.*$/gm, '');
    expect(code).not.toMatch(/https?:\/\//);
    expect(code).toContain('"validatorUrl":null');
  });
});

describe('OpenAPI examples', () => {
  it('are seed records that match their own schemas', async () => {
    const examples = await import('../src/schemas/examples.js');
    const { TripSchema, CreateTripSchema } = await import('../src/schemas/trips.js');
    const { StopSchema, CreateStopSchema } = await import('../src/schemas/stops.js');
    const { MeetingSchema, CreateMeetingSchema } = await import('../src/schemas/meetings.js');
    const { ParticipantSchema, CreateParticipantSchema } = await import('../src/schemas/participants.js');
    expect(TripSchema.parse(examples.tripExample).title).toMatch(/Tillerson/);
    expect(CreateTripSchema.parse(examples.createTripExample).travelerId).toBe(1);
    expect(StopSchema.parse(examples.stopExample).city).toBe('Buenos Aires');
    expect(CreateStopSchema.parse(examples.createStopExample).country).toBe('AR');
    expect(MeetingSchema.parse(examples.meetingExample).partOfDay).toBe('morning');
    expect(CreateMeetingSchema.parse(examples.createMeetingExample).participants.length).toBeGreaterThan(0);
    expect(ParticipantSchema.parse(examples.participantExample).name).toBe('Jorge Faurie');
    expect(CreateParticipantSchema.parse(examples.createParticipantExample).country).toBe('AR');
  });
});
