import fc from 'fast-check';
import {
  countryCode,
  either,
  idText,
  instant,
  keyName,
  localDate,
  nastyText,
  type Pair,
} from './building-blocks.js';
import type { OpenApiDocument, Operation } from './document.js';
import { poolRef, toBase64url, type Value } from './learnt-values.js';
import { type Body, bodyFor, strayBody } from './request-bodies.js';
import { arbitraryFor } from './schema-arbitraries.js';

// Requests for an operation: path parameters, a query, headers and a body (request-bodies.ts), built clean (good
// values only, so that they reach the handlers and the database) or dirty, sometimes sent twice as a retry.

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
