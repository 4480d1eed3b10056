import fc from 'fast-check';
import {
  BODY_HINTS,
  countryCode,
  either,
  idText,
  instant,
  keyName,
  localDate,
  nastyText,
  type Pair,
} from './building-blocks.js';
import { type OpenApiDocument, type Operation, resolveRef, type Schema } from './document.js';
import { poolRef, toBase64url, type Value } from './learnt-values.js';
import { arbitraryFor } from './schema-arbitraries.js';

// Requests for an operation: a path, a query, headers and a body, built clean (good values only, so that they reach
// the handlers and the database) or dirty (malformed JSON, mutated objects, wrong content types, Historian XML with
// faults, stray bodies), each with a note of what it tries.

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
