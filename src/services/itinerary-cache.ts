import { createHash } from 'node:crypto';
import { type Coding, encode } from '../content-coding.js';
import type { DatabaseHandle, Transaction } from '../db/handle.js';

// Whole itineraries (`GET /trips/{id}?include=…`), kept serialized: the answer's bytes with their ETag and
// Last-Modified. A hit answers without a query for the trip, without building the object and without
// serializing it; a conditional GET that hits answers 304 from the stored ETag.
//
// Invalidation is by the write path, coarse and safe: any committed write empties the cache. The database handle's
// generation() changes after every committed write, from this process or another (a CLI import, a restore, another
// instance on PostgreSQL); it is read before each lookup (on SQLite one statement, on PostgreSQL one round trip,
// each shared by the requests waiting for it and made after they arrived: handle.ts, SharedReads in postgres.ts),
// so no answer is ever older than the last acknowledged write. An answer built is kept only when the generation
// read before its build equals the one read after: its snapshot then saw that generation's state.
// A trip's itinerary depends on
// rows of five tables (participants' names, for one), which a finer scheme would have to track; the benchmark
// shows that reads of itineraries dominate and writes are rare in comparison, so the simple scheme pays.
//
// The bytes are kept as Buffers (UTF-8, outside the JS heap) and the cache holds at most `maxBytes` of them,
// dropping the least recently used. Each answer also keeps its body in each content coding a client asked for
// (brotli, gzip: content-coding.ts), compressed on the first request for it, so a hit never compresses again;
// those bytes count towards `maxBytes` too.

export type CachedAnswer = {
  /** The identity bytes. */
  body: Buffer;
  /** The strong ETag of `body` (a coded body's tag adds its coding: codedTag). */
  etag: string;
  /** An HTTP date, when the records say. */
  lastModified: string | undefined;
  /** `body` in `coding`: compressed once for an answer kept, the same bytes on every later call. */
  coded(coding: Coding): Promise<Buffer>;
};

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
  /** Answers with the bytes each holds (identity and coded). */
  const entries = new Map<string, { answer: CachedAnswer; size: number }>();
  let bytes = 0;
  let generation = Number.NaN;

  /** Empties the cache when anything was written since the last look; answers the generation now. */
  const checkGeneration = async (): Promise<number> => {
    const current = await database.generation();
    if (current !== generation) {
      generation = current;
      entries.clear();
      bytes = 0;
    }
    return current;
  };

  /** The answer kept under `key`, most recently used now; undefined when there is none. */
  const lookup = (key: string): CachedAnswer | undefined => {
    const entry = entries.get(key);
    if (entry) {
      // Most recently used last.
      entries.delete(key);
      entries.set(key, entry);
    }
    return entry?.answer;
  };

  /** Drops the least recently used answers until at most `maxBytes` are held. */
  const evict = (): void => {
    for (const [oldest, old] of entries) {
      if (bytes <= options.maxBytes) break;
      entries.delete(oldest);
      bytes -= old.size;
    }
  };

  /** Keeps `answer` under `key`, dropping the least recently used beyond `maxBytes`. */
  const keep = (key: string, answer: CachedAnswer): void => {
    if (answer.body.length > options.maxBytes) return;
    const previous = entries.get(key);
    if (previous) {
      bytes -= previous.size;
      entries.delete(key);
    }
    entries.set(key, { answer, size: answer.body.length });
    bytes += answer.body.length;
    evict();
  };

  /** Counts `extra` bytes (a coded body) to the answer kept under `key`, if that is still `answer`. */
  const grow = (key: string, answer: CachedAnswer, extra: number): void => {
    const entry = entries.get(key);
    if (entry?.answer !== answer) return;
    entry.size += extra;
    bytes += extra;
    evict();
  };

  /** The answer of `built`, which keeps each coding of its body once asked for. */
  const answerOf = (key: string, built: Built): CachedAnswer => {
    const codings = new Map<Coding, Promise<Buffer>>();
    const answer: CachedAnswer = {
      body: built.body,
      etag: etagOf(built.body),
      lastModified: built.lastModified,
      coded(coding) {
        const kept = codings.get(coding);
        if (kept) return kept;
        const coded = encode(coding, built.body);
        codings.set(coding, coded);
        coded.then(
          (bytes) => grow(key, answer, bytes.length),
          () => codings.delete(coding),
        );
        return coded;
      },
    };
    return answer;
  };

  return {
    async answer(key, build) {
      const caching = options.maxBytes > 0;
      const before = caching ? await checkGeneration() : 0;
      const found = caching ? lookup(key) : undefined;
      if (found) return found;
      const { built, uncommitted } = await database.read(async (tx) => ({
        built: await build(tx),
        // Built while a group of writes is open (plugins/group-commit.ts), it may hold rows that are not
        // committed yet, and would outlive them if the commit failed.
        uncommitted: database.uncommitted(),
      }));
      const answer = answerOf(key, built);
      // A write committed between the two reads of the generation may or may not be in what was built.
      if (caching && !uncommitted && (await database.generation()) === before && generation === before) {
        keep(key, answer);
      }
      return answer;
    },
  };
}
