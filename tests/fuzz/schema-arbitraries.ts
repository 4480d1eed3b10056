import fc from 'fast-check';
import { either, instant, keyName, nastyText, type Pair, webUrl } from './building-blocks.js';
import { type OpenApiDocument, resolveRef, type Schema } from './document.js';

// JSON Schema to fast-check: an arbitrary for each schema of the subset the OpenAPI document uses (strings by
// format and pattern, numbers within bounds, objects, arrays, unions), clean (valid only) or dirty.

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
