import { fastifySSE } from '@fastify/sse';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import auth from './plugins/auth.js';
import compression from './plugins/compression.js';
import cors from './plugins/cors.js';
import csv from './plugins/csv.js';
import database from './plugins/database.js';
import errors, { clientErrorHandler, sendProblem } from './plugins/errors.js';
import fields from './plugins/fields.js';
import groupCommit from './plugins/group-commit.js';
import httpCaching from './plugins/http-caching.js';
import idempotency from './plugins/idempotency.js';
import security from './plugins/security.js';
import swagger from './plugins/swagger.js';
import viewer from './plugins/viewer.js';
import activityRoutes from './routes/activity.js';
import auditRoutes from './routes/audit.js';
import calendarsRoutes from './routes/calendars.js';
import changesRoutes from './routes/changes.js';
import conflictsRoutes from './routes/conflicts.js';
import countriesRoutes from './routes/countries.js';
import importsRoutes from './routes/imports.js';
import keysRoutes from './routes/keys.js';
import mapsRoutes from './routes/maps.js';
import meetingsRoutes from './routes/meetings.js';
import participantsRoutes from './routes/participants.js';
import searchRoutes from './routes/search.js';
import serviceRoutes from './routes/service.js';
import stopsRoutes from './routes/stops.js';
import tripsRoutes from './routes/trips.js';
import { compiledSerializerCompiler } from './serialization.js';
import { createAnswers } from './services/answers.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export type BuildOptions = {
  /** Pino options or false; defaults to JSON logs at the configured level (pretty on a terminal). */
  logger?: FastifyServerOptions['logger'];
  /** Called with each SQL statement the database runs. */
  onQuery?: (sql: string) => void;
};

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const pretty = process.stdout.isTTY && config.NODE_ENV !== 'production';
  return {
    level: config.LOG_LEVEL,
    // Credentials never reach the logs, whatever a serializer or a log call includes.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
}

/** Half the shortest request or headers timeout, within 0.1 to 30 s (Node's default). */
function checkingInterval(config: Config): number {
  const bounds = [config.REQUEST_TIMEOUT_MS, config.HEADERS_TIMEOUT_MS].filter((ms) => ms > 0);
  return Math.max(100, Math.min(30_000, ...bounds.map((ms) => Math.floor(ms / 2))));
}

/** The change streams' heartbeat: CHANGES_STREAM_HEARTBEAT_MS, shortened to half an idle socket's timeout. */
function heartbeatMs(config: Config): number {
  const idle = config.CONNECTION_TIMEOUT_MS;
  return idle > 0
    ? Math.min(config.CHANGES_STREAM_HEARTBEAT_MS, Math.floor(idle / 2))
    : config.CHANGES_STREAM_HEARTBEAT_MS;
}

/** Builds the whole application, in order: compilers, error mapping, docs, database, routes. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    // A number of hops is a function for Fastify's types; proxy-addr counts hops from the socket's peer (0).
    trustProxy:
      typeof config.TRUST_PROXY === 'number'
        ? (_address: string, hop: number) => hop < (config.TRUST_PROXY as number)
        : config.TRUST_PROXY,
    // Slow clients are bounded: a request (headers and body) must arrive within REQUEST_TIMEOUT_MS, its headers
    // within HEADERS_TIMEOUT_MS, an idle socket closes after CONNECTION_TIMEOUT_MS.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      // Node looks for expired requests every connectionsCheckingInterval (30 s by default), so a shorter timeout
      // needs a finer look to be kept.
      connectionsCheckingInterval: checkingInterval(config),
    },
    // Errors Node's parser raises before routing (408, 431, a malformed Content-Length) are problems too.
    clientErrorHandler: clientErrorHandler(
      { requestTimeoutMs: config.REQUEST_TIMEOUT_MS, headersTimeoutMs: config.HEADERS_TIMEOUT_MS },
      // Called only once the server listens, long after `app` is assigned.
      (): FastifyBaseLogger => app.log,
    ),
    // Errors the router raises before any hook runs (a malformed percent-encoding in the path) are problems too.
    frameworkErrors: (error, request, reply) => {
      sendProblem(request, reply, 400, 'bad_url', `The URL cannot be read: ${error.message}`);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('config', config);
  app.setValidatorCompiler(validatorCompiler);
  // Responses are written by code compiled from their schemas; outside production each is checked with zod too.
  app.setSerializerCompiler(compiledSerializerCompiler({ verify: config.NODE_ENV !== 'production' }));

  // The API speaks JSON only: a text body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  // JSON Merge Patch bodies (RFC 7396) are JSON too.
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string', bodyLimit: config.BODY_LIMIT },
    app.getDefaultJsonParser('error', 'error'),
  );

  // CORS first: its catch-all OPTIONS route must stay out of the error mapper's 405 router.
  await app.register(cors, { origins: config.CORS_ORIGINS });
  await app.register(errors);
  await app.register(security, {
    rateLimitMax: config.RATE_LIMIT_MAX,
    rateLimitWindow: config.RATE_LIMIT_WINDOW,
    redisUrl: config.REDIS_URL,
  });
  // CSV before caching, so each representation is hashed as sent; compression before caching too, whose ETags name
  // the content coding and whose If-None-Match check runs on the coded answer (both as route hooks, in that order).
  await app.register(compression);
  // Sparse fieldsets first: CSV then writes the fields asked for.
  await app.register(fields);
  await app.register(csv);
  await app.register(httpCaching);
  await app.register(swagger);
  await app.register(database, {
    changesRetentionDays: config.CHANGES_RETENTION_DAYS,
    path: config.DATABASE_PATH,
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    seed: config.SEED_ON_START,
    onQuery: options.onQuery,
  });
  app.decorate(
    'answers',
    createAnswers(app.database, app.repos, {
      maxBytes: config.ITINERARY_CACHE_MB * 1024 * 1024,
      uidDomain: config.CALENDAR_UID_DOMAIN,
      verify: config.NODE_ENV !== 'production',
    }),
  );
  await app.register(auth, { readAccess: config.READ_ACCESS });
  await app.register(idempotency);
  await app.register(groupCommit, { enabled: config.GROUP_COMMIT });

  // Server-Sent Events (GET /changes/stream). Its heartbeat comment keeps proxies, and this server's own idle
  // timeout, from closing a quiet stream.
  await app.register(fastifySSE, { heartbeatInterval: heartbeatMs(config) });
  await app.register(serviceRoutes);
  await app.register(tripsRoutes);
  await app.register(stopsRoutes);
  await app.register(meetingsRoutes);
  await app.register(participantsRoutes);
  await app.register(activityRoutes);
  await app.register(countriesRoutes);
  await app.register(changesRoutes);
  await app.register(keysRoutes);
  await app.register(auditRoutes);
  await app.register(searchRoutes);
  await app.register(importsRoutes);
  await app.register(mapsRoutes);
  await app.register(calendarsRoutes);
  await app.register(conflictsRoutes);
  // The itinerary viewer at / and /view/: pages and assets only, every other path stays the API's.
  await app.register(viewer);

  await app.ready();
  return app;
}
