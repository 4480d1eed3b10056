import fc from 'fast-check';
import { BODY_HINTS, either, localDate, nastyText } from './building-blocks.js';
import { type OpenApiDocument, type Operation, resolveRef, type Schema } from './document.js';
import { arbitraryFor } from './schema-arbitraries.js';

// Bodies for an operation's requests: JSON built from the operation's schema, clean or mutated (wrong types, weird
// values, missing and extra keys), malformed JSON text (deep nesting, duplicate keys, broken syntax), bodies of
// other content types, Historian XML with faults, and stray bodies for operations that take none.

export type Body =
  | { kind: 'text'; contentType: string; text: string; note: string }
  | { kind: 'bytes'; contentType: string; bytes: number[]; note: string }
  /** A JSON body one byte over the server's limit, built at send time so the limit is never hard-coded. */
  | { kind: 'oversize'; contentType: string; note: string };

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
export function bodyFor(op: Operation, doc: OpenApiDocument, clean: boolean): fc.Arbitrary<Body | undefined> {
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

/** A body sent to an operation that takes none. */
export const strayBody: fc.Arbitrary<Body | undefined> = fc.oneof(
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
