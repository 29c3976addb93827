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

/** An override's label, value, reason or author is not acceptable (exit 2; nothing is written). */
export class InvalidOverrideError extends EdocError {
  constructor(message: string) {
    super('E_OVERRIDE_VALUE', message, 2);
  }
}

/**
 * A paper register file cannot be imported as a whole: unreadable, not CSV/XLSX, no header row with
 * a document number column, or no row readable (exit 2; nothing is written). Single unreadable rows
 * do not raise this: they are reported with their line numbers and the others are imported.
 */
export class RegisterFileError extends EdocError {
  constructor(message: string) {
    super('E_REGISTER_FILE', message, 2);
  }
}

/** An evaluation-set file (eval/*.yaml) that cannot be read or breaks the record schema (`npm run eval`). */
export class EvalCasesError extends EdocError {
  constructor(message: string) {
    super('E_EVAL_CASES', message, 2);
  }
}

/** An account list (CSV, or what LDAP returned) that cannot be imported; every problem is listed. Nothing is written. */
export class AccountListInvalidError extends EdocError {
  constructor(source: string, problems: string[]) {
    super(
      'E_ACCOUNTS_FILE',
      `${source}: danh sách tài khoản không hợp lệ / invalid account list (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n${problems
        .slice(0, 50)
        .map((p) => `  - ${p}`)
        .join('\n')}${problems.length > 50 ? `\n  … ${problems.length - 50} more` : ''}`,
      2,
    );
  }
}

/** Accounts whose address or domain no agency of the directory holds (`--by-domain`, LDAP). */
export class AccountsUnmatchedError extends EdocError {
  constructor(addresses: string[]) {
    super(
      'E_ACCOUNTS_UNMATCHED',
      `${addresses.length} tài khoản không thuộc cơ quan nào trong danh bạ / accounts of no agency in the directory: ${addresses.slice(0, 20).join(', ')}${addresses.length > 20 ? ', …' : ''} (thêm tên miền vào danh bạ, hoặc --skip-unmatched / add their domains to the directory, or pass --skip-unmatched)`,
      2,
    );
  }
}

/** `accounts sync-ldap` without the settings it needs. */
export class LdapConfigError extends EdocError {
  constructor(message: string) {
    super('E_LDAP_CONFIG', `chưa cấu hình LDAP / LDAP is not configured: ${message}`, 2);
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
