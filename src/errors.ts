// The few domain errors the application throws, each with the HTTP status it answers: this file is the one place
// that maps domain errors to statuses. One error mapper (plugins/errors.ts) turns them, and every other error, into
// application/problem+json.

/** A problem's entry for one bad field: where it is in the request (`body.endDate`, `query.cursor`) and what is wrong. */
export type FieldError = { path: string; message: string };

/**
 * A field that breaks a rule, as storage and the domain rules name it: its name in the input they were given
 * (`travelerId`, `cursor`, `participants.0.participantId`), not where in a request it came from.
 */
export type FieldIssue = { field: string; message: string };

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    /** Extension members of the problem (RFC 9457 §3.2), such as the conflicts a write would introduce. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id: number | string) {
    super(404, `${resource}_not_found`, `No ${resource} has the id ${id}.`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, extensions?: Record<string, unknown>) {
    super(409, code, message, undefined, extensions);
  }
}

/** A request with bad fields, each named by its path in the request (`header.idempotency-key`, `body.endDate`). */
export class InvalidRequestError extends AppError {
  constructor(errors: FieldError[]) {
    const paths = errors.map((e) => e.path).join(', ');
    super(400, 'validation_failed', `The request is invalid: ${paths}.`, errors);
  }
}

/**
 * Input that is well-formed but breaks a rule (checked after merging a PATCH, or against other records), naming
 * its fields only. The error mapper answers it as the InvalidRequestError of `located`, given where the route's
 * schemas declare each field.
 */
export class InvalidInputError extends AppError {
  constructor(readonly issues: FieldIssue[]) {
    const fields = issues.map((i) => i.field).join(', ');
    super(400, 'validation_failed', `The input is invalid: ${fields}.`);
  }

  /** The same error as a request's, each field named by `locate(field)` (its path in the request). */
  located(locate: (field: string) => string): InvalidRequestError {
    return new InvalidRequestError(
      this.issues.map(({ field, message }) => ({ path: locate(field), message })),
    );
  }
}

/** Throws an InvalidInputError when any rule failed. */
export function assertValid(issues: FieldIssue[]): void {
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/** A write that names versions it expects (If-Match) while the resource is at another: `current` is its ETag. */
export class PreconditionFailedError extends AppError {
  constructor(resource: string, id: number | string, current: string) {
    super(
      412,
      'precondition_failed',
      `The ${resource} ${id} has changed since that ETag: it is at ${current} now. GET it again, ` +
        'apply your change to what is there, and send the new ETag in If-Match.',
    );
  }
}

/** A change-feed token from before the history kept: it can no longer be answered truthfully. */
export class GoneError extends AppError {
  constructor(message: string) {
    super(410, 'token_expired', message);
  }
}

/** A write that refers to a record that does not exist, or removes one that others refer to (a foreign key). */
export class ReferenceConflictError extends ConflictError {
  constructor() {
    super(
      'reference_conflict',
      'The change conflicts with records that refer to this one, or refers to a record that does not exist.',
    );
  }
}

/** A write that would store a second record with the same unique values. */
export class DuplicateError extends ConflictError {
  constructor() {
    super('duplicate', 'A record with the same unique values already exists.');
  }
}

/** A record that breaks a rule the data model itself enforces (a check or a required column). */
export class ConstraintViolatedError extends AppError {
  constructor() {
    super(400, 'constraint_violated', 'The record breaks a rule of the data model.');
  }
}

/** The database is held by another writer for longer than it waits: the client may retry after `retryAfter` s. */
export class BusyError extends AppError {
  constructor(
    code = 'busy',
    message = 'The database is busy; retry shortly.',
    /** Seconds after which a retry may succeed (the Retry-After header). */
    readonly retryAfter = 1,
  ) {
    super(503, code, message);
  }
}

/**
 * The database server cannot be reached (down, restarting, refusing connections): the client may retry after
 * `retryAfter` s; the server reconnects by itself once it is back.
 */
export class DatabaseUnavailableError extends BusyError {
  constructor() {
    super('database_unavailable', 'The database cannot be reached; retry shortly.', 2);
  }
}

/**
 * What went wrong, in one line, for a message that stops a process (a server that cannot start, a command that
 * cannot run): the message of the innermost cause (a driver's error that a query builder wrapped, say, rather than
 * the SQL of the statement that failed), after the domain error's own when there is one ("The database cannot be
 * reached; retry shortly. (connect ECONNREFUSED 127.0.0.1:5432)").
 */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let innermost = error instanceof Error ? error.message : String(error);
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current.message) innermost = current.message;
    current = current.cause;
  }
  const line = innermost.split('\n')[0] ?? innermost;
  return error instanceof AppError && error.message !== innermost ? `${error.message} (${line})` : line;
}
