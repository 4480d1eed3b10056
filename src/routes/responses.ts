import { z } from 'zod';
import { ProblemSchema } from '../schemas/common.js';

// Response maps shared by the route files, so every operation documents every status it can answer, with the
// media type it really sends.

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid JSON, path, query or body; `errors` names each bad field',
  404: 'No such resource',
  409: 'Conflicts with existing data; `detail` says why',
  413: 'The body is larger than the limit',
  415: 'The body is not JSON',
  500: 'A fault of the server, logged under `requestId`',
  503: 'The database does not answer',
};

/** A JSON success response with its description. */
export const ok = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Problem responses (application/problem+json) for the given statuses, plus the 500 any operation can answer. */
export function problems(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { 'application/problem+json': { schema: z.ZodType } } }
  > = {};
  for (const status of [...statuses, 500]) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

/** Statuses a request with a JSON body can also answer. */
export const BODY_PROBLEMS = [400, 413, 415] as const;

export const NoContentSchema = z.null().describe('Done; no body');
