// The few domain errors the application throws. One error mapper (plugins/errors.ts) turns them, and every
// other error, into application/problem+json.

export type FieldError = { path: string; message: string };

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

/** Input that is well-formed but breaks a rule (checked after merging a PATCH, or against other records). */
export class InvalidInputError extends AppError {
  constructor(errors: FieldError[]) {
    const fields = errors.map((e) => e.path).join(', ');
    super(400, 'validation_failed', `The request is invalid: ${fields}.`, errors);
  }
}

/** Throws an InvalidInputError when any rule failed. */
export function assertValid(errors: FieldError[]): void {
  if (errors.length > 0) throw new InvalidInputError(errors);
}
