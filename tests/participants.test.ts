import { describe, expect, it } from 'vitest';
import { buildTestApp, locationOf, newParticipant, PROBLEM } from './helpers.js';

describe('participants', () => {
  it('lists the seeded participants by name', async () => {
    const { api } = await buildTestApp();
    const res = await api.get('/participants').expect(200);
    const names = res.body.data.map((p: { name: string }) => p.name);
    expect(names).toContain('Luis Videgaray');
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b, 'en')));
  });

  it('creates, reads, updates and deletes a participant', async () => {
    const { api } = await buildTestApp();
    const created = await api.post('/participants').send(newParticipant()).expect(201);
    expect(created.headers.location).toBe(`/participants/${created.body.id}`);
    expect(created.body).toMatchObject({
      kind: 'person',
      name: 'Marcelo Ebrard',
      organization: null,
      version: 1,
    });
    const group = await api
      .post('/participants')
      .send({ kind: 'group', name: 'Lima Group foreign ministers', country: null })
      .expect(201);
    expect(group.body).toMatchObject({ kind: 'group', title: null, country: null });

    const patched = await api
      .patch(locationOf(created))
      .send({ title: 'Secretary of Foreign Affairs' })
      .expect(200);
    expect(patched.body).toMatchObject({ title: 'Secretary of Foreign Affairs', version: 2 });
    await api.delete(locationOf(created)).expect(204);
    await api.get(locationOf(created)).expect(404);
  });

  it('refuses to delete a participant who still travels or attends, and says why', async () => {
    const { api } = await buildTestApp();
    const traveler = await api.delete('/participants/1').expect(409).expect('content-type', PROBLEM);
    expect(traveler.body.code).toBe('participant_in_use');
    expect(traveler.body.detail).toMatch(
      /^Participant 1 is the traveler of 1 trip and takes part in \d+ meetings;/,
    );
    const attendee = await api.delete('/participants/7').expect(409);
    expect(attendee.body.detail).toBe(
      'Participant 7 takes part in 1 meeting; remove them from that meeting first.',
    );
    await api.get('/participants/7').expect(200);
  });

  it('validates kind, name and country', async () => {
    const { api } = await buildTestApp();
    const res = await api
      .post('/participants')
      .send({ kind: 'robot', name: '  ', country: 'QQ' })
      .expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.country',
      'body.kind',
      'body.name',
    ]);
  });
});
