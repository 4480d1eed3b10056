import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Transaction } from '../db/client.js';
import type { Expected } from '../domain/versions.js';
import type { Focus } from '../repositories/conflicts-repository.js';
import type { Conflict } from '../schemas/conflicts.js';
import { ConflictProblemSchema } from '../schemas/conflicts.js';
import { checkedWrite, type Handling } from '../services/conflicts-service.js';
import { ifMatch, tagWithVersion } from './preconditions.js';
import { BODY_PROBLEMS, problems } from './responses.js';

// Writes that can introduce scheduling conflicts (a meeting's date, times, stop or participants; a stop's dates; a
// trip's traveler or status) check for them in their transaction. By default they go ahead and answer the
// conflicts they introduced as `warnings`; `Prefer: handling=strict` (RFC 7240) refuses them with a 409.

/**
 * The preferences of RFC 7240 Prefer headers, by lower-case name: `name[=value]`, comma-separated, over one or
 * more headers; values may be quoted, parameters after `;` are not used here. The first of a repeated name counts.
 */
export function preferences(header: string | string[] | undefined): Map<string, string> {
  const found = new Map<string, string>();
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  // Split on commas and semicolons outside quoted strings; a preference ends at its first semicolon.
  const items: string[][] = [];
  let current = '';
  let parts: string[] = [];
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && (char === ',' || char === ';')) {
      parts.push(current);
      current = '';
      if (char === ',') {
        items.push(parts);
        parts = [];
      }
      continue;
    }
    current += char;
  }
  parts.push(current);
  items.push(parts);
  for (const [preference = ''] of items) {
    const equals = preference.indexOf('=');
    const name = (equals < 0 ? preference : preference.slice(0, equals)).trim().toLowerCase();
    let value = equals < 0 ? '' : preference.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !found.has(name)) found.set(name, value);
  }
  return found;
}

/** The handling the request prefers, with `Preference-Applied` when it stated one; lenient by default. */
export function writeHandling(request: FastifyRequest, reply: FastifyReply): Handling {
  const value = preferences(request.headers.prefer).get('handling')?.toLowerCase();
  if (value !== 'strict' && value !== 'lenient') return 'lenient';
  reply.header('preference-applied', `handling=${value}`);
  return value;
}

// The fields of each record that can place someone somewhere, or change when: a change that sets none of them
// (a title, notes, sources, coordinates) cannot introduce a conflict, so it is not checked, which spares the write
// two reads of the schedules concerned.
export const SCHEDULE_FIELDS = {
  meeting: ['date', 'startTime', 'endTime', 'partOfDay', 'stopId', 'status'],
  stop: ['arrivalDate', 'departureDate', 'city', 'country', 'position', 'timeZone'],
  trip: ['travelerId', 'status'],
} as const;

/** Whether a change sets any of these fields (to any value: an unchanged value is checked all the same). */
export const touches = (body: object, fields: readonly string[]): boolean =>
  fields.some((field) => field in body);

/**
 * The checked PATCH of a record that can place someone: `update` runs with the versions If-Match accepts (428/412
 * as preconditions.ts says), checked for the conflicts it introduced when the body sets one of the record's
 * schedule fields (services/conflicts-service.ts); answers the record, with `warnings` if any, and sends its
 * version as the ETag. Under strict handling a write that introduced conflicts is refused (409) and rolled back.
 */
export async function checkedUpdate<T extends { version: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  record: { kind: keyof typeof SCHEDULE_FIELDS; focus: Focus },
  update: (tx: Transaction, expected: Expected) => Promise<T>,
): Promise<T & { warnings?: Conflict[] }> {
  const { repos } = request.server;
  const expected = ifMatch(request);
  const body = (request.body ?? {}) as object;
  const { result, warnings } = await checkedWrite(request.database, repos.conflicts, {
    handling: writeHandling(request, reply),
    write: (tx) => update(tx, expected),
    focus: record.focus,
    relevant: touches(body, SCHEDULE_FIELDS[record.kind]),
  });
  return tagWithVersion(reply, warned(result, warnings));
}

/** The written record, with `warnings` when the write introduced conflicts (absent otherwise). */
export const warned = <T extends object>(record: T, warnings: Conflict[]): T & { warnings?: Conflict[] } =>
  warnings.length > 0 ? { ...record, warnings } : record;

export const PreferHeadersSchema = z.object({
  prefer: z
    .string()
    .optional()
    .meta({
      description:
        'RFC 7240. `handling=strict` refuses a write that would introduce scheduling conflicts (409, listing ' +
        'them; nothing is written). `handling=lenient`, the default, writes it and answers `warnings`.',
      example: 'handling=strict',
    }),
});

const PREFERENCE_APPLIED = {
  'Preference-Applied': {
    type: 'string',
    description: '`handling=strict` or `handling=lenient`, when the request asked for one (RFC 7240)',
  },
};

/** A success answer of a checked write: the record, with `warnings` when it introduced conflicts. */
export const okChecked = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
  headers: PREFERENCE_APPLIED,
});

/** The 409 of a checked write: a conflict with existing data, or conflicts refused under handling=strict. */
const STRICT_CONFLICT = {
  409: {
    description:
      'Conflicts with existing data (`detail` says why); or, under `Prefer: handling=strict`, the write would ' +
      'introduce scheduling conflicts, listed in `conflicts`, and nothing was written',
    content: { 'application/problem+json': { schema: ConflictProblemSchema } },
    headers: PREFERENCE_APPLIED,
  },
};

/** The problems a checked write can answer: those of any write with a body, 404, and the 409 above. */
export const CHECKED_WRITE_PROBLEMS = { ...problems(...BODY_PROBLEMS, 404), ...STRICT_CONFLICT };
