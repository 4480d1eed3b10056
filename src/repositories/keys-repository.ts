import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { firstRow } from '../db/queries.js';
import { tablesOf } from '../db/tables.js';
import { nowIso } from '../domain/time.js';
import { hashToken, newToken, sameHash } from '../domain/tokens.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { CreateKey, Key } from '../schemas/keys.js';
import { perEngine } from './dialect.js';
import { preparedOnce } from './prepared.js';

export type AuthenticatedKey = { id: number; name: string; scope: Key['scope'] };

// lastUsedAt is written at most once a minute per key, so authenticating reads does not turn them into writes.
const LAST_USED_RESOLUTION_MS = 60_000;

/** A key's columns as the API shows them (never its hash). */
const keyColumns = perEngine(({ t: { apiKeys } }) => ({
  name: apiKeys.name,
  scope: apiKeys.scope,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
}));

export function createKeysRepository() {
  const byHash = preparedOnce((db, { t: { apiKeys } }) =>
    db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.tokenHash, sql.placeholder('hash')))
      .prepare(),
  );
  return {
    /** Creates a key and answers its token, which is stored only as a hash and cannot be shown again. */
    async create(input: CreateKey, { db }: Transaction): Promise<{ key: Key; token: string }> {
      const { apiKeys } = tablesOf(db);
      if (firstRow(await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.name, input.name)))) {
        throw new ConflictError(
          'key_name_taken',
          `A key named ${input.name} already exists; choose another name.`,
        );
      }
      const token = newToken();
      const [key] = await db
        .insert(apiKeys)
        .values({ name: input.name, scope: input.scope, tokenHash: hashToken(token), createdAt: nowIso() })
        .returning(keyColumns(db));
      return { key: key as Key, token };
    },

    async list({ db }: Transaction): Promise<Key[]> {
      const { apiKeys } = tablesOf(db);
      return db.select(keyColumns(db)).from(apiKeys).orderBy(asc(apiKeys.name));
    },

    /** Revokes a key for good: its token stops working at once. */
    async revoke(name: string, { db }: Transaction): Promise<Key> {
      const { apiKeys } = tablesOf(db);
      const [key] = await db
        .update(apiKeys)
        .set({ revokedAt: nowIso() })
        .where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt)))
        .returning(keyColumns(db));
      if (!key) throw new NotFoundError('active key named', name);
      return key;
    },

    /**
     * The key a bearer token belongs to, unless it is unknown or revoked. A lookup, then (at most once a minute per
     * key) a write of its last use, neither of which needs the other to be atomic with it (the handle's autocommit).
     */
    async authenticate(token: string, tx: Transaction): Promise<AuthenticatedKey | undefined> {
      const { db } = tx;
      const { apiKeys } = tablesOf(db);
      const hash = hashToken(token);
      const row = firstRow(await byHash(tx).execute({ hash }));
      if (!row || row.revokedAt !== null || !sameHash(row.tokenHash, hash)) return undefined;
      const now = Date.now();
      if (!row.lastUsedAt || now - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
        await db
          .update(apiKeys)
          .set({ lastUsedAt: new Date(now).toISOString() })
          .where(eq(apiKeys.id, row.id));
      }
      return { id: row.id, name: row.name, scope: row.scope };
    },
  };
}
