import fc from 'fast-check';
import { poolRef, type Value } from './learnt-values.js';

// Building blocks of generated requests, each a pair: `good` values a careful client sends (country codes, zones,
// dates, times, instants, ids, URLs) and `bad` near misses and garbage, with the nasty texts that every free-text
// field gets; and the hints that pick a pair for a named body field. A request is built either
// clean (good values only, so it reaches the handlers and the database) or dirty.

export type Pair<T> = { good: fc.Arbitrary<T>; bad: fc.Arbitrary<T> };

/** Good values mostly, bad ones now and then. */
export const either = <T>(pair: Pair<T>, clean: boolean): fc.Arbitrary<T> =>
  clean ? pair.good : fc.oneof({ weight: 3, arbitrary: pair.good }, { weight: 2, arbitrary: pair.bad });

const FUZZ_TEXT = [
  '',
  ' ',
  '   ',
  '\t\n',
  'x',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ufeff',
  '\u202eevil',
  'Peña Nieto',
  'Bogotá',
  '東京',
  '👩‍👩‍👧‍👦',
  'e\u0301',
  "'; drop table trips; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '"',
  '*',
  'NEAR(',
  'AND',
  'OR NOT',
  '^x',
  'col:value',
  '{}',
  '[]',
  'null',
  '%00',
  '%',
  '../..',
  '\\',
  '$where',
  '__proto__',
  'constructor',
];

/** Text that breaks things: control characters, lone surrogates, RTL marks, SQL and FTS5 syntax, markup. */
export const nastyText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FUZZ_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }) },
);

export const countryCode: Pair<string> = {
  good: fc.constantFrom('AR', 'MX', 'PE', 'CO', 'JM', 'US', 'BR', 'FR', 'JP', 'KI', 'AS'),
  bad: fc.constantFrom('ZZ', 'ar', 'Ar', 'XK', 'A', 'ARG', '', ' AR', 'ÄR', '00'),
};

const timeZone: Pair<string> = {
  good: fc.constantFrom(
    'America/Argentina/Buenos_Aires',
    'America/Argentina/Salta',
    'America/Lima',
    'America/Bogota',
    'America/Jamaica',
    'America/Mexico_City',
    'America/Santiago',
    'America/New_York',
    'Europe/London',
    'Asia/Tokyo',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'Australia/Lord_Howe',
    'Etc/GMT+12',
    'Etc/GMT-14',
  ),
  bad: fc.constantFrom(
    'UTC',
    'utc',
    'EST5EDT',
    'Mars/Olympus',
    'america/lima',
    'America/Lima ',
    '/',
    'Etc/GMT+15',
  ),
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Days around the seeded trip and days of clock changes; the edges of the calendar and days that do not exist. */
export const localDate: Pair<string> = {
  good: fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .integer({ min: Date.UTC(2017, 11, 1), max: Date.UTC(2018, 11, 31) })
        .map((ms) => new Date(ms).toISOString().slice(0, 10)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '2018-02-01',
        '2018-02-04',
        '2018-02-05',
        '2018-02-07',
        '2018-03-11',
        '2018-03-25',
        '2018-04-01',
        '2018-05-13',
        '2018-08-12',
        '2018-10-07',
        '2018-10-28',
        '2018-11-04',
        '2016-02-29',
      ),
    },
    // The first and last days the API accepts: their instants, in any zone, keep a four-digit year.
    { weight: 1, arbitrary: fc.constantFrom('1000-01-01', '9998-12-31') },
  ),
  bad: fc.constantFrom(
    // Days whose instants would fall outside the years 0000–9999 (they once answered 500s; now 400s).
    '0000-01-01',
    '0001-01-01',
    '9999-12-30',
    '9999-12-31',
    '0000-00-00',
    '2018-02-29',
    '2018-02-30',
    '2018-04-31',
    '2018-13-01',
    '2018-00-10',
    '2018-2-4',
    '20180204',
    '2018-02-04 ',
    '+02018-02-04',
    '２０１８-02-04',
  ),
};

const localTime: Pair<string> = {
  good: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.nat(23), fc.nat(59)).map(([h, m]) => `${pad(h)}:${pad(m)}`) },
    { weight: 1, arbitrary: fc.constantFrom('00:00', '23:59', '01:30', '02:30') },
  ),
  bad: fc.constantFrom('24:00', '12:60', '9:30', '09:30:00', '', 'noon'),
};

export const instant: Pair<string> = {
  good: fc.oneof(
    fc.constantFrom(
      '2018-02-04T18:00:00-03:00',
      '2018-02-04T21:00:00Z',
      '2018-02-04T21:00:00.123Z',
      '2018-02-04T21:00:00+14:00',
    ),
    fc
      .date({
        min: new Date('2017-06-01T00:00:00Z'),
        max: new Date('2019-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
  ),
  bad: fc.constantFrom(
    '2018-02-04T25:00:00Z',
    '2018-02-04T21:00:00',
    '2018-02-30T21:00:00Z',
    'T',
    '2018-02-04T',
  ),
};

/** Seeded ids run from 1 to 13; there is one trip, about ten stops and meetings. */
const seededId = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 15 }) },
  )
  .map(String);

/** Path and query ids: mostly ones that exist or were just created; every kind of number and non-number. */
export const idText: Pair<Value> = {
  good: fc.oneof({ weight: 5, arbitrary: seededId }, { weight: 1, arbitrary: poolRef('id', seededId, 0) }),
  bad: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '0',
        '-1',
        '16',
        '1000',
        '99999999999999999999',
        '9007199254740991',
        '9007199254740992',
        '1e3',
        '1e400',
        '1.5',
        '1.0',
        '0x10',
        '0b1',
        '01',
        '+1',
        ' 1',
        '1 ',
        'Infinity',
        'NaN',
        'null',
        'abc',
        '１',
        '1%00',
        '%2F',
        '..',
      ),
    },
    { weight: 1, arbitrary: nastyText },
    { weight: 1, arbitrary: fc.integer().map(String) },
  ),
};

const idNumber: Pair<number> = {
  good: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 13 }) },
  ),
  bad: fc.constantFrom(0, -1, 16, 1e6, 9007199254740991, 9007199254740992, 1.5, 1e20),
};

/** API key names: ones the fuzzer creates (POST /keys), none of the test agent's own, and ones that cannot be. */
export const keyName: Pair<string> = {
  good: fc.constantFrom('fuzz-reader', 'fuzz-writer', 'fuzz.admin_1', 'nobody'),
  bad: fc.oneof(fc.constantFrom('', 'a b', 'x'.repeat(65), 'ключ', '..', '%2F'), nastyText),
};

export const webUrl: Pair<string> = {
  good: fc.oneof(
    fc.constantFrom(
      'https://example.com/a',
      'http://www.thebubble.com/tillerson-makes-latam-debut-with-venezuela-on-agenda/',
      'https://history.state.gov/departmenthistory/travels/secretary/tillerson-rex-w',
    ),
    fc.webUrl({ validSchemes: ['https'] }),
  ),
  bad: fc.constantFrom(
    'ftp://example.com/x',
    'javascript:alert(1)',
    'mailto:x@example.com',
    'not a url',
    'http://',
    'https://exa mple.com',
    `https://example.com/${'a'.repeat(2000)}`,
  ),
};

/** Body fields whose meaning the schema cannot tell: the values a client would really send, and near misses. */
export const BODY_HINTS: Record<string, Pair<unknown>> = {
  country: countryCode,
  timeZone,
  travelerId: idNumber,
  participantId: idNumber,
  stopId: idNumber,
  date: localDate,
  startDate: localDate,
  endDate: localDate,
  arrivalDate: localDate,
  departureDate: localDate,
  startTime: localTime,
  endTime: localTime,
  url: webUrl,
  position: { good: fc.integer({ min: 1, max: 12 }), bad: fc.constantFrom(0, 10000, 10001, -1) },
  latitude: { good: fc.double({ min: -90, max: 90, noNaN: true }), bad: fc.constantFrom(90.0000001, -91) },
  longitude: { good: fc.double({ min: -180, max: 180, noNaN: true }), bad: fc.constantFrom(180.5, -181) },
};
