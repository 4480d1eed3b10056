import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { z } from 'zod';
import { AppError, BusyError, type FieldError, InvalidInputError } from '../errors.js';
import type { Problem } from '../schemas/common.js';

// The one error mapper: every failure leaves the server as application/problem+json (RFC 9457), with no stack
// trace or SQL in it. Unexpected faults are logged with the request id and answered with a generic 500.

const PROBLEM_TYPE = 'application/problem+json';
const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const LOCATIONS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** Sends the RFC 9457 problem of `problemOf` as the reply, with its status and media type. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_TYPE)
    .send(problemOf(request, status, code, detail, errors, extensions));
}

/**
 * The RFC 9457 problem object of an answer to `request`: `type`, `title` (the status's reason phrase), `status`,
 * `detail`, `instance` (the request's path), the API's `code`, and `errors[]` naming the fields at fault when given;
 * a 5xx also carries the `requestId` the logs know it by. `extensions` are more members (RFC 9457 §3.2).
 */
export function problemOf(
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
): Problem & Record<string, unknown> {
  return {
    ...extensions,
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    code,
    ...(errors ? { errors } : {}),
    ...(status >= 500 ? { requestId: String(request.id) } : {}),
  };
}

type ParserError = Error & { code?: string };

// Sockets whose last answer went out before its request's body had arrived (a 401 to a slow upload): when that
// body then times out, the client already has its answer, and gets no second one.
const answeredEarly = new WeakSet<Socket>();

/**
 * The problem for an error Node's HTTP parser raised before the app saw a request (its `clientError`): 408 when
 * the request or its headers took too long, 431 when the request line and headers exceed Node's
 * http.maxHeaderSize (a URL too long for even the 414 check counts), 400 for anything else it cannot parse, such
 * as a malformed Content-Length. Answers `null` for a connection that is already gone.
 */
export function parserProblem(
  error: ParserError,
  timeouts: { requestTimeoutMs: number; headersTimeoutMs: number },
): { status: number; code: string; detail: string } | null {
  switch (error.code) {
    case 'ECONNRESET':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'request_timeout',
        detail:
          `The request was not received in time: headers must arrive within ${timeouts.headersTimeoutMs} ms ` +
          `and the whole request within ${timeouts.requestTimeoutMs} ms.`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'header_fields_too_large',
        detail: `The request line and headers are larger than ${maxHeaderSize} bytes.`,
      };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return {
        status: 400,
        code: 'bad_content_length',
        detail: 'The Content-Length header is not one decimal number, or conflicts with Transfer-Encoding.',
      };
    default:
      return {
        status: 400,
        code: 'malformed_request',
        detail: `The request is not valid HTTP/1.1 (${error.code ?? 'unreadable'}).`,
      };
  }
}

/**
 * Fastify's clientErrorHandler: answers parser errors as problem+json, like every other error, and closes the
 * connection (the parser's state is lost). A request whose answer has already begun (a 401 sent while a slow body
 * is still arriving) gets no second answer: its connection is just closed.
 */
export function clientErrorHandler(
  timeouts: { requestTimeoutMs: number; headersTimeoutMs: number },
  log: () => FastifyBaseLogger | undefined,
) {
  return (error: ParserError, socket: Socket): void => {
    const problem = socket.destroyed ? null : parserProblem(error, timeouts);
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (problem && socket.writable && !answering?.headersSent && !answeredEarly.has(socket)) {
      log()?.info({ err: error, status: problem.status }, 'client error before routing');
      const body = JSON.stringify({
        type: 'about:blank',
        title: STATUS_CODES[problem.status],
        status: problem.status,
        detail: problem.detail,
        code: problem.code,
      });
      socket.end(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
          `Content-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroySoon();
  };
}

/** zod issues as `{ path, message }`, one per bad field; unknown fields are named one by one. */
function fieldErrors(error: FastifyError): FieldError[] {
  const where = LOCATIONS[error.validationContext ?? 'body'] ?? 'body';
  const errors: FieldError[] = [];
  for (const issue of error.validation ?? []) {
    const base = issue.instancePath.split('/').filter(Boolean);
    const params = issue.params as { keys?: string[] };
    if (issue.keyword === 'unrecognized_keys' && params.keys) {
      for (const key of params.keys) {
        errors.push({ path: [where, ...base, key].join('.'), message: 'is not a known field' });
      }
    } else {
      errors.push({ path: [where, ...base].join('.'), message: issue.message ?? 'is invalid' });
    }
  }
  return errors;
}

/** Whether a route's zod schema for one part of the request has a top-level field of this name. */
function declares(schema: unknown, name: string): boolean {
  if (schema instanceof z.ZodObject) return Object.hasOwn(schema.shape, name);
  if (schema instanceof z.ZodPipe) return declares(schema.in, name);
  return false;
}

/**
 * A field that storage or a domain rule names (`travelerId`, `participants.0.participantId`) as its path in this
 * request (`body.travelerId`): in the first of the body, the query and the path whose schema in the route declares
 * its first segment. A field no schema declares keeps its bare name.
 */
function locate(request: FastifyRequest, field: string): string {
  const schema = request.routeOptions.schema;
  const name = field.split('.')[0] ?? field;
  for (const part of ['body', 'querystring', 'params'] as const) {
    if (declares(schema?.[part], name)) return `${LOCATIONS[part]}.${field}`;
  }
  return field;
}

export default fp(
  async (app) => {
    // A second router that knows every registered path, so a wrong method on a real path answers 405, not 404.
    const paths = FindMyWay();
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (!METHODS.includes(method as HTTPMethod)) continue;
        try {
          paths.on(method as HTTPMethod, route.url, () => {});
        } catch {
          // The same path and method registered twice (e.g. with and without a trailing slash): nothing to add.
        }
      }
    });

    app.addHook('onResponse', async (request) => {
      if (request.raw.complete) answeredEarly.delete(request.raw.socket);
      else answeredEarly.add(request.raw.socket);
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = METHODS.filter((method) => paths.find(method, path) !== null);
      // A path the main router did not match can still look like a pattern here (an empty id: /stops/). If this
      // router would accept the request's own method, the path is really unknown: a 404, not a 405.
      if (allowed.length > 0 && !allowed.includes(request.method as HTTPMethod)) {
        reply.header('allow', allowed.join(', '));
        return sendProblem(
          request,
          reply,
          405,
          'method_not_allowed',
          `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`,
        );
      }
      return sendProblem(
        request,
        reply,
        404,
        'route_not_found',
        `No route matches ${request.method} ${path}.`,
      );
    });

    app.setErrorHandler((thrown: FastifyError, request, reply) => {
      // Storage and the domain name bad fields without knowing HTTP; the route's schemas say where each one is.
      // The engine's own errors (a constraint, a busy database) mean domain errors; the database handle says which.
      const translated = app.hasDecorator('database') ? app.database.translateError(thrown) : thrown;
      const error =
        translated instanceof InvalidInputError
          ? translated.located((field) => locate(request, field))
          : (translated as FastifyError);
      if (error instanceof BusyError) reply.header('retry-after', String(error.retryAfter));
      if (error instanceof AppError) {
        return sendProblem(
          request,
          reply,
          error.status,
          error.code,
          error.message,
          error.errors,
          error.extensions,
        );
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = fieldErrors(error);
        const where = LOCATIONS[error.validationContext ?? 'body'] ?? 'body';
        const detail = `The request ${where === 'path' ? 'path' : where} has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.path).join(', ')}.`;
        return sendProblem(request, reply, 400, 'validation_failed', detail, errors);
      }
      if (isResponseSerializationError(error)) {
        request.log.error({ err: error, issues: error.cause?.issues }, 'response does not match its schema');
        return sendProblem(
          request,
          reply,
          500,
          'internal_error',
          'The server failed to answer this request.',
        );
      }
      switch (error.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return sendProblem(
            request,
            reply,
            400,
            'invalid_json',
            `The request body is not valid JSON: ${error.message}`,
            [{ path: 'body', message: error.message }],
          );
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return sendProblem(
            request,
            reply,
            413,
            'body_too_large',
            `The request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes.`,
          );
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return sendProblem(
            request,
            reply,
            415,
            'unsupported_media_type',
            `The request body must be JSON (Content-Type: application/json), not ${request.headers['content-type'] ?? 'unknown'}.`,
          );
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        // Another client error raised by Fastify itself: its message is written for clients.
        return sendProblem(
          request,
          reply,
          status,
          (error.code ?? 'bad_request').toLowerCase(),
          error.message,
        );
      }
      request.log.error({ err: error }, 'unexpected error');
      return sendProblem(request, reply, 500, 'internal_error', 'The server failed to answer this request.');
    });
  },
  { name: 'errors' },
);
