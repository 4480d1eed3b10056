import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { splitAtAntimeridian } from '../src/domain/antimeridian.js';
import { toUtcInstant } from '../src/domain/time.js';
import { buildTestApp, newTrip } from './helpers.js';

// Inputs taken from public bug reports against software that does the same jobs (date libraries, map tools,
// calendar exporters, spreadsheet exports), each with the answer the report says is right, tried here.

describe('inputs from public bug reports', () => {
  // luxon #1089, #1665, #356, #279, #822: an ambiguous local time resolved by the process's own clock. The first
  // occurrence is the answer (RFC 5545 §3.3.5), whatever the date the process runs on (tests/time.test.ts runs
  // the API's own cases under faketime in January and July).
  it.each([
    ['2021-10-31', '01:45', 'Europe/London', '2021-10-31T00:45:00Z'],
    ['2020-10-25', '01:00', 'Europe/London', '2020-10-25T00:00:00Z'],
    ['2018-04-01', '02:12', 'Australia/Sydney', '2018-03-31T15:12:00Z'],
    ['2018-04-01', '02:00', 'Australia/Melbourne', '2018-03-31T15:00:00Z'],
    ['2023-11-05', '01:00', 'America/New_York', '2023-11-05T05:00:00Z'],
  ])('%s %s in %s is the first occurrence, %s', (date, time, zone, instant) => {
    expect(toUtcInstant(date, time, zone)).toBe(instant);
  });

  // A path from (-170, -10) to (170, 10) breaks at exactly 0° on the antimeridian; one from 179 to -179 at 0°
  // stays near 180 instead of crossing the prime meridian (Turf #782).
  it('cuts lines at the antimeridian where the reports expect', () => {
    expect(
      splitAtAntimeridian([
        [-170, -10],
        [170, 10],
      ]),
    ).toEqual([
      [
        [-170, -10],
        [-180, 0],
      ],
      [
        [180, 0],
        [170, 10],
      ],
    ]);
    expect(
      splitAtAntimeridian([
        [179, 0],
        [-179, 0],
      ]),
    ).toEqual([
      [
        [179, 0],
        [180, 0],
      ],
      [
        [-180, 0],
        [-179, 0],
      ],
    ]);
  });

  // odysseus #1174: a calendar named "Work,Home" written as `X-WR-CALNAME:Work,Home`, read as two values; calcurse
  // #265: a summary with commas truncated by a CalDAV server.
  it('keeps a calendar name and a summary with commas and semicolons whole', async () => {
    const t = await buildTestApp();
    const title = 'Work,Home; Absolute, final, no-way-around thesis deadline';
    const trip = (await t.api.post('/trips').send(newTrip(1, { title })).expect(201)).body;
    const res = await t.api.get(`/trips/${trip.id}/calendar.ics`).expect(200);
    expect(res.text).toContain('X-WR-CALNAME:Work\\,Home\\; Absolute\\, final\\,');
    const calendar = new ICAL.Component(ICAL.parse(res.text));
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(title);
  });

  // OWASP "CSV Injection" examples: formulas behind each trigger, and a negative number that must stay a number.
  it('neutralises the formula triggers of the OWASP examples in CSV', async () => {
    const t = await buildTestApp();
    for (const name of ['=1+1', '+1+1', '-2+3', '@SUM(1+1)']) {
      await t.api.post('/participants').send({ kind: 'person', name, country: 'FJ' }).expect(201);
    }
    const csv = (await t.api.get('/participants?country=FJ&format=csv').expect(200)).text;
    for (const name of ['=1+1', '+1+1', '-2+3', '@SUM(1+1)']) expect(csv).toContain(`,'${name},`);
    const stops = (await t.api.get('/trips/1/stops?format=csv').expect(200)).text;
    expect(stops).toContain(',-58.3816,');
  });
});
