import { describe, expect, it } from 'vitest';
import { buildTestApp, countRows, newMeeting, newStop, PROBLEM } from './helpers.js';

// Records and writes at the edges: one address per record, writes that change nothing, If-Match with tags that
// cannot match, and strict refusals that name only records that exist.

describe('ids in URLs', () => {
  it('only the canonical decimal spelling names a record: /trips/01, 1.0, 0x1, 1e0, %201 are 400s', async () => {
    const { api } = await buildTestApp();
    await api.get('/trips/1').expect(200);
    for (const spelling of ['01', '1.0', '0x1', '1e0', '%201', '%2B1', '1%20', '0', '-1']) {
      const res = await api.get(`/trips/${spelling}`).expect(400).expect('content-type', PROBLEM);
      expect(res.body.errors).toEqual([
        { path: 'path.id', message: 'must be a positive whole number in plain decimal digits, such as 12' },
      ]);
    }
  });

  it('holds for every id in every path, for id filters, and for key names', async () => {
    const { api } = await buildTestApp();
    for (const url of [
      '/stops/01',
      '/meetings/1e0',
      '/participants/0x1',
      '/trips/1.0/stops',
      '/trips/01/calendar.ics',
      '/trips/01/route.geojson',
      '/participants/01/schedule',
      '/trips/01/history',
    ]) {
      const res = await api.get(url).expect(400);
      expect(res.body.errors[0].path).toBe('path.id');
    }
    const attendee = await api.put('/meetings/1/participants/01').send({ role: 'host' }).expect(400);
    expect(attendee.body.errors.map((e: { path: string }) => e.path)).toEqual(['path.participantId']);
    await api.delete('/meetings/01/participants/1').expect(400);
    const filter = await api.get('/trips?traveler=01').expect(400);
    expect(filter.body.errors[0].path).toBe('query.traveler');
    await api.get('/trips?traveler=1').expect(200);
    // A key name with a space around it is not another spelling of the key.
    await api.post('/keys').send({ name: 'desk', scope: 'read' }).expect(201);
    await api.delete('/keys/%20desk').expect(400);
    await api.delete('/keys/desk').expect(204);
    // Country codes are upper case only.
    await api.get('/countries/ar/stops').expect(400);
    await api.get('/countries/AR/stops').expect(200);
  });
});

describe('a PATCH that changes nothing', () => {
  it('keeps version, updatedAt, ETag and SEQUENCE, and leaves no change-feed or audit entry', async () => {
    const { app, api } = await buildTestApp();
    const count = (table: string) => countRows(app, table);
    const cases: [string, Record<string, unknown>][] = [];
    const trip = (await api.get('/trips/1').expect(200)).body;
    cases.push(['/trips/1', { title: trip.title, status: trip.status, endDate: trip.endDate }]);
    const stop = (await api.get('/stops/5').expect(200)).body;
    cases.push(['/stops/5', { city: stop.city, timeZone: stop.timeZone, latitude: stop.latitude }]);
    const meeting = (await api.get('/meetings/8').expect(200)).body;
    cases.push(['/meetings/8', { title: meeting.title, topics: meeting.topics, sources: meeting.sources }]);
    const person = (await api.get('/participants/1').expect(200)).body;
    cases.push(['/participants/1', { name: person.name, title: person.title }]);

    const audit = await count('audit_log');
    const changes = await count('changes');
    const calendar = (await api.get('/meetings/8/calendar.ics').expect(200)).text;
    for (const [url, body] of cases) {
      const before = await api.get(url).expect(200);
      const after = await api.patch(url).set('if-match', String(before.headers.etag)).send(body).expect(200);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(after.body.version).toBe(before.body.version);
      expect(after.body.updatedAt).toBe(before.body.updatedAt);
      const again = await api.get(url).expect(200);
      expect(again.headers.etag).toBe(before.headers.etag);
      expect(again.body.updatedAt).toBe(before.body.updatedAt);
    }
    // The same role again is no change either.
    const roles = (await api.get('/meetings/8/participants').expect(200)).body.data as {
      id: number;
      role: string;
    }[];
    const [attendee] = roles;
    if (!attendee) throw new Error('the seed meeting 8 has participants');
    await api.put(`/meetings/8/participants/${attendee.id}`).send({ role: attendee.role }).expect(200);
    expect((await api.get('/meetings/8').expect(200)).body.version).toBe(meeting.version);

    expect(await count('audit_log')).toBe(audit);
    expect(await count('changes')).toBe(changes);
    const sequence = (ics: string) => /\r\nSEQUENCE:(\d+)\r\n/.exec(ics)?.[1];
    const calendarAfter = (await api.get('/meetings/8/calendar.ics').expect(200)).text;
    expect(sequence(calendarAfter)).toBe(sequence(calendar));
    expect(sequence(calendar)).toBe(String(meeting.version - 1));

    // A real change still is one: one version, one audit entry, one change.
    const changed = await api
      .patch('/meetings/8')
      .send({ title: `${meeting.title}.` })
      .expect(200);
    expect(changed.body.version).toBe(meeting.version + 1);
    expect(await count('audit_log')).toBe(audit + 1);
    expect(await count('changes')).toBe(changes + 1);
  });
});

describe('If-Match that can never match', () => {
  it('a weak tag answers 412 saying why (RFC 9110 strong comparison), and nothing changes', async () => {
    const { api } = await buildTestApp();
    const before = await api.get('/participants/1').expect(200);
    expect(before.headers.etag).toBe('"v1"');
    const weak = await api
      .patch('/participants/1')
      .set('if-match', 'W/"v1"')
      .send({ title: 'Former Secretary of State' })
      .expect(412)
      .expect('content-type', PROBLEM);
    expect(weak.body).toMatchObject({
      status: 412,
      code: 'precondition_failed',
      detail:
        'If-Match uses the strong comparison (RFC 9110 §13.1.1), so a weak tag (W/"…") can never match: send the ' +
        'ETag exactly as a GET answered it, such as "v3".',
    });
    const foreign = await api.delete('/participants/1').set('if-match', '"abc"').expect(412);
    expect(foreign.body.detail).toBe(
      'If-Match names no version of this record: its tags are "v<version>", as a GET answers in ETag.',
    );
    expect((await api.get('/participants/1').expect(200)).body).toEqual(before.body);
    // A strong tag beside a weak one still counts.
    await api
      .patch('/participants/1')
      .set('if-match', 'W/"v1", "v1"')
      .send({ title: 'Former Secretary of State' })
      .expect(200);
  });
});

describe('a write refused under Prefer: handling=strict', () => {
  it('does not name the id the refused record would have had', async () => {
    const { api } = await buildTestApp();
    const tillerson = [{ participantId: 1, role: 'delegation_member' }];
    const lima = await api
      .post('/stops/5/meetings')
      .send(
        newMeeting({ title: 'Breakfast', date: '2018-02-06', partOfDay: 'morning', participants: tillerson }),
      )
      .expect(201);
    const bogota = newMeeting({
      title: 'Morning talks',
      date: '2018-02-06',
      partOfDay: 'morning',
      participants: tillerson,
    });
    const refused = await api
      .post('/stops/6/meetings')
      .set('prefer', 'handling=strict')
      .send(bogota)
      .expect(409);
    // The id the rolled-back insert used is the one the next meeting gets.
    const written = await api.post('/stops/6/meetings').send(bogota).expect(201);
    expect(refused.body.conflicts).toEqual([
      {
        key: `two_places_same_day:participant-1:meeting-${lima.body.id}:meeting-new`,
        kind: 'two_places_same_day',
        participant: { id: 1, name: 'Rex Tillerson' },
        from: '2018-02-06',
        to: '2018-02-06',
        startsAt: null,
        endsAt: null,
        records: [
          { type: 'meeting', id: lima.body.id, label: 'Breakfast' },
          { type: 'meeting', id: null, label: 'Morning talks' },
        ],
        explanation:
          `Rex Tillerson is in Lima (meeting ${lima.body.id} “Breakfast”, 2018-02-06 morning) and in Bogotá ` +
          '(the new meeting “Morning talks”, 2018-02-06 morning) on 2018-02-06: it is the travel day from Lima ' +
          'to Bogotá, but both meetings are in the morning.',
      },
    ]);
    expect(JSON.stringify(refused.body)).not.toMatch(new RegExp(`meeting[- ]${written.body.id}\\b`));
    // The accepted write names it, as it now exists.
    expect(written.body.warnings[0].key).toBe(
      `two_places_same_day:participant-1:meeting-${lima.body.id}:meeting-${written.body.id}`,
    );
  });

  it('names a refused stop "the new stop", without an id', async () => {
    const { api } = await buildTestApp();
    const trip = (await api.get('/trips/1').expect(200)).body;
    const refused = await api
      .post('/trips/1/stops')
      .set('prefer', 'handling=strict')
      .send(
        newStop({
          city: 'Quito',
          country: 'EC',
          timeZone: 'America/Guayaquil',
          arrivalDate: trip.startDate,
          departureDate: trip.endDate,
        }),
      )
      .expect(409);
    const conflicts = refused.body.conflicts as { records: { type: string; id: number | null }[] }[];
    expect(conflicts.length).toBeGreaterThan(0);
    const written = await api
      .post('/trips/1/stops')
      .send(newStop({ city: 'Quito', country: 'EC', timeZone: 'America/Guayaquil' }))
      .expect(201);
    for (const conflict of refused.body.conflicts) {
      expect(conflict.records).toContainEqual({ type: 'stop', id: null, label: 'Quito, EC' });
      expect(conflict.explanation).toContain('the new stop');
    }
    expect(JSON.stringify(refused.body)).not.toMatch(new RegExp(`stop[- ]${written.body.id}\\b`));
  });
});
