import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { parse as parseYaml } from 'yaml';

// Support for tests/fuzz/fuzz.test.ts: the OpenAPI document as a list of operations, fast-check arbitraries that build
// requests for them (valid, plausible and malformed), a sender that resolves values learnt from earlier answers
// (cursors, change tokens, ETags, created ids), and a checker that holds each answer to the document.

// ---------------------------------------------------------------------------------------------------------------
// The document

export type Schema = {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

type MediaTypes = Record<string, { schema?: Schema }>;

export type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
};

export type Operation = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  label: string;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content: MediaTypes };
  responses: Record<string, { description?: string; content?: MediaTypes }>;
};

export type OpenApiDocument = {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function loadDocument(): OpenApiDocument {
  const text = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
  return parseYaml(text) as OpenApiDocument;
}

/** Every operation of the document, in its order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of METHODS) {
      const raw = item[method] as
        | {
            parameters?: Parameter[];
            requestBody?: Operation['requestBody'];
            responses?: Operation['responses'];
          }
        | undefined;
      if (!raw) continue;
      operations.push({
        method,
        path,
        label: `${method.toUpperCase()} ${path}`,
        parameters: [...shared, ...(raw.parameters ?? [])],
        requestBody: raw.requestBody,
        responses: raw.responses ?? {},
      });
    }
  }
  return operations;
}

function resolveRef(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 10; depth += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`the document has no schema ${current.$ref}`);
    current = target;
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------------------
// Values learnt from answers, resolved when a request is sent

/** Learnt values: next-page cursors, change tokens, ETags by URL (for If-None-Match) and by path (for If-Match). */
export type PoolName = 'cursor' | 'token' | 'etag' | 'tag' | 'id';

/** A value taken at send time from what earlier answers gave: a cursor, a change token, an ETag or a new id. */
export type PoolRef = { pool: PoolName; pick: number; tamper: number; fallback: string };

export type Value = string | PoolRef;

export type State = {
  cursors: string[];
  tokens: string[];
  ids: string[];
  etags: Map<string, string>;
  tags: Map<string, string>;
};

export const newState = (): State => ({
  cursors: [],
  tokens: [],
  ids: [],
  etags: new Map(),
  tags: new Map(),
});

const remember = (list: string[], value: string) => {
  if (list.includes(value)) return;
  list.push(value);
  if (list.length > 50) list.shift();
};

const poolRef = (pool: PoolName, fallback: fc.Arbitrary<string>, tampers: number) =>
  fc
    .record({ pick: fc.nat(1000), tamper: fc.nat(tampers), fallback })
    .map((ref): PoolRef => ({ pool, ...ref }));

const flipChar = (text: string, at: number) => {
  if (text.length === 0) return 'A';
  const i = at % text.length;
  return `${text.slice(0, i)}${text[i] === 'A' ? 'B' : 'A'}${text.slice(i + 1)}`;
};

const toBase64url = (text: string) => Buffer.from(text).toString('base64url');

function tamperCursor(cursor: string, tamper: number, pick: number): string {
  let body: { s?: unknown; f?: unknown; k?: unknown[] } | undefined;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    body = undefined;
  }
  const weird: unknown[] = [
    1e308,
    -1,
    0,
    '',
    'x'.repeat(3000),
    '\u0000',
    1.5,
    2 ** 53 + 2,
    [1],
    { a: 1 },
    null,
  ];
  const withKey = (k: unknown[]) => toBase64url(JSON.stringify({ ...body, k }));
  const keys = Array.isArray(body?.k) ? body.k : [];
  switch (tamper) {
    case 0:
      return cursor;
    case 1:
      return withKey(keys.map((_, i) => weird[(pick + i) % weird.length]));
    case 2:
      return toBase64url(
        JSON.stringify({ ...body, s: ['-startDate', 'title', 'date', 'name', ''][pick % 5] }),
      );
    case 3:
      return flipChar(cursor, pick);
    case 4:
      return cursor.slice(0, pick % Math.max(cursor.length, 1));
    case 5:
      return withKey([...keys, weird[pick % weird.length]]);
    case 6:
      return withKey(keys.map((key) => (typeof key === 'number' ? String(key) : key)));
    default:
      return `${cursor}==`;
  }
}

function tamperToken(token: string, tamper: number, pick: number): string {
  const seq = Number(/^changes:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))?.[1] ?? 0);
  switch (tamper) {
    case 0:
      return token;
    case 1:
      return toBase64url(`changes:${seq + 1 + (pick % 1000)}`);
    case 2:
      return toBase64url(`changes:${Math.max(seq - 1 - (pick % 50), 0)}`);
    case 3:
      return toBase64url('changes:-1');
    case 4:
      return flipChar(token, pick);
    case 5:
      return toBase64url(`changes:${'9'.repeat(15 + (pick % 3))}`);
    default:
      return toBase64url(`changes:${seq}.5`);
  }
}

function resolveValue(value: Value, state: State, url: string): string {
  if (typeof value === 'string') return value;
  if (value.pool === 'tag') {
    const tag = state.tags.get(url.split('?')[0] ?? url);
    if (tag === undefined) return value.fallback;
    const stale = tag.replace(/\d+/, (n) => String(Math.max(Number(n) - 1, 0)));
    return [tag, tag, tag, `W/${tag}`, stale, `"x", ${tag}`, '*', '"v99999999"'][value.tamper % 8] ?? tag;
  }
  if (value.pool === 'etag') {
    const own = state.etags.get(url);
    const all = [...state.etags.values()];
    const tag = own ?? all[value.pick % Math.max(all.length, 1)];
    if (tag === undefined) return value.fallback;
    return (
      [tag, `"x", ${tag}`, tag.replace(/^"/, 'W/"'), `${tag.slice(0, -2)}"`, '*'][value.tamper % 5] ?? tag
    );
  }
  const list = value.pool === 'cursor' ? state.cursors : value.pool === 'token' ? state.tokens : state.ids;
  const item = list[value.pick % Math.max(list.length, 1)];
  if (item === undefined) return value.fallback;
  if (value.pool === 'cursor') return tamperCursor(item, value.tamper, value.pick);
  if (value.pool === 'token') return tamperToken(item, value.tamper, value.pick);
  return item;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks. Each comes as a pair: `good` values a careful client sends, `bad` near misses and garbage.
// A request is built either clean (good values only, so it reaches the handlers and the database) or dirty.

type Pair<T> = { good: fc.Arbitrary<T>; bad: fc.Arbitrary<T> };

/** Good values mostly, bad ones now and then. */
const either = <T>(pair: Pair<T>, clean: boolean): fc.Arbitrary<T> =>
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

const countryCode: Pair<string> = {
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
const localDate: Pair<string> = {
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

const instant: Pair<string> = {
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
const idText: Pair<Value> = {
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
const keyName: Pair<string> = {
  good: fc.constantFrom('fuzz-reader', 'fuzz-writer', 'fuzz.admin_1', 'nobody'),
  bad: fc.oneof(fc.constantFrom('', 'a b', 'x'.repeat(65), 'ключ', '..', '%2F'), nastyText),
};

const webUrl: Pair<string> = {
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
const BODY_HINTS: Record<string, Pair<unknown>> = {
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

// ---------------------------------------------------------------------------------------------------------------
// JSON Schema → fast-check, for the subset the document uses

export type SchemaContext = { doc: OpenApiDocument; hints: Record<string, Pair<unknown>>; clean: boolean };

function stringFor(schema: Schema, clean: boolean): fc.Arbitrary<string> {
  const { minLength = 0, maxLength, pattern, format } = schema;
  const options: fc.WeightedArbitrary<string>[] = [];
  if (pattern) options.push({ weight: 6, arbitrary: fc.stringMatching(new RegExp(pattern)) });
  if (format === 'uri') options.push({ weight: 6, arbitrary: either(webUrl, clean) });
  if (format === 'date-time') options.push({ weight: 6, arbitrary: either(instant, clean) });
  if (!pattern && !format) {
    const longest = Math.min(maxLength ?? 40, 40);
    const text = fc.string({ unit: 'grapheme', minLength: Math.min(minLength, longest), maxLength: longest });
    // The API trims text before it counts it.
    options.push({ weight: 6, arbitrary: clean ? text.filter((s) => s.trim().length >= minLength) : text });
    if (maxLength !== undefined) options.push({ weight: 1, arbitrary: fc.constant('é'.repeat(maxLength)) });
  }
  if (!clean) {
    options.push({ weight: 2, arbitrary: nastyText });
    if (maxLength !== undefined)
      options.push({ weight: 1, arbitrary: fc.constant('x'.repeat(maxLength + 1)) });
  }
  return fc.oneof(...options);
}

function numberFor(schema: Schema, integer: boolean, clean: boolean): fc.Arbitrary<number> {
  const low = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -1e6);
  const high = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? 1e6);
  // Keep ordinary values ordinary; the edges come separately.
  const min = Math.max(low, -1e6);
  const max = Math.min(high, Math.max(min, 1e6));
  const ordinary = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  const edges = clean ? [low, high] : [low - 1, high + 1, 0, -0, 2 ** 53, -(2 ** 53), 1e21, 1.5];
  return fc.oneof({ weight: 8, arbitrary: ordinary }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
}

/** Fields that must agree: ordered dates and times, a date under a time, coordinates in pairs. */
function agree(value: Record<string, unknown>): Record<string, unknown> {
  const out = { ...value };
  const order = (a: string, b: string) => {
    const x = out[a];
    const y = out[b];
    if (typeof x === 'string' && typeof y === 'string' && x > y) [out[a], out[b]] = [y, x];
  };
  order('startDate', 'endDate');
  order('arrivalDate', 'departureDate');
  order('startTime', 'endTime');
  if (typeof out.startTime === 'string' && !out.date) out.date = '2018-02-04';
  if (out.endTime && !out.startTime) delete out.endTime;
  if ((out.latitude ?? null) === null || (out.longitude ?? null) === null) {
    delete out.latitude;
    delete out.longitude;
  }
  return out;
}

/** Values shaped like the schema: valid when clean; with boundaries and near misses when not. */
export function arbitraryFor(schema: Schema, context: SchemaContext, depth = 0): fc.Arbitrary<unknown> {
  const { clean } = context;
  const resolved = resolveRef(context.doc, schema);
  if (resolved.const !== undefined) return fc.constant(resolved.const);
  if (resolved.enum) {
    const good = fc.constantFrom(...resolved.enum);
    const bad = fc.constantFrom('', 'unknown', String(resolved.enum[0]).toUpperCase());
    return either({ good, bad }, clean);
  }
  const branches = resolved.anyOf ?? resolved.oneOf;
  if (branches) return fc.oneof(...branches.map((branch) => arbitraryFor(branch, context, depth)));
  if (Array.isArray(resolved.type)) {
    return fc.oneof(...resolved.type.map((type) => arbitraryFor({ ...resolved, type }, context, depth)));
  }
  switch (resolved.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberFor(resolved, true, clean);
    case 'number':
      return numberFor(resolved, false, clean);
    case 'string':
      return stringFor(resolved, clean);
    case 'array': {
      const item = resolved.items ? arbitraryFor(resolved.items, context, depth + 1) : fc.jsonValue();
      const most = Math.min(resolved.maxItems ?? 4, depth > 0 ? 2 : 4);
      const list = fc.array(item, { minLength: resolved.minItems ?? 0, maxLength: most });
      if (clean || resolved.maxItems === undefined || resolved.maxItems > 100) return list;
      const over = resolved.maxItems + 1;
      const tooMany = item.map((value) => Array.from({ length: over }, () => value));
      return fc.oneof({ weight: 9, arbitrary: list }, { weight: 1, arbitrary: tooMany });
    }
    case 'object': {
      const properties = resolved.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) {
        const own = arbitraryFor(property, context, depth + 1);
        // A key's name has a pattern; a participant's does not and keeps its free text.
        const patterned = resolveRef(context.doc, property).pattern !== undefined;
        const hint = context.hints[name] ?? (patterned && name === 'name' ? keyName : undefined);
        const hinted = hint ? either(hint, clean) : undefined;
        // A nullable hinted field keeps its null.
        const nullable = JSON.stringify(property).includes('"null"');
        model[name] = hinted
          ? fc.oneof(
              { weight: 4, arbitrary: hinted },
              { weight: 1, arbitrary: clean ? (nullable ? fc.constant(null) : hinted) : own },
            )
          : own;
      }
      const record = fc.record(model, { requiredKeys: resolved.required ?? [] });
      return clean ? record.map(agree) : record;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

export type Body =
  | { kind: 'text'; contentType: string; text: string; note: string }
  | { kind: 'bytes'; contentType: string; bytes: number[]; note: string }
  /** A JSON body one byte over the server's limit, built at send time so the limit is never hard-coded. */
  | { kind: 'oversize'; contentType: string; note: string };

export type FuzzRequest = {
  op: Operation;
  /** The path parameters, by name. */
  pathParams: Record<string, Value>;
  /** Query pairs (encoded at send time), and raw fragments appended as they are. */
  query: ([string, Value] | { raw: string })[];
  headers: Record<string, Value>;
  body?: Body;
  /** Send the previous request again, as a client retrying after a lost answer would. */
  retry: boolean;
};

const JSON_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'Application/JSON',
];
const OTHER_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/json',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/jsonx',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/octet-stream',
  '*/*',
  'json',
  ';',
];

const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** Malformed JSON text: depth, duplicate keys, prototype keys, numbers JSON cannot hold, broken syntax. */
function malformedJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ text: string; note: string }> {
  // Under 100 kB of text: nesting, not size, is what these test.
  const depth = fc.constantFrom(1000, 5000, 12_000);
  const objectText = valid.map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    depth.map((n) => ({ text: deepArray(n), note: `array nested ${n} deep` })),
    depth.map((n) => ({ text: deepObject(n), note: `object nested ${n} deep` })),
    fc.tuple(depth, objectText).map(([n, text]) => ({
      text:
        text.startsWith('{') && text !== '{}' ? `{"sources":${deepArray(n)},${text.slice(1)}` : deepArray(n),
      note: `a field nested ${n} deep`,
    })),
    fc.tuple(depth, objectText).map(([n, text]) => ({
      text: text.startsWith('{') && text !== '{}' ? `{"zz":${deepObject(n)},${text.slice(1)}` : deepObject(n),
      note: `an unknown field nested ${n} deep`,
    })),
    fc.tuple(objectText, fc.jsonValue({ maxDepth: 1 })).map(([text, other]) => {
      const key = /^\{"([^"]+)"/.exec(text)?.[1] ?? 'title';
      const rest = text.startsWith('{') && text !== '{}' ? `,${text.slice(1)}` : '}';
      return { text: `{"${key}":${JSON.stringify(other)}${rest}`, note: `duplicate key ${key}` };
    }),
    fc.tuple(objectText, fc.jsonValue({ maxDepth: 1 })).map(([text, other]) => {
      const key = /"([^"]+)":/.exec(text)?.[1] ?? 'title';
      const head = text.endsWith('}') && text !== '{}' ? text.slice(0, -1) : '{"x":1';
      return { text: `${head},"${key}":${JSON.stringify(other)}}`, note: `duplicate key ${key}, last wins` };
    }),
    fc
      .tuple(
        objectText,
        fc.constantFrom(
          '"__proto__":{"isAdmin":true}',
          '"constructor":{"prototype":{"isAdmin":true}}',
          '"__proto__":null',
          '"\\u005f_proto__":{}',
        ),
      )
      .map(([text, proto]) => ({
        text: text.startsWith('{') && text !== '{}' ? `{${proto},${text.slice(1)}` : `{${proto}}`,
        note: 'prototype key',
      })),
    fc
      .tuple(
        objectText,
        fc.constantFrom(
          '1e400',
          '-1e400',
          '99999999999999999999',
          '-0',
          '1.0',
          '1E2',
          '0.1e1',
          '1e-400',
          '0e0',
        ),
      )
      .map(([text, number]) => ({
        text: text.replace(/(?<=:)-?\d+(\.\d+)?([eE][-+]?\d+)?/g, number),
        note: `numbers written as ${number}`,
      })),
    fc
      .tuple(objectText, fc.nat())
      .map(([text, at]) => ({ text: text.slice(0, at % Math.max(text.length, 1)), note: 'truncated JSON' })),
    fc.constantFrom(
      { text: '', note: 'empty' },
      { text: '   ', note: 'whitespace' },
      { text: 'null', note: 'null' },
      { text: '[]', note: 'an array' },
      { text: '"text"', note: 'a string' },
      { text: '42', note: 'a number' },
      { text: 'true', note: 'a boolean' },
      { text: '{}', note: 'an empty object' },
      { text: '{"a":1,}', note: 'a trailing comma' },
      { text: "{'a':1}", note: 'single quotes' },
      { text: '{"a":NaN}', note: 'NaN' },
      { text: '{"a":Infinity}', note: 'Infinity' },
      { text: '{"a":1} {"b":2}', note: 'two documents' },
      { text: '{"a":1 // c\n}', note: 'a comment' },
      { text: '\ufeff{}', note: 'a byte order mark' },
      { text: '{"title":"\\ud800"}', note: 'an escaped lone surrogate' },
      { text: '{"title":"a\\u0000b"}', note: 'an escaped NUL' },
      { text: '{"title":"\u0001"}', note: 'a raw control character' },
      { text: '{"a":"\\x41"}', note: 'a bad escape' },
      { text: '{"a":', note: 'an unfinished object' },
      { text: '{"__proto__":{"x":1}}', note: '__proto__ only' },
    ),
  );
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -1e308,
  5e-324,
  '',
  ' ',
  'x',
  [],
  {},
  [null],
  [[[]]],
  { a: { b: {} } },
  '1',
  'true',
  'null',
];

/** A valid-looking object, then broken: a field of the wrong type, a field too many, a required field gone. */
function mutatedObject(valid: fc.Arbitrary<unknown>, schema: Schema, doc: OpenApiDocument) {
  const resolved = resolveRef(doc, schema);
  const names = Object.keys(resolved.properties ?? {});
  const name = names.length > 0 ? fc.constantFrom(...names) : fc.constant('title');
  const weird = fc.oneof(fc.constantFrom(...WEIRD_VALUES), fc.jsonValue({ maxDepth: 3 }), nastyText);
  const asObject = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
  return fc.oneof(
    fc.tuple(valid, name, weird).map(([value, key, bad]) => ({
      value: { ...asObject(value), [key]: bad },
      note: `${key} of the wrong type or value`,
    })),
    fc
      .tuple(valid, fc.constantFrom('id', 'createdAt', 'version', 'tripId', 'extra', 'Title', ''), weird)
      .map(([value, key, bad]) => ({
        value: { ...asObject(value), [key]: bad },
        note: `an unknown field ${key}`,
      })),
    fc.tuple(valid, name).map(([value, key]) => {
      const copy = asObject(value);
      delete copy[key];
      return { value: copy, note: `without ${key}` };
    }),
    valid.map((value) => ({
      value: Object.fromEntries(Object.keys(asObject(value)).map((key) => [key, null])),
      note: 'every field null',
    })),
    fc.constantFrom(...WEIRD_VALUES).map((value) => ({ value, note: 'not an object' })),
  );
}

const textBody = (contentType: string, text: string, note: string): Body => ({
  kind: 'text',
  contentType,
  text,
  note,
});

/**
 * Bodies for an operation that takes one. Clean: JSON shaped by the schema. Dirty: broken by field, broken as text,
 * ill-formed UTF-8, not JSON by its content type, over the size limit, or missing.
 */
function bodyFor(op: Operation, doc: OpenApiDocument, clean: boolean): fc.Arbitrary<Body | undefined> {
  const types = Object.keys(op.requestBody?.content ?? {});
  const xmlTypes = types.filter((type) => /[/+]xml$/.test(type));
  if (!types.includes('application/json') && xmlTypes.length > 0) return xmlBodyFor(xmlTypes, clean);
  const schema = op.requestBody?.content['application/json']?.schema ?? {};
  const good = arbitraryFor(schema, { doc, hints: BODY_HINTS, clean: true });
  const jsonType = fc.constantFrom(...JSON_TYPES);
  const shaped = fc
    .tuple(jsonType, good)
    .map(([type, value]) => textBody(type, JSON.stringify(value), 'valid'));
  if (clean) return shaped;
  const loose = arbitraryFor(schema, { doc, hints: BODY_HINTS, clean: false });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(jsonType, loose)
        .map(([type, value]) => textBody(type, JSON.stringify(value), 'near misses')),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(jsonType, mutatedObject(good, schema, doc))
        .map(([type, { value, note }]) => textBody(type, JSON.stringify(value), note)),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(jsonType, malformedJsonText(good))
        .map(([type, { text, note }]) => textBody(type, text, note)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...OTHER_TYPES),
          fc.oneof(
            good.map((v) => JSON.stringify(v)),
            nastyText,
          ),
        )
        .map(([type, text]) => textBody(type, text, 'not JSON by its type')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          jsonType,
          good,
          fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]),
        )
        .map(
          ([type, value, bad]): Body => ({
            kind: 'bytes',
            contentType: type,
            bytes: [
              ...Buffer.from(`{"title":"`),
              ...bad,
              ...Buffer.from(`",${JSON.stringify(value).slice(1)}`),
            ],
            note: 'ill-formed UTF-8',
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: jsonType.map((type): Body => ({ kind: 'oversize', contentType: type, note: 'too large' })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const xmlEscape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** An Office of the Historian record: a trip (`<trips>`) or a visit (`<visits>`), plausible or broken. */
function historianRecord(kind: 'trip' | 'visit', clean: boolean) {
  const text = clean ? fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) : nastyText;
  const date = either(localDate, clean);
  const country = fc.constantFrom(
    'japan',
    'mexico',
    'argentina',
    'peru',
    'norway',
    'hawaii-kingdom',
    'atlantis',
  );
  return fc
    .record({
      id: fc.integer({ min: 1, max: 999_999 }),
      name: text,
      start: date,
      end: date,
      country,
      place: text,
    })
    .map(({ id, name, start, end, country: where, place }) => {
      const [from, to] = clean && start > end ? [end, start] : [start, end];
      const common = `<id>${id}</id><start-date>${from}</start-date><end-date>${to}</end-date>`;
      return kind === 'trip'
        ? `<trip role="secretary" who="fuzz"><role>secretary</role><name>${xmlEscape(name)}</name>${common}` +
            `<country id="${where}">${where}</country><locale>${xmlEscape(place)}</locale><remarks>r</remarks></trip>`
        : `<visit>${common}<visitor>${xmlEscape(name)}</visitor><from id="${where}">${where}</from>` +
            `<description>${xmlEscape(place)}</description></visit>`;
    });
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** XML bodies: Historian documents when clean; with entities, DTDs, depth, bad encodings and non-XML when not. */
function xmlBodyFor(types: string[], clean: boolean): fc.Arbitrary<Body | undefined> {
  const type = fc.constantFrom(...types, ...types.map((t) => `${t}; charset=utf-8`));
  const documentOf = (kind: 'trip' | 'visit', ok: boolean) =>
    fc
      .array(historianRecord(kind, ok), { minLength: 1, maxLength: 3 })
      .map((records) => `${XML_DECLARATION}\n<${kind}s>${records.join('')}</${kind}s>`);
  const good = fc.oneof(documentOf('trip', true), documentOf('visit', true));
  const shaped = fc.tuple(type, good).map(([t, text]) => textBody(t, text, 'a Historian document'));
  if (clean) return shaped;
  const laughs = [
    '<!DOCTYPE trips [<!ENTITY a "aaaaaaaaaa">',
    ...Array.from(
      { length: 8 },
      (_, i) => `<!ENTITY ${'b'.repeat(i + 1)} "${`&${i === 0 ? 'a' : 'b'.repeat(i)};`.repeat(10)}">`,
    ),
    ']>',
  ].join('');
  const hostile = fc.constantFrom(
    {
      text: `${XML_DECLARATION}<!DOCTYPE trips [<!ENTITY x SYSTEM "file:///etc/passwd">]><trips>&x;</trips>`,
      note: 'an external entity (XXE)',
    },
    {
      text: `${XML_DECLARATION}${laughs}<trips><trip><name>&bbbbbbbb;</name></trip></trips>`,
      note: 'entity expansion (billion laughs)',
    },
    {
      text: `${XML_DECLARATION}<trips>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</trips>`,
      note: 'elements nested 10,000 deep',
    },
    { text: `${XML_DECLARATION}<trips><trip>`, note: 'unclosed elements' },
    { text: `${XML_DECLARATION}<catalog><book/></catalog>`, note: 'another root' },
    { text: '<?xml version="1.0" encoding="UTF-16"?><trips/>', note: 'a declared encoding it is not in' },
    { text: '\ufeff<?xml version="1.0"?><trips/>', note: 'a byte order mark' },
    { text: `${XML_DECLARATION}<trips/>`, note: 'no records' },
    { text: '', note: 'empty' },
    { text: '{"trips":[]}', note: 'JSON' },
    {
      text: `${XML_DECLARATION}<trips><trip><id>1</id><name>a\u0000b</name></trip></trips>`,
      note: 'a NUL character',
    },
    {
      text: `${XML_DECLARATION}<trips><trip who="${'x'.repeat(50_000)}"/></trips>`,
      note: 'a huge attribute',
    },
    { text: `${XML_DECLARATION}<trips><trip><name><![CDATA[<b>]]></name></trip></trips>`, note: 'CDATA' },
  );
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(type, fc.oneof(documentOf('trip', false), documentOf('visit', false)))
        .map(([t, text]) => textBody(t, text, 'a Historian document with near misses')),
    },
    { weight: 4, arbitrary: fc.tuple(type, hostile).map(([t, { text, note }]) => textBody(t, text, note)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(type, good, fc.nat())
        .map(([t, text, at]) => textBody(t, text.slice(0, at % text.length), 'truncated XML')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES), good)
        .map(([t, text]) => textBody(t, text, 'XML under another type')),
    },
    {
      weight: 1,
      arbitrary: type.map((t): Body => ({ kind: 'oversize', contentType: t, note: 'too large' })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const values = (...list: string[]) => fc.constantFrom(...list);

/** Query values a client would send for each parameter name, and near misses; undefined: use the schema. */
function queryHint(name: string, op: Operation): Pair<Value> | undefined {
  switch (name) {
    case 'limit':
      return {
        good: fc.oneof(fc.integer({ min: 1, max: 3 }).map(String), values('1', '50', '200')),
        bad: values('201', '0', '-1', '1.5', '1e2', ' 5', '0x10', '', 'ten'),
      };
    case 'cursor':
      return {
        good: poolRef('cursor', values('eyJzIjoieCJ9'), 0),
        bad: fc.oneof(
          { weight: 3, arbitrary: poolRef('cursor', values('eyJzIjoieCJ9'), 7) },
          { weight: 1, arbitrary: nastyText },
        ),
      };
    case 'since':
      return {
        good: poolRef('token', values(toBase64url('changes:0')), 0),
        bad: fc.oneof(
          { weight: 3, arbitrary: poolRef('token', values(toBase64url('changes:0')), 6) },
          { weight: 1, arbitrary: fc.nat(100).map((n) => toBase64url(`changes:${n}`)) },
          { weight: 1, arbitrary: nastyText },
        ),
      };
    case 'count':
      return { good: values('true', 'false'), bad: values('TRUE', '1', '', 'yes') };
    case 'format':
      return { good: values('json', 'csv'), bad: values('CSV', 'xml', '', 'csv,json') };
    case 'from':
    case 'to':
      return op.path.includes('meetings')
        ? { good: fc.oneof(localDate.good, instant.good), bad: fc.oneof(localDate.bad, instant.bad) }
        : localDate;
    case 'date':
      return localDate;
    case 'country':
    case 'code':
      return {
        good: fc.oneof(
          { weight: 4, arbitrary: countryCode.good },
          {
            weight: 1,
            arbitrary: fc.array(countryCode.good, { minLength: 2, maxLength: 3 }).map((l) => l.join(',')),
          },
        ),
        bad: fc.oneof(countryCode.bad, values(',', 'AR,', ' , ', Array(51).fill('AR').join(','))),
      };
    case 'traveler':
    case 'participant':
    case 'trip':
    case 'stop':
    case 'resourceId':
      return idText;
    case 'resource':
      return {
        good: values('trip', 'stop', 'meeting', 'participant', 'attendance'),
        bad: values('trips', '', 'x'),
      };
    case 'key':
      return keyName;
    case 'status':
      return {
        good: values('planned', 'confirmed', 'completed', 'cancelled', 'tentative', 'planned,cancelled'),
        bad: values('x', 'PLANNED', ''),
      };
    case 'kind':
      return {
        good: values('bilateral', 'speech', 'press', 'person', 'group', 'other', 'bilateral,press'),
        bad: values('x', ''),
      };
    case 'type':
      return {
        good: values('trip', 'stop', 'meeting', 'participant', 'trip,meeting'),
        bad: values('trips', ''),
      };
    case 'include':
      return {
        good: fc
          .subarray(['stops', 'meetings', 'participants', 'traveler'], { minLength: 1 })
          .map((p) => p.join(',')),
        bad: values('', ',', 'stops,', ' stops , meetings ', 'STOPS', 'stops,stops', 'everything'),
      };
    case 'q':
    case 'topic':
    case 'city':
      return {
        good: values(
          'Macri',
          'pena nieto',
          'bogota',
          'vide',
          'Venezuela',
          'trade',
          'Lima',
          'Buenos Aires',
          'Texas',
        ),
        bad: fc.oneof(values('x'.repeat(201), ''), nastyText),
      };
    default:
      return undefined;
  }
}

const stringify = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/**
 * Query pairs for the declared parameters. Clean: a few of them, with good values (a window in order). Dirty: bad
 * values, repeated parameters, unknown parameters and broken query syntax as well.
 */
function queryFor(op: Operation, doc: OpenApiDocument, clean: boolean): fc.Arbitrary<FuzzRequest['query']> {
  const declared = op.parameters.filter((p) => p.in === 'query');
  const pairs = declared.map((parameter) => {
    const schema = parameter.schema ?? {};
    const fromSchema = (ok: boolean) => arbitraryFor(schema, { doc, hints: {}, clean: ok }).map(stringify);
    const hint = queryHint(parameter.name, op) ?? { good: fromSchema(true), bad: fromSchema(false) };
    const present: fc.Arbitrary<Value[]> = clean
      ? hint.good.map((v) => [v])
      : fc.oneof(
          { weight: 4, arbitrary: either(hint, false).map((v) => [v]) },
          { weight: 1, arbitrary: fc.tuple(hint.good, either(hint, false)).map(([a, b]) => [a, b]) },
          { weight: 1, arbitrary: nastyText.map((v) => [v]) },
        );
    const chance = parameter.required ? 20 : clean ? 1 : 2;
    const absent = parameter.required ? 1 : 3;
    return fc
      .oneof(
        { weight: chance, arbitrary: present },
        { weight: absent, arbitrary: fc.constant([] as Value[]) },
      )
      .map((list) => list.map((v): [string, Value] => [parameter.name, v]));
  });
  const query = fc.tuple(...pairs).map((parts) => parts.flat());
  if (clean) return query.map(orderWindow);
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant([]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(values('page', 'expand', 'id', 'fields', '__proto__', 'constructor'), nastyText)
        .map(([key, value]) => [[key, value] as [string, Value]]),
    },
    {
      weight: 1,
      arbitrary: values(
        '&&',
        '=',
        '=x',
        'a',
        '%',
        '%zz',
        '%00=%00',
        'limit[]=1',
        'a[b]=1',
        '__proto__[x]=1',
        '+',
      ).map((raw) => [{ raw }]),
    },
  );
  return fc.tuple(query, extra).map(([parts, more]) => [...parts, ...more]);
}

/** A clean query's from and to in order. */
function orderWindow(query: FuzzRequest['query']): FuzzRequest['query'] {
  const from = query.find((part): part is [string, Value] => !('raw' in part) && part[0] === 'from');
  const to = query.find((part): part is [string, Value] => !('raw' in part) && part[0] === 'to');
  if (!from || !to || typeof from[1] !== 'string' || typeof to[1] !== 'string') return query;
  const a = from[1];
  const b = to[1];
  const instants = a.includes('T') && b.includes('T');
  const dates = !a.includes('T') && !b.includes('T');
  if ((instants && Date.parse(a) > Date.parse(b)) || (dates && a > b)) [from[1], to[1]] = [b, a];
  return query;
}

/**
 * Headers: conditional requests (If-None-Match on reads; If-Match on writes, with the tag learnt for the path),
 * Accept for content negotiation, and when dirty, stray credentials and odd headers. A clean request never sets
 * Authorization, so the key the test agent carries (if any) stays in place.
 */
function headersFor(op: Operation, clean: boolean): fc.Arbitrary<Record<string, Value>> {
  const ifNoneMatch: fc.Arbitrary<Value | undefined> = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: poolRef('etag', values('"none"'), 4) },
    { weight: 1, arbitrary: values('*', ' * ', '"x"', 'W/"x"', '"a", "b"', 'x', '', '"', 'W/', '*, "x"') },
  );
  const ifMatch: fc.Arbitrary<Value | undefined> = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: poolRef('tag', values('*'), clean ? 0 : 7) },
    {
      weight: clean ? 1 : 2,
      arbitrary: clean ? values('*') : values('*', '"v1"', '"v0"', 'v1', '"x"', '', 'W/"v1"'),
    },
  );
  const accept = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: values(
        'text/csv',
        'application/json',
        '*/*',
        'text/*',
        'text/csv;q=0.5, application/json',
        'text/csv, application/json;q=0.5',
        'text/csv;q=abc',
        'text/html',
        'application/problem+json',
        'image/png',
        '',
        ',,,',
      ),
    },
  );
  const options: fc.WeightedArbitrary<Record<string, string>>[] = [
    { weight: 6, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: values('https://example.com', 'null', 'http://localhost:3000').map((o) => ({ origin: o })),
    },
  ];
  if (!clean) {
    options.push(
      {
        weight: 1,
        arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((v) => ({ 'x-fuzz': v })),
      },
      {
        weight: 1,
        arbitrary: values('Bearer ', 'Bearer x', 'Bearer  ', 'bearer x', 'Basic eDp4', 'x').map((v) => ({
          authorization: v,
        })),
      },
    );
  }
  // Other declared headers (Idempotency-Key, say): repeated keys, so that replays and reuse happen too.
  const declared = op.parameters.filter(
    (p) => p.in === 'header' && !['if-none-match', 'if-match'].includes(p.name.toLowerCase()),
  );
  const headerSafe = (text: string) => /^[\x20-\x7e]*$/.test(text);
  const declaredValues = fc.tuple(
    ...declared.map((parameter) => {
      const good = fc.oneof(values('fuzz-key-1', 'fuzz-key-2', 'fuzz-key-3'), fc.uuid());
      const bad = fc.oneof(
        values('', ' ', 'x'.repeat(300)),
        fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
      );
      return fc
        .option(clean ? good : either({ good, bad }, false), { nil: undefined, freq: 2 })
        .map((value) => [parameter.name.toLowerCase(), value] as const);
    }),
  );
  const reads = op.method === 'get';
  return fc
    .tuple(reads ? ifNoneMatch : ifMatch, accept, fc.oneof(...options), declaredValues)
    .map(([condition, acc, more, pairs]) => {
      const headers: Record<string, Value> = { ...more };
      for (const [name, value] of pairs) if (value !== undefined && headerSafe(value)) headers[name] = value;
      if (condition !== undefined) headers[reads ? 'if-none-match' : 'if-match'] = condition;
      if (acc !== undefined) headers.accept = acc;
      return headers;
    });
}

function pathParamsFor(op: Operation, clean: boolean): fc.Arbitrary<Record<string, Value>> {
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const model: Record<string, fc.Arbitrary<Value>> = {};
  for (const name of names) {
    const pair = name === 'code' ? countryCode : name === 'name' ? keyName : idText;
    model[name] = clean
      ? pair.good
      : fc.oneof({ weight: 12, arbitrary: either(pair, false) }, { weight: 1, arbitrary: fc.constant('') });
  }
  return fc.record(model);
}

/** A readable one-line form, for fast-check's counterexamples. */
function describeSpec(request: FuzzRequest): string {
  if (request.retry) return 'the previous request, again';
  const path = request.op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    show(request.pathParams[name] ?? ''),
  );
  const query = request.query
    .map((part) => ('raw' in part ? part.raw : `${part[0]}=${show(part[1])}`))
    .join('&');
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${show(v)}`);
  const body = request.body ? `${request.body.contentType} (${request.body.note})` : 'no body';
  return `${request.op.method.toUpperCase()} ${path}${query ? `?${query}` : ''} [${headers.join('; ')}] ${body}`;
}

function show(value: Value): string {
  return typeof value === 'string' ? JSON.stringify(value) : `<${value.pool} #${value.pick}~${value.tamper}>`;
}

/** A body sent to an operation that takes none. */
const strayBody: fc.Arbitrary<Body | undefined> = fc.oneof(
  { weight: 20, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      textBody('application/json', '{}', 'a body the operation does not take'),
      textBody('application/json', '{"a":', 'broken JSON the operation does not take'),
      textBody('text/plain', 'hello', 'text the operation does not take'),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Body>({ kind: 'oversize', contentType: 'application/json', note: 'too large' }),
  },
);

function build(op: Operation, doc: OpenApiDocument, clean: boolean): fc.Arbitrary<FuzzRequest> {
  const takesBody = op.requestBody !== undefined;
  return fc
    .record({
      pathParams: pathParamsFor(op, clean),
      query: queryFor(op, doc, clean),
      headers: headersFor(op, clean),
      body: takesBody ? bodyFor(op, doc, clean) : clean ? fc.constant(undefined) : strayBody,
      retry: fc.oneof(
        { weight: 9, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    })
    .map(({ body, ...rest }) => {
      const request: FuzzRequest = { op, ...rest, ...(body ? { body } : {}) };
      return Object.assign(request, { [fc.toStringMethod]: () => describeSpec(request) });
    });
}

/** Requests for one operation of the document: half clean, to reach the handlers, half dirty. */
export function requestFor(op: Operation, doc: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(build(op, doc, true), build(op, doc, false));
}

// ---------------------------------------------------------------------------------------------------------------
// Sending

export type Sent = {
  method: string;
  url: string;
  headers: Record<string, string>;
  contentType?: string;
  payload?: string | Buffer;
  note?: string;
  oversize: boolean;
};

export type Answer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

/**
 * Percent-encodes as a client would, except that a lone surrogate (which encodeURIComponent refuses) goes out as
 * the bytes of its code point: ill-formed UTF-8 the server must decode safely.
 */
export function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const code = ch.codePointAt(0) ?? 0;
        if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(ch);
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      })
      .join('');
  }
}

/** The request as it goes out: pooled values taken, parameters encoded, the oversize body built. */
export function resolveRequest(request: FuzzRequest, state: State, bodyLimit: number): Sent {
  const path = request.op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeLoose(resolveValue(request.pathParams[name] ?? '', state, '')),
  );
  const query = request.query
    .map((part) =>
      'raw' in part ? part.raw : `${encodeLoose(part[0])}=${encodeLoose(resolveValue(part[1], state, ''))}`,
    )
    .join('&');
  const url = query ? `${path}?${query}` : path;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = resolveValue(value, state, url);
  const sent: Sent = { method: request.op.method, url, headers, oversize: false };
  const body = request.body;
  if (!body) return sent;
  sent.contentType = body.contentType;
  sent.note = body.note;
  if (body.kind === 'text') sent.payload = body.text;
  else if (body.kind === 'bytes') sent.payload = Buffer.from(body.bytes);
  else {
    const head = '{"title":"';
    sent.payload = `${head}${'x'.repeat(Math.max(bodyLimit + 1 - head.length - 2, 0))}"}`;
    sent.oversize = true;
  }
  return sent;
}

export type Agent = {
  get(url: string): RequestLike;
  post(url: string): RequestLike;
  put(url: string): RequestLike;
  patch(url: string): RequestLike;
  delete(url: string): RequestLike;
};
type RequestLike = {
  set(name: string, value: string): RequestLike;
  send(payload: string | Buffer): RequestLike;
  timeout(ms: { response: number; deadline: number }): RequestLike;
  buffer(on: boolean): RequestLike;
  parse(
    parser: (res: NodeJS.ReadableStream, done: (err: Error | null, body: unknown) => void) => void,
  ): RequestLike;
  then<T>(
    onfulfilled: (res: { status: number; headers: Record<string, string>; body: unknown }) => T,
  ): Promise<T>;
};

const rawParser = (res: NodeJS.ReadableStream, done: (err: Error | null, body: unknown) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => done(error, undefined));
};

export async function send(api: Agent, sent: Sent): Promise<Answer> {
  let request = api[sent.method as keyof Agent](sent.url);
  for (const [name, value] of Object.entries(sent.headers)) request = request.set(name, value);
  if (sent.payload !== undefined) {
    if (sent.contentType !== undefined) request = request.set('content-type', sent.contentType);
    request = request.send(sent.payload);
  }
  request = request.timeout({ response: 10_000, deadline: 15_000 }).buffer(true).parse(rawParser);
  const res = await request.then((r) => r);
  const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '';
  return { status: res.status, headers: res.headers, text };
}

/** Learns cursors, change tokens, ETags and new ids from an answer, for later requests to use. */
export function learn(state: State, sent: Sent, answer: Answer): void {
  const etag = answer.headers.etag;
  if (typeof etag === 'string' && answer.status === 200) state.etags.set(sent.url, etag);
  const path = sent.url.split('?')[0] ?? sent.url;
  if (typeof etag === 'string' && answer.status >= 200 && answer.status < 300) state.tags.set(path, etag);
  if (sent.method === 'delete' && answer.status === 204) state.tags.delete(path);
  const location = answer.headers.location;
  if (typeof location === 'string') {
    const id = /\/(\d+)$/.exec(location)?.[1];
    if (id) remember(state.ids, id);
  }
  if (!String(answer.headers['content-type'] ?? '').includes('json')) return;
  try {
    const body = JSON.parse(answer.text) as { nextCursor?: unknown; nextToken?: unknown };
    if (typeof body.nextCursor === 'string') remember(state.cursors, body.nextCursor);
    if (typeof body.nextToken === 'string') remember(state.tokens, body.nextToken);
  } catch {
    // Not JSON: the checker says so.
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checking an answer against the document

type AjvLike = {
  addSchema(schema: object, key: string): unknown;
  addKeyword(name: string): unknown;
  compile(schema: object): ValidateFn;
};
type ValidateFn = ((data: unknown) => boolean) & { errors?: unknown };

// ajv and ajv-formats are CommonJS; depending on the loader the default import is the class or the module.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as new (
  options: object,
) => AjvLike;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: AjvLike,
) => void;

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class Checker {
  private readonly ajv: AjvLike;
  private readonly validators = new Map<string, ValidateFn>();
  private problem: ValidateFn | undefined;
  private readonly templates: { path: string; pattern: RegExp }[];

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    this.ajv.addSchema(doc, 'openapi');
    this.templates = Object.keys(doc.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]*')}/?$`),
    }));
  }

  private validator(path: string, method: string, status: string, media: string): ValidateFn {
    const key = `${method} ${path} ${status} ${media}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const ref = `openapi#/${pointer('paths', path, method, 'responses', status, 'content', media, 'schema')}`;
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Every way the answer departs from the document (or from the rules that hold for every answer). */
  check(sent: Sent, answer: Answer): string[] {
    const faults: string[] = [];
    const { status } = answer;
    if (status >= 500) faults.push(`answered ${status}, a fault of the server`);
    // An XML external entity (or any path trick) must never bring a local file into an answer.
    if (/root:[^:\n]*:0:0:/.test(answer.text)) faults.push('the answer contains /etc/passwd');
    const path = sent.url.split('?')[0] ?? sent.url;
    const candidates = this.templates.filter((t) => t.pattern.test(path)).map((t) => t.path);
    const operations = candidates
      .map((candidate) => ({
        path: candidate,
        op: this.doc.paths[candidate]?.[sent.method] as Operation | undefined,
      }))
      .filter((c): c is { path: string; op: Operation } => c.op !== undefined);
    const documented = operations.find(({ op }) => op.responses[String(status)] !== undefined);
    const contentType = String(answer.headers['content-type'] ?? '');
    const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';

    if (status === 304 && sent.headers['if-none-match'] === undefined) {
      faults.push('answered 304 to a request without If-None-Match');
    }
    // A GET's body has no meaning (RFC 9110 §9.3.1): the server may ignore it, however large.
    if (sent.oversize && sent.method !== 'get' && status >= 200 && status < 300)
      faults.push(`accepted a body over the limit (${status})`);

    if (status === 405) {
      const allow = String(answer.headers.allow ?? '');
      if (!allow) faults.push('405 without an Allow header');
      if (allow.split(/,\s*/).includes(sent.method.toUpperCase())) {
        faults.push(`405 for ${sent.method.toUpperCase()}, yet Allow lists it: ${allow}`);
      }
    }
    faults.push(...conditionalFaults(sent, answer));

    if (!documented) {
      // A path no operation has, or a known path with a method it lacks, may answer 404 or 405.
      const outOfScope =
        (status === 404 && operations.length === 0) || (status === 405 && candidates.length > 0);
      if (!outOfScope) {
        const where =
          operations.map((o) => `${sent.method.toUpperCase()} ${o.path}`).join(' or ') || 'no operation';
        faults.push(`status ${status} is not documented for ${where}`);
      }
      if (status >= 400 && media !== 'application/problem+json') {
        faults.push(`error answered as ${contentType || 'no content type'}, not application/problem+json`);
      }
      if (media === 'application/problem+json') faults.push(...this.validateProblem(answer, path));
      return faults;
    }

    const response = documented.op.responses[String(status)] ?? {};
    // A creation whose description promises a Location: the new resource's own URL, not its collection's.
    const location = String(answer.headers.location ?? '');
    if (
      status === 201 &&
      /Location/.test(response.description ?? '') &&
      !/^\/[a-z]+\/[^/?#]+/.test(location)
    ) {
      faults.push(`201 without the Location its description promises (${location || 'none'})`);
    }
    const content = response.content;
    if (!content) {
      if (answer.text.length > 0) faults.push(`status ${status} is documented without a body, but has one`);
      return faults;
    }
    const declared = content[media];
    if (!declared) {
      faults.push(
        `content type ${contentType || '(none)'} is not documented for ${status}: ${Object.keys(content)}`,
      );
      return faults;
    }
    if (media === 'text/csv' || !declared.schema) return faults;
    if (media === 'text/calendar') {
      // A calendar must parse as one, with a VCALENDAR at its root.
      try {
        const root = new ICAL.Component(ICAL.parse(answer.text));
        if (root.name !== 'vcalendar')
          faults.push(`the text/calendar body is a ${root.name}, not a vcalendar`);
      } catch (error) {
        faults.push(`the text/calendar body does not parse: ${(error as Error).message}`);
      }
      return faults;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      faults.push(`the ${media} body is not JSON`);
      return faults;
    }
    const validate = this.validator(documented.path, sent.method, String(status), media);
    if (!validate(body))
      faults.push(`the body does not match the document: ${schemaErrors(validate.errors)}`);
    if (media === 'application/problem+json') faults.push(...problemAgrees(body, status, path));
    return faults;
  }

  /** An answer no operation documents must still be a Problem. */
  private validateProblem(answer: Answer, path: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return ['the problem body is not JSON'];
    }
    this.problem ??= this.ajv.compile({ $ref: 'openapi#/components/schemas/Problem' });
    if (!this.problem(body))
      return [`the problem does not match Problem: ${schemaErrors(this.problem.errors)}`];
    return problemAgrees(body, answer.status, path);
  }
}

type SchemaError = { instancePath: string; message?: string; params?: Record<string, unknown> };

/** The first few validation errors, each with the field it names (an unknown property, a missing one). */
function schemaErrors(errors: unknown): string {
  const list = (errors ?? []) as SchemaError[];
  const shown = list.slice(0, 5).map((error) => {
    const field = error.params?.additionalProperty ?? error.params?.missingProperty;
    return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${field ? ` (${String(field)})` : ''}`;
  });
  return `${shown.join('; ')}${list.length > 5 ? `; and ${list.length - 5} more` : ''}`;
}

/** The opaque tags of an If-None-Match list (weak comparison, RFC 9110 §8.8.3.2). */
const opaqueTags = (header: string) => [...header.matchAll(/(?:W\/)?("[^"]*")/g)].map((m) => m[1]);

/** If-None-Match (RFC 9110 §13.1.2): a GET whose tag matches answers 304, and a 304 still sends its ETag. */
function conditionalFaults(sent: Sent, answer: Answer): string[] {
  const header = sent.headers['if-none-match'];
  const etag = answer.headers.etag;
  if (sent.method !== 'get' || header === undefined) return [];
  if (answer.status === 304 && typeof etag !== 'string') return ['304 without the ETag a 200 would carry'];
  if (answer.status !== 200 || typeof etag !== 'string') return [];
  const matches = header.trim() === '*' || opaqueTags(header).includes(etag.replace(/^W\//, ''));
  return matches ? [`answered 200 with ETag ${etag}, which If-None-Match matches: that is a 304`] : [];
}

/** A problem's own status and instance agree with the answer's status and the request's path. */
function problemAgrees(body: unknown, status: number, path: string): string[] {
  const problem = body as { status?: unknown; instance?: unknown };
  const faults: string[] = [];
  if (problem.status !== status)
    faults.push(`the problem says status ${String(problem.status)}, the answer ${status}`);
  if (problem.instance !== undefined && problem.instance !== path) {
    faults.push(`the problem's instance ${JSON.stringify(problem.instance)} is not the request path`);
  }
  return faults;
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

const clip = (text: string, max = 600) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} characters in all)` : text;

/** The request and answer, readable, for a failure message. */
export function report(sent: Sent, answer: Answer | undefined, faults: string[]): string {
  const lines = [
    ...faults.map((fault) => `✗ ${fault}`),
    '',
    `${sent.method.toUpperCase()} ${clip(sent.url, 300)}`,
    ...Object.entries(sent.headers).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
  ];
  if (sent.payload !== undefined) {
    const text = Buffer.isBuffer(sent.payload)
      ? `<bytes> ${sent.payload.toString('hex', 0, 200)}`
      : sent.payload;
    lines.push(`content-type: ${sent.contentType ?? '(none)'}`, `(${sent.note}) ${clip(text, 300)}`);
  }
  if (answer) {
    const shown = ['allow', 'location', 'etag', 'idempotent-replayed', 'www-authenticate'];
    lines.push(
      '',
      `→ ${answer.status} ${String(answer.headers['content-type'] ?? '(no content type)')}`,
      ...shown
        .filter((h) => answer.headers[h] !== undefined)
        .map((h) => `${h}: ${String(answer.headers[h])}`),
      clip(answer.text, 800),
    );
  }
  return lines.join('\n');
}
