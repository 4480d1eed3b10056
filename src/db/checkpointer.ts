import { Worker } from 'node:worker_threads';
import { driverPath } from './driver.js';

// Checkpoints of the write-ahead log, run by a connection of their own in a worker thread instead of by the
// server's connection after a commit.
//
// Why: in WAL mode SQLite appends each commit to the -wal file and, once the log passes wal_autocheckpoint pages
// (1,000 by default), the connection that committed copies the logged pages back into the database file and syncs
// it, in the same synchronous call as the COMMIT. With better-sqlite3 that is the event loop's only thread: under
// the write benchmark a group commit then cost 15–18 ms where one without a checkpoint cost 4–10 ms (data/ scratch
// measurement, 20 writes per group), and every request waited.
//
// How: the server's connection keeps wal_autocheckpoint only as a safety net (SAFETY_NET_PAGES, if this worker
// stops or falls far behind); after its commits it asks this worker, at most once per INTERVAL_MS and never while
// one runs (a commit made meanwhile is copied by the next one, asked for when it is due), for a PASSIVE checkpoint (https://sqlite.org/c3ref/wal_checkpoint_v2.html): it copies what no reader
// still needs, waits for no one, and writers go on appending meanwhile. Durability is unchanged: each commit is
// still synced to the log before it is acknowledged (synchronous=FULL), and the checkpoint syncs the log before
// copying and the database file after, as SQLite's own does. The log restarts from its beginning once a checkpoint
// has copied all of it, as with automatic checkpoints.

/** The log's size, in pages, at which the server's own connection checkpoints after all (SQLite's automatic way). */
export const SAFETY_NET_PAGES = 10_000;
/** The least time between two checkpoints asked for, in ms: a hot page written by many commits is copied once. */
const INTERVAL_MS = 50;

// CommonJS run by the worker (eval), so that it needs no build step and runs under tsx and vitest alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const row = checkpoint.get();
    parentPort.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

/** What a checkpoint reported: frames in the log and frames copied into the database file (-1 when not in WAL mode). */
export type CheckpointReport = { log: number; checkpointed: number };

export type Checkpointer = {
  /** Called after each commit of the server's connection: asks for a checkpoint when one is due. */
  committed(): void;
  /** Runs a checkpoint now (after any running one) and answers its report; for tests and shutdown. */
  checkpoint(): Promise<CheckpointReport>;
  /** Stops the worker, closing its connection; answers once it has exited. */
  close(): Promise<void>;
};

/**
 * A checkpointer for the SQLite database file at `path` (in WAL mode). The worker starts at the first request, so a
 * connection that never commits costs nothing. `onFailure` is called once if the worker cannot run (it could not
 * open the file, it died): the caller then leaves checkpoints to SQLite again.
 */
export function createCheckpointer(path: string, onFailure: (error: Error) => void): Checkpointer {
  let worker: Worker | null = null;
  let failed = false;
  let lastAsked = Number.NEGATIVE_INFINITY;
  /** A commit was made since the last checkpoint was asked for. */
  let due = false;
  let timer: NodeJS.Timeout | null = null;
  let closing: Promise<void> | null = null;
  const waiting: Array<{ resolve: (report: CheckpointReport) => void; reject: (error: Error) => void }> = [];

  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
    onFailure(error);
  };

  const start = (): Worker | null => {
    if (failed || closing) return null;
    if (worker) return worker;
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driverPath } });
    // A checkpoint never keeps the process alive.
    started.unref();
    started.on('message', (message: { ok: boolean; message?: string } & CheckpointReport) => {
      const waiter = waiting.shift();
      if (message.ok) waiter?.resolve({ log: message.log, checkpointed: message.checkpointed });
      else waiter?.reject(new Error(message.message));
      // Commits made while it ran are copied by the next.
      pump();
    });
    started.on('error', (error) => fail(error));
    started.on('exit', (code) => {
      if (!closing) fail(new Error(`the checkpoint worker exited (${code})`));
    });
    worker = started;
    return worker;
  };

  /** Asks for the checkpoint that is due, once none runs and INTERVAL_MS have passed since the last was asked. */
  const pump = () => {
    if (!due || failed || closing || waiting.length > 0 || timer) return;
    const wait = lastAsked + INTERVAL_MS - performance.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        pump();
      }, wait);
      timer.unref();
      return;
    }
    due = false;
    // Its answer is only for those who wait for it; a failure reaches onFailure.
    ask().catch(() => {});
  };

  const ask = (): Promise<CheckpointReport> =>
    new Promise((resolve, reject) => {
      const target = start();
      if (!target) {
        reject(new Error('the checkpoint worker is not running'));
        return;
      }
      lastAsked = performance.now();
      waiting.push({ resolve, reject });
      target.postMessage('checkpoint');
    });

  return {
    committed() {
      due = true;
      pump();
    },
    checkpoint: ask,
    close() {
      closing ??= (async () => {
        if (timer) clearTimeout(timer);
        const current = worker;
        if (!current) return;
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        // Held until it has closed its connection, so that the process waits for it.
        current.ref();
        current.postMessage('close');
        await exited;
        for (const waiter of waiting.splice(0)) waiter.reject(new Error('the checkpoint worker closed'));
      })();
      return closing;
    },
  };
}
