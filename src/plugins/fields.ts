import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { RESOURCE_TYPES, type ResourceType } from '../schemas/queries.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The type of the resources the route answers (one, or a page of them), whose fields `fields[<type>]` picks. */
    resource?: ResourceType;
  }
}

// Sparse fieldsets (JSON:API §7.3, PostgREST's `select`): `fields[meetings]=id,title,date` answers only those
// fields of each meeting, wherever meetings are in the answer: the page's items, or the parts `include` embeds.
//
// The route answers in full, serialized and (outside production) checked by its zod response schema as usual; an
// onSend hook then keeps the fields asked for. So the schemas stay those of whole resources and no reduced object
// ever meets the serializer, and a cached itinerary is picked from (never stored picked). The hook runs before CSV
// (whose columns are then the fields asked for) and before the ETag is computed over the bytes: a selection is a
// representation of its own, with its own tag; the version tag a whole record has ("v3", for If-Match) is dropped.
//
// Choices: `id` is always kept, and so are the parts `include` embeds (`stops` of a trip, a stop's `meetings`, a
// meeting's `participants`, a trip's `traveler`), whose own fields their own type's parameter picks. Names are
// checked by the route's query schema (schemas/queries.ts: fieldsParam): an unknown one is a 400 naming it.

/** The parts each type embeds, by field, with their type. */
const EMBEDDED: Record<ResourceType, Partial<Record<string, ResourceType>>> = {
  trips: { stops: 'stops', traveler: 'participants' },
  stops: { meetings: 'meetings' },
  meetings: { participants: 'participants' },
  participants: {},
};

/** Per type, the fields a request asks for. */
export type FieldSelection = Partial<Record<ResourceType, ReadonlySet<string>>>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields the request asks for, from its validated query; undefined when it names none. */
export function fieldSelection(request: FastifyRequest): FieldSelection | undefined {
  const query = request.query;
  if (!isRecord(query)) return undefined;
  let selection: FieldSelection | undefined;
  for (const type of RESOURCE_TYPES) {
    const names = query[`fields[${type}]`];
    if (Array.isArray(names)) selection = { ...selection, [type]: new Set(names as string[]) };
  }
  return selection;
}

/** Whether an answer of the route keeps a field of its own resources (true when the request picks none). */
export function keepsField(request: FastifyRequest, field: string): boolean {
  const type = request.routeOptions.config.resource;
  const kept = type === undefined ? undefined : fieldSelection(request)?.[type];
  return kept === undefined || field === 'id' || kept.has(field);
}

/**
 * `resource` (a `type` resource as JSON) with only the fields `selection` keeps: its `id`, the fields named for its
 * type (all of them when its type is not named), and its embedded parts, picked in turn. Other values as they are.
 */
export function pickFields(resource: unknown, type: ResourceType, selection: FieldSelection): unknown {
  if (!isRecord(resource)) return resource;
  const kept = selection[type];
  const picked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(resource)) {
    const part = EMBEDDED[type][field];
    if (part !== undefined) {
      picked[field] = Array.isArray(value)
        ? value.map((item) => pickFields(item, part, selection))
        : pickFields(value, part, selection);
    } else if (kept === undefined || field === 'id' || kept.has(field)) {
      picked[field] = value;
    }
  }
  return picked;
}

export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply, payload: unknown) => {
      const type = request.routeOptions.config.resource;
      if (type === undefined || reply.statusCode !== 200) return payload;
      if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
      const selection = fieldSelection(request);
      if (selection === undefined) return payload;
      const body: unknown = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
      const picked =
        isRecord(body) && Array.isArray(body.data)
          ? { ...body, data: body.data.map((item) => pickFields(item, type, selection)) }
          : pickFields(body, type, selection);
      // The tag the route gave the whole resource is not this representation's: http-caching computes its own.
      reply.removeHeader('etag');
      return JSON.stringify(picked);
    });
  },
  { name: 'fields' },
);
