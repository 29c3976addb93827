// pino logger with credential redaction: mailbox passwords, OAuth tokens, the secret key and any
// connection string's password never reach a log line.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'pass',
  '*.password',
  '*.pass',
  'auth.pass',
  '*.auth.pass',
  'accessToken',
  '*.accessToken',
  'auth.accessToken',
  '*.auth.accessToken',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  // OAuth2 wire names (token responses, form bodies) and HTTP authorization headers.
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'client_secret',
  '*.client_secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secret',
  '*.secret',
  'secretKey',
  '*.secretKey',
  'credentials',
  '*.credentials',
];

/** Hides the password part of a URL (postgres://u:p@h → postgres://u:***@h). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { app: 'edocwatch' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    // Logs go to stderr: stdout carries the commands' output (JSON, tables).
    (destination ?? pino.destination(2)) as pino.DestinationStream,
  );
}

export type { Logger };
