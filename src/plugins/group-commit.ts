import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WriteGroup } from '../db/handle.js';

// Group commit: the writes of the requests that arrive together share one transaction, so one fsync makes them
// all durable. The server has one SQLite connection and commits at synchronous=FULL, so each commit waits for the
// disk; committing one request at a time capped writes at about 900 per second on the benchmark's machine.
//
// How: the first write request of a turn of the event loop opens a transaction (BEGIN, before its body is
// validated); the requests handled in the same turn run inside it, each repository transaction becoming a
// savepoint (better-sqlite3 and the database handle nest them so), which keeps each request all-or-nothing on its own. The transaction
// commits in setImmediate, once that turn's requests have run. Every answer sent while a group is open (reads
// too, since they may have seen its rows) waits for its commit: nothing uncommitted is ever acknowledged or shown.
// If the commit fails, every request of the group answers 500 and nothing of it stays.

declare module 'fastify' {
  interface FastifyRequest {
    /** The group open when this request's handler was about to run, if any. */
    commitGroup: CommitGroup | null;
  }
}

type CommitGroup = { committed: Promise<void>; settle: () => void };

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type GroupCommitOptions = { enabled: boolean };

export default fp<GroupCommitOptions>(
  async (app, opts) => {
    app.decorateRequest('commitGroup', null);
    if (!opts.enabled) return;
    const database = app.database;
    let open: CommitGroup | null = null;

    const finish = (group: WriteGroup, resolve: () => void, reject: (error: unknown) => void) => {
      open = null;
      try {
        group.commit();
        resolve();
      } catch (error) {
        app.log.error({ err: error }, 'a group of writes could not be committed');
        reject(error);
      }
    };

    const join = (): CommitGroup | null => {
      if (open) return open;
      // Someone else's transaction (a command run in-process): leave it alone and write on its own commits.
      const group = database.openWriteGroup();
      if (!group) return null;
      let resolve: () => void = () => {};
      let reject: (error: unknown) => void = () => {};
      const committed = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Each waiting answer handles the failure; this keeps an unawaited group from being an unhandled rejection.
      committed.catch(() => {});
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        finish(group, resolve, reject);
      };
      open = { committed, settle };
      setImmediate(settle);
      return open;
    };

    const isWrite = (request: FastifyRequest) =>
      WRITES.has(request.method) && request.routeOptions.url !== undefined;

    // Before validation, so that the idempotency claim (a preHandler) is part of the group too.
    app.addHook('preValidation', async (request) => {
      if (isWrite(request)) request.commitGroup = join();
    });

    app.addHook('preHandler', async (request) => {
      request.commitGroup ??= open;
    });

    app.addHook('onSend', async (request, _reply, payload) => {
      const groups = new Set([request.commitGroup, open]);
      request.commitGroup = null;
      for (const group of groups) if (group) await group.committed;
      return payload;
    });

    // Closing commits a group still open (its answers are still waiting for it).
    app.addHook('preClose', async () => {
      open?.settle();
    });
  },
  { name: 'group-commit', dependencies: ['database', 'idempotency'] },
);
