import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateDatasetOn, scaledDataset } from '../scripts/dataset.js';
import { type CalendarContent, type CalendarMeeting, renderCalendar } from '../src/domain/calendar.js';
import { toUtcInstant } from '../src/domain/time.js';
import { canonicalZone } from '../src/domain/tzdb.js';
import { MEETING_KINDS, MEETING_ROLES, MEETING_STATUSES, PARTS_OF_DAY } from '../src/domain/vocabulary.js';
import { meetingCalendar, participantCalendar, tripCalendar } from '../src/services/calendar-service.js';
import { buildTestApp, type TestApp } from './helpers.js';
import { renderCalendarWithObjects } from './reference/calendar-builder.js';

// Calendars are written from jCal with ICAL.stringify (src/domain/calendar.ts), no longer built as ical.js objects
// first. The bytes must not change: an ETag calendar apps hold would change with them, and every feed's events
// would be read again. So the builder as it was (tests/reference/calendar-builder.ts) is the reference, and each
// calendar here is rendered by both.

const OPTIONS = { uidDomain: 'itinerary.example.org' };

/** Renders `content` both ways; answers the two texts. */
const both = (content: CalendarContent) => ({
  built: renderCalendar(content, OPTIONS),
  reference: renderCalendarWithObjects(content, OPTIONS),
});

/** Every calendar of the database: its trips', its participants' (every `step`-th) and its meetings'. */
async function compareAll(t: TestApp, step: number): Promise<number> {
  const { app } = t;
  const ids = async (table: 'trips' | 'participants' | 'meetings') =>
    (
      (await app.inject({ url: `/${table}?limit=200&fields[${table}]=id` })).json() as {
        data: { id: number }[];
      }
    ).data.map((r) => r.id);
  let compared = 0;
  for (const [ids_, build] of [
    [await ids('trips'), tripCalendar],
    [(await ids('participants')).filter((_, i) => i % step === 0), participantCalendar],
    [(await ids('meetings')).filter((_, i) => i % step === 0), meetingCalendar],
  ] as const) {
    for (const id of ids_) {
      const content = await app.database.read((tx) => build(app.repos, tx, id));
      const { built, reference } = both(content);
      expect(built, `calendar of ${build.name} ${id}`).toBe(reference);
      compared += 1;
    }
  }
  return compared;
}

describe('the calendar builder', () => {
  it('writes the seed’s calendars byte for byte as the object-built calendars were', async () => {
    const t = await buildTestApp();
    expect(await compareAll(t, 1)).toBeGreaterThan(10);
  });

  it('writes a generated dataset’s calendars byte for byte as the object-built calendars were', {
    timeout: 60_000,
  }, async () => {
    const t = await buildTestApp({ seed: false });
    await generateDatasetOn(t.app.database, { ...scaledDataset(0.01), seed: 7 });
    expect(await compareAll(t, 5)).toBeGreaterThan(100);
  });

  it('writes any content byte for byte as the object-built calendar did (property)', () => {
    const zones = Intl.supportedValuesOf('timeZone').filter((z) => canonicalZone(z) === z);
    // Texts with what escaping, folding and cleaning act on: TEXT specials, line ends, control characters, and
    // characters of two, three and four octets (folding counts octets and must not split one).
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        ' ',
        ',',
        ';',
        ':',
        '\\',
        '\n',
        '\r',
        '\t',
        '\u0007',
        'é',
        '北',
        '😀',
        '"',
      ),
      maxLength: 120,
    });
    const day = fc
      .date({
        min: new Date('1850-01-01T00:00:00Z'),
        max: new Date('2040-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const clock = fc
      .integer({ min: 0, max: 23 * 60 + 59 })
      .map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    const stamp = fc
      .date({
        min: new Date('1990-01-01T00:00:00Z'),
        max: new Date('2030-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    const coordinate = fc.option(fc.double({ min: -89, max: 89, noNaN: true }), { nil: null });
    const place = fc.record({
      city: text.filter((s) => s.trim().length > 0),
      country: fc.constantFrom('AR', 'US', 'NO', 'JP', 'ZZ'),
      latitude: coordinate,
      longitude: coordinate,
    });
    const source = fc.record(
      {
        title: text,
        publisher: fc.option(text, { nil: undefined }),
        publishedAt: fc.option(day, { nil: undefined }),
        url: fc.option(fc.webUrl(), { nil: undefined }),
      },
      { requiredKeys: ['title'] },
    );
    const meeting = fc
      .record({
        id: fc.nat(1_000_000),
        title: text.filter((s) => s.trim().length > 0),
        description: fc.option(text, { nil: null }),
        kind: fc.constantFrom(...MEETING_KINDS),
        status: fc.constantFrom(...MEETING_STATUSES),
        date: fc.option(day, { nil: null, freq: 5 }),
        startTime: fc.option(clock, { nil: null }),
        endTime: fc.option(clock, { nil: null }),
        partOfDay: fc.option(fc.constantFrom(...PARTS_OF_DAY), { nil: null }),
        timeZone: fc.constantFrom(...zones),
        topics: fc.array(text, { maxLength: 3 }),
        sources: fc.array(source, { maxLength: 3 }),
        participants: fc.array(fc.record({ name: text, role: fc.constantFrom(...MEETING_ROLES) }), {
          maxLength: 4,
        }),
        createdAt: stamp,
        updatedAt: stamp,
        version: fc.integer({ min: 1, max: 50 }),
        stop: place,
      })
      .map((m) => {
        // As the schema has them: a clock time needs a day, an end a start, and no end before the start.
        const startTime = m.date === null ? null : m.startTime;
        const endTime = startTime === null || m.endTime === null || m.endTime < startTime ? null : m.endTime;
        return {
          ...m,
          startTime,
          endTime,
          partOfDay: startTime === null ? m.partOfDay : null,
          startsAt: toUtcInstant(m.date, startTime, m.timeZone),
          endsAt: toUtcInstant(m.date, endTime, m.timeZone),
        } as unknown as CalendarMeeting;
      });
    const stop = fc
      .record({
        id: fc.nat(1_000_000),
        position: fc.integer({ min: 1, max: 10 }),
        tripTitle: text,
        notes: fc.option(text, { nil: null }),
        arrivalDate: fc.option(day, { nil: null }),
        departureDate: fc.option(day, { nil: null }),
        sources: fc.array(source, { maxLength: 2 }),
        createdAt: stamp,
        updatedAt: stamp,
        version: fc.integer({ min: 1, max: 50 }),
      })
      .chain((s) => place.map((p) => ({ ...s, ...p })));
    const content = fc.record({
      name: text,
      description: text,
      stops: fc.array(stop, { maxLength: 4 }),
      meetings: fc.array(meeting, { maxLength: 8 }),
      updatedAt: stamp,
    }) as unknown as fc.Arbitrary<CalendarContent>;
    fc.assert(
      fc.property(content, (c) => {
        const { built, reference } = both(c);
        expect(built).toBe(reference);
      }),
      { numRuns: Number(process.env.CALENDAR_RUNS ?? 300) },
    );
  });

  it('fails when a calendar’s bytes differ from the reference’s', () => {
    // The comparison has teeth: one property more, or one character changed, is seen.
    const content: CalendarContent = {
      name: 'Trip',
      description: 'A trip',
      stops: [],
      meetings: [],
      updatedAt: '2020-01-01T00:00:00.000Z',
    };
    const { built, reference } = both(content);
    expect(built).toBe(reference);
    expect(renderCalendar({ ...content, name: 'Trip,' }, OPTIONS)).not.toBe(reference);
  });
});
