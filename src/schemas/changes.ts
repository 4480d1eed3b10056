import { z } from 'zod';
import { CHANGE_ACTIONS, CHANGE_RESOURCES } from '../domain/vocabulary.js';
import { idFilter, PageQueryShape, repeatable } from './queries.js';

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
      .meta({
        description:
          'Its version after the change; null when deleted, and for a change of attendance (the meeting’s own ' +
          'change, with its version, follows it)',
      }),
    changedAt: z.string().meta({ description: 'When the change was committed (UTC)' }),
    tripId: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          'The trip the resource belonged to at the change (a trip’s own id); null for a participant, and for ' +
          'changes recorded before the feed kept trips of resources deleted since',
        example: 1,
      }),
    participantId: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          'Set on a change of attendance only (shown to feeds filtered by `participant`): the participant who ' +
          'joined, left or changed role in the meeting `id`',
        example: null,
      }),
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

/** The filters of /changes and /changes/stream. */
export const ChangeFilterShape = {
  trip: idFilter(
    'Only changes of this trip, its stops and its meetings (a meeting moved to another trip included)',
  ),
  participant: idFilter(
    'Only changes of this participant: the record, its changes of attendance (a `participantId` change), and ' +
      'the changes of the meetings it attends and of the trips it travels on now',
  ),
  resource: repeatable(
    z.enum(CHANGE_RESOURCES, { error: `must be one of ${CHANGE_RESOURCES.join(', ')}` }),
    'Only changes of these kinds of resource; repeat or comma-separate',
  ),
};

export const ChangesQuerySchema = z.strictObject({
  since: z.string().min(1).max(200).optional().meta({
    description: 'A token from an earlier answer; without it, the answer is the current token and no changes',
  }),
  limit: PageQueryShape.limit,
  format: PageQueryShape.format,
  ...ChangeFilterShape,
});
export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;

export const ChangeStreamQuerySchema = z.strictObject({
  since: z.string().min(1).max(200).optional().meta({
    description:
      'A token to start after (as on /changes); `Last-Event-ID` wins over it. Without either, the present',
  }),
  ...ChangeFilterShape,
});
