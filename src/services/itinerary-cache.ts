import { createHash } from 'node:crypto';
import type { DatabaseHandle, Transaction } from '../db/handle.js';

// Whole itineraries (`GET /trips/{id}?include=…`), kept serialized: the answer's bytes with their ETag and
// Last-Modified. A hit answers without a query for the trip, without building the object and without
// serializing it; a conditional GET that hits answers 304 from the stored ETag.
//
// Invalidation is by the write path, coarse and safe: any committed write empties the cache. The database handle's
// generation() changes after every committed write, from this process or another (a CLI import, a restore); on
// SQLite it is one statement of about 2 µs, read before each lookup, so no answer is ever older than the last write.
// A trip's itinerary depends on
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
  /**
   * The answer kept under `key`, or the one `build` makes (its ETag computed here) in a read of the database
   * handle, kept for next time unless something was written, or a write was open, while it was built.
   */
  answer(key: string, build: (tx: Transaction) => Promise<Built>): Promise<CachedAnswer>;
};

/** What a build makes: the answer's bytes and, when the records say, their Last-Modified (an HTTP date). */
export type Built = { body: Buffer; lastModified: string | undefined };

export function createItineraryCache(
  database: Pick<DatabaseHandle, 'generation' | 'uncommitted' | 'read'>,
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

  /** The answer kept under `key`, most recently used now; undefined when there is none (or no cache). */
  const lookup = (key: string): CachedAnswer | undefined => {
    if (options.maxBytes <= 0) return undefined;
    checkGeneration();
    const answer = entries.get(key);
    if (answer) {
      // Most recently used last.
      entries.delete(key);
      entries.set(key, answer);
    }
    return answer;
  };

  /** Keeps `answer` under `key`, dropping the least recently used beyond `maxBytes`. */
  const keep = (key: string, answer: CachedAnswer): void => {
    if (answer.body.length > options.maxBytes) return;
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
  };

  return {
    async answer(key, build) {
      const found = lookup(key);
      if (found) return found;
      // lookup() has just read the generation: a read that starts at once (nothing of the handle running) builds
      // from that state; one that had to wait reads it again when it starts.
      let waited = false;
      const reading = database.read(async (tx) => {
        const unchanged = !waited || database.generation() === generation;
        // Built while a group of writes is open (plugins/group-commit.ts), it may hold rows that are not
        // committed yet, and would outlive them if the commit failed.
        const uncommitted = database.uncommitted();
        return { built: await build(tx), unchanged, uncommitted };
      });
      waited = true;
      const { built, unchanged, uncommitted } = await reading;
      const answer = { body: built.body, etag: etagOf(built.body), lastModified: built.lastModified };
      if (unchanged && !uncommitted) keep(key, answer);
      return answer;
    },
  };
}
