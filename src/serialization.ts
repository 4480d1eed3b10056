import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

// Response serialization compiled from JSON Schema. Each route's zod response schema is turned once, at start,
// into JSON Schema (the same conversion the OpenAPI document uses) and then into a fast-json-stringify function,
// which writes only the properties the schema names, in its order. zod's runtime encode of every response (what
// fastify-type-provider-zod's serializer does) cost more than the rest of a cached answer; the schemas stay the
// single source of the OpenAPI document, of the TypeScript types and of this code.
//
// Outside production every response is still checked against its zod schema first, so a handler answering
// something its schema does not allow fails the tests as it did before (a 500 logged with the zod issues).

type RouteSchema = { schema: unknown; method: string; url: string };
type JsonSchema = Record<string, unknown>;

function zodSchemaOf(schema: unknown): z.ZodType {
  if (schema instanceof z.ZodType) return schema;
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (properties instanceof z.ZodType) return properties;
  throw new TypeError(`a response schema must be a zod schema, not ${JSON.stringify(schema)}`);
}

/** Keywords that only validate or document: fast-json-stringify does not need them. */
const IGNORED = new Set([
  '$schema',
  'description',
  'example',
  'examples',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'title',
  'deprecated',
  'readOnly',
]);

/**
 * Simplifies zod's JSON Schema for serialization: drops validation-only keywords and `additionalProperties: false`
 * (fast-json-stringify writes only the listed properties anyway), and turns `anyOf: [X, null]`
 * into `type: [X's type, 'null']`, which fast-json-stringify writes with a typeof check instead of validating each
 * branch with ajv at run time.
 */
export function forSerialization(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forSerialization);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (IGNORED.has(key)) continue;
    // Unlisted properties are left out either way; `false` would also fail ajv's choice of a union branch.
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'properties' || key === 'definitions' || key === '$defs') {
      out[key] = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([name, schema]) => [name, forSerialization(schema)]),
      );
    } else out[key] = forSerialization(value);
  }
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nullIndex = anyOf.findIndex((branch) => (branch as JsonSchema).type === 'null');
    const other = anyOf[1 - nullIndex] as JsonSchema | undefined;
    if (nullIndex !== -1 && other && typeof other.type === 'string' && other.$ref === undefined) {
      const { anyOf: _dropped, ...rest } = out;
      return { ...rest, ...other, type: [other.type, 'null'] };
    }
  }
  return out;
}

export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  return forSerialization(
    z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' }),
  ) as JsonSchema;
}

/**
 * A serializer of `schema`'s output as JSON text: fast-json-stringify, compiled on first use, writing what the
 * route serializer of the same schema writes. With `verify`, each value is checked with zod first (a ZodError
 * when it does not match).
 */
export function serializerFor(schema: z.ZodType, options: { verify: boolean }): (data: unknown) => string {
  let compiled: ((data: unknown) => string) | undefined;
  const stringify = (data: unknown) => {
    compiled ??= fastJson(responseJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0]);
    return compiled(data);
  };
  if (!options.verify) return stringify;
  return (data) => {
    const checked = z.safeEncode(schema, data);
    if (checked.error) throw new Error('an answer does not match its schema', { cause: checked.error });
    return stringify(data);
  };
}

/**
 * A serializer for values that are built in `schema`'s shape: each object with the schema's properties only, in the
 * schema's order (as the itinerary service builds a trip). `JSON.stringify` then writes the very bytes
 * fast-json-stringify writes for the schema, natively and about twice as fast on a 20 kB itinerary (92 µs against
 * 213 µs of CPU, measured on the benchmark's trips). With `verify` (outside production), each value is checked
 * with zod and both texts are compared: a value whose shape drifted from its schema (a property more, or out of
 * order) fails with an Error instead of leaking or reordering in production.
 */
export function shapedSerializerFor(
  schema: z.ZodType,
  options: { verify: boolean },
): (data: unknown) => string {
  if (!options.verify) return (data) => JSON.stringify(data);
  const reference = serializerFor(schema, options);
  return (data) => {
    const expected = reference(data);
    const text = JSON.stringify(data);
    if (text !== expected) {
      throw new Error('a value built for its schema does not serialize as the schema does', {
        cause: { expected: expected.slice(0, 2000), actual: text.slice(0, 2000) },
      });
    }
    return text;
  };
}

/**
 * Fastify's serializer compiler: fast-json-stringify from the zod schema; `verify` checks with zod first. Each
 * serializer is compiled on its first use, not when the route is registered: compiling all of them (a hundred
 * status and media type pairs) at start added 0.3 s to a cold start and 25 MB to the peak RSS, for answers most
 * processes never send (the 413s and 414s of every route).
 */
export function compiledSerializerCompiler(options: { verify: boolean }): FastifySerializerCompiler<unknown> {
  return (routeSchema) => {
    const { schema, method, url } = routeSchema as RouteSchema;
    const zodSchema = zodSchemaOf(schema);
    const stringify = serializerFor(zodSchema, { verify: false });
    if (!options.verify) return stringify;
    return (data) => {
      const checked = z.safeEncode(zodSchema, data);
      if (checked.error) throw new ResponseSerializationError(method, url, { cause: checked.error });
      return stringify(data);
    };
  };
}
