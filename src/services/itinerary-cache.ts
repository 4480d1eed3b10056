import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '../db/handle.js';

// Whole itineraries (`GET /trips/{id}?include=…`), kept serialized: the answer's bytes with their ETag and
// Last-Modified. A hit answers without a query for the trip, without building the object and without
// serializing it; a conditional GET that hits answers 304 from the stored ETag.
//
// Invalidation is by the write path, coarse and safe: any committed write empties the cache. The database handle's
// generation() changes after every committed write, from this process or another (a CLI import, a restore); on
// SQLite it is one statement of about 2 µs, read before each lookup, so no answer is ever older than the last write. A trip's itinerary depends on
// rows of five tables (participants' names, for one), which a finer scheme would have to track; the benchmark
// shows that reads of itineraries dominate and writes are rare in comparison, so the simple scheme pays.
//
// The bytes are kept as Buffers (UTF-8, outside the JS heap) and the cache holds at most `maxBytes` of them,
// dropping the least recently used.

export type CachedAnswer = { body: Buffer; etag: string; lastModified: string | undefined };

/** The strong ETag @fastify/etag gives the same bytes (SHA-1, base64), so cached and built answers agree. */
export const etagOf = (body: Buffer | string): string =>
  `"${createHash('sha1').update(body).digest('base64')}"`;

export type ItineraryCache = {
  get(key: string): CachedAnswer | undefined;
  set(key: string, answer: CachedAnswer): void;
  /** The answer kept under `key`, or the one `build` makes (its ETag computed here), kept for next time. */
  answer(key: string, build: () => { body: Buffer; lastModified: string | undefined }): CachedAnswer;
  /** Entries and bytes held now, for tests and logs. */
  size(): { entries: number; bytes: number };
};

export function createItineraryCache(
  database: Pick<DatabaseHandle, 'generation' | 'uncommitted'>,
  options: { maxBytes: number },
): ItineraryCache {
  const entries = new Map<string, CachedAnswer>();
  let bytes = 0;
  let generation = Number.NaN;

  /** Empties the cache when anything was written since the last look. */
  const checkGeneration = () => {
    const current = database.generation();
    if (current !== generation) {
      generation = current;
      entries.clear();
      bytes = 0;
    }
  };

  const cache: ItineraryCache = {
    answer(key, build) {
      let found = cache.get(key);
      if (!found) {
        const { body, lastModified } = build();
        found = { body, etag: etagOf(body), lastModified };
        cache.set(key, found);
      }
      return found;
    },
    get(key) {
      if (options.maxBytes <= 0) return undefined;
      checkGeneration();
      const answer = entries.get(key);
      if (answer) {
        // Most recently used last.
        entries.delete(key);
        entries.set(key, answer);
      }
      return answer;
    },
    set(key, answer) {
      // Called in the same synchronous turn as the get() that missed (building an itinerary never awaits), so
      // no write can have come in between.
      if (answer.body.length > options.maxBytes) return;
      // Built while a group of writes is open (plugins/group-commit.ts): it may hold rows that are not committed
      // yet, and would outlive them if the commit failed.
      if (database.uncommitted()) return;
      const previous = entries.get(key);
      if (previous) {
        bytes -= previous.body.length;
        entries.delete(key);
      }
      entries.set(key, answer);
      bytes += answer.body.length;
      for (const [oldest, old] of entries) {
        if (bytes <= options.maxBytes) break;
        entries.delete(oldest);
        bytes -= old.body.length;
      }
    },
    size: () => ({ entries: entries.size, bytes }),
  };
  return cache;
}
