import type { DatabaseHandle } from '../db/handle.js';

// What wakes the open change streams (GET /changes/stream) of one process. While at least one stream is open, one
// loop reads the database's generation every `pollMs` (on SQLite one statement, on PostgreSQL one round trip); it
// changes after every committed write, from this process, another process or another instance, so
// a stream learns of a write within about `pollMs` whatever instance took it, and the streams cost one query per
// poll together, not one each. Every `resyncEvery` polls the streams are woken all the same: on PostgreSQL a change
// can wait behind a transaction still running when it was first looked for (the feed serves changes in commit
// order), and that transaction may end without a write that would move the generation.

/** Wakes subscribers when the database may hold new changes. */
export type ChangeWatcher = {
  /** Calls `wake` after each new generation, and now and then without one; answers how to stop. */
  subscribe(wake: () => void): () => void;
  /** How many streams are subscribed now. */
  size(): number;
  /** Stops the loop and forgets every subscriber (the server is closing). */
  close(): void;
};

export type ChangeWatcherOptions = {
  /** Milliseconds between two reads of the generation. */
  pollMs: number;
  /** Wake every subscriber after this many polls even without a new generation. */
  resyncEvery?: number;
  /** Told of a failed read of the generation (the database is away); the loop goes on and recovers by itself. */
  onError?: (error: unknown) => void;
};

/**
 * A watcher of `database.generation()`: polls only while someone is subscribed, one read at a time, and never
 * throws; a read that fails is reported to `onError` and the next poll tries again.
 */
export function createChangeWatcher(
  database: Pick<DatabaseHandle, 'generation'>,
  { pollMs, resyncEvery = 10, onError }: ChangeWatcherOptions,
): ChangeWatcher {
  const subscribers = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  let polls = 0;
  let closed = false;

  const wakeAll = () => {
    for (const wake of [...subscribers]) wake();
  };

  const poll = async () => {
    timer = undefined;
    polls += 1;
    try {
      const generation = await database.generation();
      if (generation !== last || polls % resyncEvery === 0) {
        last = generation;
        wakeAll();
      }
    } catch (error) {
      onError?.(error);
    }
    schedule();
  };

  const schedule = () => {
    if (closed || timer !== undefined || subscribers.size === 0) return;
    timer = setTimeout(poll, pollMs);
    timer.unref();
  };

  return {
    subscribe(wake) {
      subscribers.add(wake);
      schedule();
      return () => {
        subscribers.delete(wake);
      };
    },
    size: () => subscribers.size,
    close() {
      closed = true;
      subscribers.clear();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
