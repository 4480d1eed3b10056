import { z } from 'zod';
import { KEY_SCOPES } from '../domain/vocabulary.js';

export const KeyScopeSchema = z.enum(KEY_SCOPES).meta({
  description:
    'read < write < admin: read reads (when reads need a key), write also writes, admin also manages keys',
});

export const KeySchema = z
  .object({
    name: z.string(),
    scope: KeyScopeSchema,
    createdAt: z.string(),
    lastUsedAt: z
      .string()
      .nullable()
      .meta({ description: 'When it last authenticated a request (to the minute)' }),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey', description: 'An API key; its token is never shown again after creation' });
export type Key = z.infer<typeof KeySchema>;

export const CreateKeySchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
    scope: KeyScopeSchema,
  })
  .meta({ id: 'CreateApiKey' });
export type CreateKey = z.infer<typeof CreateKeySchema>;

export const CreatedKeySchema = KeySchema.extend({
  token: z.string().meta({ description: 'The bearer token. Shown only in this response: store it now' }),
}).meta({ id: 'CreatedApiKey' });

// No trimming in a path: ` me` is not another address of the key `me`.
export const KeyNameParamsSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
});
