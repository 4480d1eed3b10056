import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, GoneError, InvalidInputError } from '../errors.js';
import { clientOf } from '../plugins/auth.js';
import { problemOf } from '../plugins/errors.js';
import type { ChangeFilter, ChangesPage } from '../repositories/changes-repository.js';
import { ChangeStreamQuerySchema, ChangesPageSchema, ChangesQuerySchema } from '../schemas/changes.js';
import { createChangeWatcher } from '../services/change-watcher.js';
import { ConditionalGetHeadersSchema, NotModifiedSchema, ok, problems } from './responses.js';

/** Changes a stream reads at a time. */
const STREAM_BATCH = 200;
/** Milliseconds an EventSource waits before reconnecting after a dropped stream (the SSE `retry` field). */
const RECONNECT_MS = 2000;

const EventStreamSchema = z
  .string()
  .describe(
    'Server-Sent Events (text/event-stream). Each change is an event `change` whose `id` is the token that ' +
      'resumes right after it and whose `data` is the Change as JSON. A message with only an `id` moves the ' +
      'position on without an event (changes that did not pass the filters were looked at). A comment line ' +
      '(`: heartbeat`) comes every CHANGES_STREAM_HEARTBEAT_MS. A token too old to resume sends one event ' +
      '`problem` (the 410 problem as JSON) and closes: fetch the collections again and open a new stream without ' +
      'a token, and close the EventSource so it does not reconnect with the expired one.',
  );

const changesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { repos, config } = app;

  app.get(
    '/changes',
    {
      schema: {
        tags: ['changes'],
        operationId: 'listChanges',
        summary: 'What was created, updated or deleted since a token, oldest first',
        description:
          'Call without `since` to get the current token; later, pass it as `since` to get every change after ' +
          'it, with a `nextToken` for the next call. Deletions are tombstones (`deleted: true`). A token older ' +
          'than the kept history answers 410: fetch the collections again and start over. `trip`, `participant` ' +
          'and `resource` narrow the feed (a change of a stop or meeting belongs to its trip; a change of ' +
          'attendance to its participant), with the same tokens: a filtered feed never skips or repeats a change ' +
          'either. `GET /changes/stream` sends the same changes as they happen.',
        querystring: ChangesQuerySchema,
        headers: ConditionalGetHeadersSchema,
        response: {
          200: ok(ChangesPageSchema, 'The changes after the token, and the token to use next'),
          304: NotModifiedSchema,
          ...problems(400, 410),
        },
      },
    },
    async (request, reply) => {
      const { since, limit, trip, participant, resource } = request.query;
      if (!since) {
        return {
          data: [],
          nextToken: await app.database.read((tx) => repos.changes.currentToken(tx)),
          hasMore: false,
        };
      }
      const filter = { trip, participant, resources: resource };
      const page = await app.database.read((tx) => repos.changes.since(since, limit, tx, filter));
      if (page.hasMore) {
        const url = new URL(request.url, 'http://localhost');
        url.searchParams.set('since', page.nextToken);
        reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
      }
      return { data: page.data, nextToken: page.nextToken, hasMore: page.hasMore };
    },
  );

  // The live form of the feed. One watcher per process wakes the open streams when the database's generation
  // moves (src/services/change-watcher.ts); each stream then reads its own filtered page from its own token, so it
  // works the same with one instance or several on one PostgreSQL database.
  const watcher = createChangeWatcher(app.database, {
    pollMs: config.CHANGES_STREAM_POLL_MS,
    onError: (error) => app.log.warn({ err: error }, 'the change streams could not read the database'),
  });
  /** Open streams per client (API key, or IP address without one). */
  const openPerClient = new Map<string, number>();
  /** Closes each open stream; called when the server closes, which would otherwise wait for them. */
  const closers = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...closers]) close();
    watcher.close();
  });

  /** Counts a stream against its client's bound; 429 beyond it. Answers how to give the place back. */
  const claim = (request: FastifyRequest): (() => void) => {
    const client = clientOf(request);
    const open = openPerClient.get(client) ?? 0;
    if (open >= config.CHANGES_STREAMS_PER_CLIENT) {
      throw new AppError(
        429,
        'too_many_streams',
        `This client has ${open} change streams open, the most allowed (CHANGES_STREAMS_PER_CLIENT); close one first.`,
      );
    }
    openPerClient.set(client, open + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (openPerClient.get(client) ?? 1) - 1;
      if (left > 0) openPerClient.set(client, left);
      else openPerClient.delete(client);
    };
  };

  app.get(
    '/changes/stream',
    {
      sse: { kind: 'manual' },
      schema: {
        tags: ['changes'],
        operationId: 'streamChanges',
        summary: 'The change feed as Server-Sent Events, as changes happen',
        description:
          'The changes of `/changes`, with the same filters, sent as they are committed (within ' +
          'CHANGES_STREAM_POLL_MS, on any instance). Starts after `Last-Event-ID` (what an EventSource sends when ' +
          'it reconnects) or `since`, else at the present. Each event’s id is a token: a reconnect resumes exactly ' +
          'after the last event received, and the same token works with `/changes`. Each client may keep ' +
          'CHANGES_STREAMS_PER_CLIENT streams open (429 beyond).',
        querystring: ChangeStreamQuerySchema,
        headers: z
          .object({
            'last-event-id': z.string().max(200).optional().meta({
              description: 'The id of the last event received: the stream resumes right after it',
            }),
          })
          .loose(),
        response: {
          200: {
            description: 'An endless text/event-stream of the changes',
            content: { 'text/event-stream': { schema: EventStreamSchema } },
          },
          ...problems(400, 429),
        },
      },
    },
    async (request, reply) => {
      // HEAD has the stream's headers and no body: nothing to wait for.
      if (request.method === 'HEAD')
        return reply.type('text/event-stream').header('cache-control', 'no-cache').send('');
      const { since, trip, participant, resource } = request.query;
      const filter: ChangeFilter = { trip, participant, resources: resource };
      const lastEventId = request.headers['last-event-id'] || undefined;
      const resumeFrom = lastEventId ?? since;
      const read = (token: string) =>
        app.database.read((tx) => repos.changes.since(token, STREAM_BATCH, tx, filter));

      // The start is checked before the stream opens: a token this API did not issue is a 400, as on /changes.
      let first: ChangesPage | undefined;
      let expired: GoneError | undefined;
      let token: string;
      if (resumeFrom) {
        token = resumeFrom;
        try {
          first = await read(token);
        } catch (error) {
          if (error instanceof InvalidInputError && lastEventId !== undefined) {
            // The token came from the header, not from `since`: the problem names the header.
            throw new InvalidInputError(
              error.issues.map((issue) => ({ ...issue, field: 'header.last-event-id' })),
            );
          }
          if (!(error instanceof GoneError)) throw error;
          expired = error;
        }
      } else {
        token = await app.database.read((tx) => repos.changes.currentToken(tx));
      }
      const sse = reply.sse;
      if (!sse) throw new Error('the SSE plugin did not decorate the reply');
      // A client gone while the start was read has no stream to count; nothing below would notice its going.
      if (!sse.isConnected) return reply;
      const release = claim(request);
      sse.keepAlive();
      sse.sendHeaders();
      if (expired) {
        try {
          await sse.send({
            event: 'problem',
            data: problemOf(request, expired.status, expired.code, expired.message),
          });
        } catch {
          // The client went before it was told.
        }
        release();
        sse.close();
        return reply;
      }

      /** Sends a page's changes, each with the token after it; answers the page's next token. */
      const sendPage = async (page: ChangesPage): Promise<string> => {
        for (const [i, change] of page.data.entries()) {
          await sse.send({ id: page.tokens[i], event: 'change', data: change });
        }
        // Changes looked at but filtered out still move the position, which an id alone records.
        if (page.nextToken !== (page.tokens.at(-1) ?? token))
          await sse.send({ id: page.nextToken, data: undefined });
        return page.nextToken;
      };

      let running = false;
      let again = false;
      /** Sends whatever came since `token`, one run at a time; a wake during a run runs it again. */
      const pump = async (pending?: ChangesPage) => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          let page = pending;
          do {
            again = false;
            for (;;) {
              page ??= await read(token);
              token = await sendPage(page);
              if (!page.hasMore || !sse.isConnected) break;
              page = undefined;
            }
            page = undefined;
          } while (again && sse.isConnected);
        } catch (error) {
          await failed(error);
        } finally {
          running = false;
        }
      };
      let unsubscribe = () => {};
      /** Ends the stream and gives its place and its subscription back; safe to call more than once. */
      const stop = () => {
        unsubscribe();
        release();
        closers.delete(stop);
        if (sse.isConnected) sse.close();
      };
      /**
       * A read or a send that failed: the client went (nothing to do), the token expired meanwhile (the problem
       * event, then the end), or the database is away (the next wake tries again). Never throws: a wake's pump has
       * no one to throw to.
       */
      const failed = async (error: unknown) => {
        if (!sse.isConnected) return;
        if (!(error instanceof GoneError)) {
          request.log.warn({ err: error }, 'a change stream could not read the feed; it tries again');
          return;
        }
        try {
          await sse.send({
            event: 'problem',
            data: problemOf(request, error.status, error.code, error.message),
          });
        } catch {
          // The client went while it was told.
        }
        stop();
      };

      closers.add(stop);
      sse.onClose(stop);
      unsubscribe = watcher.subscribe(() => {
        void pump();
      });
      try {
        // The position the stream starts at, so that a reconnect before any change resumes from here.
        await sse.send({ id: token, retry: RECONNECT_MS, data: undefined });
      } catch {
        stop();
        return reply;
      }
      await pump(first);
      // And a read from there: a write that committed after the first read may have woken the streams before
      // this one subscribed.
      await pump();
      return reply;
    },
  );
};

export default changesRoutes;
