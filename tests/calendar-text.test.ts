import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  buildTestApp,
  newMeeting,
  newParticipant,
  newStop,
  newTrip,
  sqlExec,
  storable,
  type TestApp,
} from './helpers.js';

// The TEXT properties of every kind of feed (trip, participant, meeting), read by two independent readers:
// ical.js, and vobject (Debian's python3-vobject, run by the system Python). vobject reads a property it has no
// rule for as TEXT cut at its first unescaped comma, the strict reading that an unescaped NAME fails.

const PYTHON = '/usr/bin/python3';
const READER = fileURLToPath(new URL('./read-calendar.py', import.meta.url));
const vobjectFound = spawnSync(PYTHON, ['-c', 'import vobject']).status === 0;
// CI installs python3-vobject: there a missing reader is a failure, not a skip.
const needsVobject = process.env.CI === 'true';

type Texts = Record<string, string[]>;
type Reading = { calendar: Texts; events: Texts[] };

const CALENDAR_TEXT = ['name', 'x-wr-calname', 'description', 'x-wr-caldesc'];
const EVENT_TEXT = ['uid', 'summary', 'description', 'location', 'categories'];

/** What vobject reads in a feed: each TEXT property's values, unescaped (CATEGORIES as a list). */
function readWithVobject(text: string): Reading {
  const run = spawnSync(PYTHON, [READER], { input: text, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vobject could not read the feed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Reading;
}

/** The same, as ical.js reads it. */
function readWithIcalJs(text: string): Reading {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const texts = (component: ICAL.Component, names: string[]): Texts =>
    Object.fromEntries(
      names.map((name) => [
        name,
        component
          .getAllProperties(name)
          .map((p) => (name === 'categories' ? p.getValues().map(String) : String(p.getFirstValue()))),
      ]),
    ) as Texts;
  return {
    calendar: texts(calendar, CALENDAR_TEXT),
    events: calendar.getAllSubcomponents('vevent').map((event) => texts(event, EVENT_TEXT)),
  };
}

/** The feed, checked for what no TEXT value may hold, and read by both readers, which must agree. */
async function feed(t: TestApp, path: string): Promise<Reading & { text: string }> {
  const text = (await t.api.get(path).expect(200)).text;
  // Raw control characters: none, the CRLF that ends each line aside.
  expect(text.replace(/\r\n/g, '')).not.toMatch(/(?!\t)\p{Cc}/u);
  // No empty property (`DESCRIPTION:`), once folded lines are joined.
  const lines = text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .slice(0, -1);
  expect(lines.filter((line) => /^[^:]*:$/.test(line))).toEqual([]);
  const ical = readWithIcalJs(text);
  if (vobjectFound) expect(readWithVobject(text), path).toEqual(ical);
  return { text, ...ical };
}

const eventOf = (reading: Reading, uidPrefix: string): Texts | undefined =>
  reading.events.find((e) => e.uid?.[0]?.startsWith(`${uidPrefix}@`));

const vobjectCase = it.skipIf(!vobjectFound && !needsVobject);

describe('calendar text, read by ical.js and vobject', () => {
  vobjectCase('has vobject at hand (CI installs python3-vobject)', () => {
    expect(vobjectFound, `${PYTHON} cannot import vobject`).toBe(true);
  });

  vobjectCase('the seed trip’s calendar name is whole: NAME and X-WR-CALNAME are escaped TEXT', async () => {
    const t = await buildTestApp();
    const title = "Secretary Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica";
    const trip = await feed(t, '/trips/1/calendar.ics');
    expect(trip.text).toContain("NAME:Secretary Tillerson's trip to Mexico\\, Argentina\\, Peru\\, Col");
    for (const name of ['name', 'x-wr-calname']) expect(trip.calendar[name]).toEqual([title]);
    const description = `Stops and meetings of the trip “${title}” (2018-02-01 to 2018-02-07).`;
    for (const name of ['description', 'x-wr-caldesc']) expect(trip.calendar[name]).toEqual([description]);

    // Every seeded feed: both readers read the same text (checked in `feed`), and each meeting's SUMMARY is its
    // title as the JSON gives it (with the part of the day of an all-day meeting).
    const person = await feed(t, '/participants/1/calendar.ics');
    expect(person.calendar['x-wr-calname']).toEqual(['Rex Tillerson: itinerary']);
    const meetings = (await t.api.get('/meetings?trip=1&limit=200').expect(200)).body.data as {
      id: number;
      title: string;
      date: string | null;
      startTime: string | null;
      partOfDay: string | null;
    }[];
    for (const m of meetings) {
      const one = await feed(t, `/meetings/${m.id}/calendar.ics`);
      expect(one.calendar.name).toEqual([m.title]);
      if (m.date === null) continue;
      const suffix = m.startTime === null && m.partOfDay ? ` (${m.partOfDay})` : '';
      for (const reading of [one, trip, person])
        expect(eventOf(reading, `meeting-${m.id}`)?.summary).toEqual([`${m.title}${suffix}`]);
    }
  });

  vobjectCase('titles and descriptions with , ; \\ and line breaks read back as stored', async () => {
    const t = await buildTestApp();
    const name = 'Smith, Jr.; "Doc" \\ Esq.';
    const tripTitle = 'Talks, trade; visas \\ back\\slash, \\n not a newline';
    const title = 'Lunch; with: the minister, \\ and, aides\\;';
    const description = 'Line one\nLine two, with a comma; and a semicolon \\ and a backslash\n\nLast, line';
    const person = await t.api.post('/participants').send(newParticipant({ name })).expect(201);
    const trip = await t.api
      .post('/trips')
      .send(newTrip(person.body.id, { title: tripTitle }))
      .expect(201);
    const stop = await t.api.post(`/trips/${trip.body.id}/stops`).send(newStop()).expect(201);
    const meeting = await t.api
      .post(`/stops/${stop.body.id}/meetings`)
      .send(newMeeting({ title, description }))
      .expect(201);
    // Nothing to describe: no description, participants, topics or sources.
    const bare = await t.api
      .post(`/stops/${stop.body.id}/meetings`)
      .send(newMeeting({ title: 'Bare, meeting' }))
      .expect(201);

    const tripFeed = await feed(t, `/trips/${trip.body.id}/calendar.ics`);
    expect(tripFeed.calendar.name).toEqual([tripTitle]);
    expect(tripFeed.calendar['x-wr-calname']).toEqual([tripTitle]);
    expect(tripFeed.calendar['x-wr-caldesc']).toEqual([
      `Stops and meetings of the trip “${tripTitle}” (2019-03-01 to 2019-03-04).`,
    ]);
    expect(eventOf(tripFeed, `stop-${stop.body.id}`)).toEqual({
      uid: [`stop-${stop.body.id}@diplomatic-itinerary.invalid`],
      summary: ['In Lima, Peru'],
      description: [`Stop 1 of “${tripTitle}”.`],
      location: ['Lima, Peru'],
      categories: [['stop']],
    });

    const personFeed = await feed(t, `/participants/${person.body.id}/calendar.ics`);
    expect(personFeed.calendar.name).toEqual([`${name}: itinerary`]);
    expect(personFeed.calendar.description).toEqual([
      `Where ${name} travels, and the meetings they attend or that are on their trips.`,
    ]);

    const meetingFeed = await feed(t, `/meetings/${meeting.body.id}/calendar.ics`);
    expect(meetingFeed.calendar.name).toEqual([title]);
    expect(meetingFeed.calendar.description).toEqual([`The meeting “${title}”.`]);
    for (const reading of [tripFeed, personFeed, meetingFeed]) {
      expect(eventOf(reading, `meeting-${meeting.body.id}`)).toEqual({
        uid: [`meeting-${meeting.body.id}@diplomatic-itinerary.invalid`],
        summary: [title],
        description: [description],
        location: ['Lima, Peru'],
        categories: [['bilateral']],
      });
    }
    const bareFeed = await feed(t, `/meetings/${bare.body.id}/calendar.ics`);
    for (const reading of [tripFeed, personFeed, bareFeed]) {
      // An empty DESCRIPTION is left out, not written as `DESCRIPTION:`.
      expect(eventOf(reading, `meeting-${bare.body.id}`)).toEqual({
        uid: [`meeting-${bare.body.id}@diplomatic-itinerary.invalid`],
        summary: ['Bare, meeting'],
        description: [],
        location: ['Lima, Peru'],
        categories: [['bilateral']],
      });
    }
  });

  vobjectCase(
    'rows stored with CR, CRLF or control characters go out with line breaks and without them',
    async () => {
      const t = await buildTestApp();
      const person = await t.api.post('/participants').send(newParticipant()).expect(201);
      const trip = await t.api.post('/trips').send(newTrip(person.body.id)).expect(201);
      const stop = await t.api.post(`/trips/${trip.body.id}/stops`).send(newStop()).expect(201);
      const meeting = await t.api.post(`/stops/${stop.body.id}/meetings`).send(newMeeting()).expect(201);
      // Stored as rows written before input refused such text would be, below the API's validation.
      await sqlExec(
        t.app,
        sql`update meetings set title = ${storable('Talks\u0015 with\u0000 the\u007f minister\u0085')},
          description = ${'first line\r\nsecond line\rthird\tline'} where id = ${meeting.body.id}`,
      );
      await sqlExec(
        t.app,
        sql`update trips set title = ${'Trip\r\nwith\u0001 breaks'} where id = ${trip.body.id}`,
      );
      await sqlExec(
        t.app,
        sql`update stops set notes = ${'Note\u001b[31m red\r\n'} where id = ${stop.body.id}`,
      );

      for (const path of [
        `/trips/${trip.body.id}/calendar.ics`,
        `/participants/${person.body.id}/calendar.ics`,
        `/meetings/${meeting.body.id}/calendar.ics`,
      ]) {
        const reading = await feed(t, path);
        const event = eventOf(reading, `meeting-${meeting.body.id}`);
        expect(event?.summary).toEqual(['Talks with the minister']);
        expect(event?.description).toEqual(['first line\nsecond line\nthird\tline']);
        if (!path.startsWith('/meetings')) {
          expect(eventOf(reading, `stop-${stop.body.id}`)?.description).toEqual([
            'Stop 1 of “Trip\nwith breaks”.\n\nNote[31m red\n',
          ]);
        }
      }
      const tripFeed = await feed(t, `/trips/${trip.body.id}/calendar.ics`);
      expect(tripFeed.calendar['x-wr-calname']).toEqual(['Trip\nwith breaks']);
    },
  );
});
