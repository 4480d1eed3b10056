import { z } from 'zod';
import { CHANGE_ACTIONS, CHANGE_RESOURCES } from '../domain/vocabulary.js';
import { PageQueryShape } from './queries.js';

export const ChangeSchema = z
  .object({
    type: z.enum(CHANGE_RESOURCES).meta({ description: 'The kind of resource that changed' }),
    id: z.number().int().meta({ description: 'Its id', example: 8 }),
    action: z.enum(CHANGE_ACTIONS),
    deleted: z.boolean().meta({ description: 'True for a tombstone: the resource no longer exists' }),
    version: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Its version after the change; null when deleted' }),
    changedAt: z.string().meta({ description: 'When the change was committed (UTC)' }),
  })
  .meta({ id: 'Change', description: 'One write to a trip, stop, meeting or participant' });
export type Change = z.infer<typeof ChangeSchema>;

export const ChangesPageSchema = z
  .object({
    data: z.array(ChangeSchema),
    nextToken: z
      .string()
      .meta({ description: 'Pass as `since` next time; it covers every change listed here' }),
    hasMore: z
      .boolean()
      .meta({ description: 'True when more changes wait after nextToken: ask again at once' }),
  })
  .meta({ id: 'ChangesPage' });

export const ChangesQuerySchema = z.strictObject({
  since: z.string().min(1).max(200).optional().meta({
    description: 'A token from an earlier answer; without it, the answer is the current token and no changes',
  }),
  limit: PageQueryShape.limit,
  format: PageQueryShape.format,
});
export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;
