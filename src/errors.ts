// Errors that reach an operator: each has a stable code (listed in docs/errors.md) and a message that
// says what is wrong and what to do. The CLI prints `edocwatch: <message>` and exits non-zero for
// these, never a stack trace.

export class EdocError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'EdocError';
  }
}

/** A wrong argument or input file (exit 2, like a usage error). */
export class UsageError extends EdocError {
  constructor(message: string) {
    super('E_USAGE', message, 2);
  }
}

export class NotFoundError extends EdocError {
  constructor(message: string) {
    super('E_NOT_FOUND', message, 1);
  }
}

/** A service edocwatch depends on (Postgres, Redis, an IMAP server) refused or could not be reached. */
export class ServiceError extends EdocError {
  constructor(code: string, message: string) {
    super(code, message, 3);
  }
}

/** A web or API request with a bad parameter: answered 400 with the message, nothing changed. */
export class WebInputError extends EdocError {
  constructor(message: string) {
    super('E_WEB_INPUT', message, 2);
  }
}

/** A signed-in user asked for something outside their role or agency: answered 403, no data. */
export class ForbiddenError extends EdocError {
  constructor(message = 'không được phép / forbidden') {
    super('E_WEB_FORBIDDEN', message, 1);
  }
}
