// OAuth2 for mailboxes, the pure part: what is sealed in `secret_enc` for an OAuth2 mailbox, when a
// cached access token is still good, the refresh request (RFC 6749 §6) and what a token endpoint's
// answer means. No network, no database, no clock of its own (`now` is passed in).
import { z } from 'zod';
import { ServiceError } from '../errors.js';
import { SecretKeyError } from '../crypto/secrets.js';

/**
 * An access token is used only while it has more than this left: a sync that starts with a token
 * about to expire would fail half-way through its login, and clocks differ a little.
 */
export const EXPIRY_SKEW_MS = 60_000;

/** Longest text of a provider's error_description kept in a message (it is the provider's, not ours). */
const MAX_DESCRIPTION = 200;

/**
 * Everything secret about an OAuth2 mailbox, sealed as one JSON document with
 * EDOCWATCH_SECRET_KEY: the grant (refresh token, client secret) and the cached access token.
 * `accessTokenExpiresAt` is epoch milliseconds; null means "unknown": the token is not reused.
 */
export interface OAuth2Secret {
  v: 1;
  refreshToken: string;
  clientSecret: string | null;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
}

const secretSchema = z.object({
  v: z.literal(1),
  refreshToken: z.string().min(1),
  clientSecret: z.string().min(1).nullable(),
  accessToken: z.string().min(1).nullable(),
  accessTokenExpiresAt: z.number().int().nullable(),
});

/** The non-secret settings of an OAuth2 mailbox (columns of `mailboxes`). */
export interface OAuth2Client {
  tokenUrl: string;
  clientId: string;
  scope: string | null;
}

/** What a token flow obtained: an access token, how long it lives, and maybe a new refresh token. */
export interface TokenGrant {
  accessToken: string;
  /** Epoch ms; null when the provider did not say (the token is then used once, not cached). */
  expiresAt: number | null;
  /** Set when the provider rotated the refresh token: the old one is dead from now on. */
  refreshToken: string | null;
}

/**
 * Failures of token acquisition. `E_IMAP_OAUTH`: the provider refused (invalid_grant, a wrong
 * client, a useless answer) — waiting does not cure it. `E_IMAP_OAUTH_UNREACHABLE`: the token
 * endpoint could not be reached or failed on its side (network, timeout, 5xx, 429) — retried.
 */
export class OAuthError extends ServiceError {
  constructor(
    code: 'E_IMAP_OAUTH' | 'E_IMAP_OAUTH_UNREACHABLE',
    message: string,
    /** The provider's `error` code (invalid_grant …) when it gave one. */
    public readonly oauthError: string | null = null,
  ) {
    super(code, message);
    this.name = 'OAuthError';
  }
}

export function newSecret(refreshToken: string, clientSecret: string | null): OAuth2Secret {
  return { v: 1, refreshToken, clientSecret, accessToken: null, accessTokenExpiresAt: null };
}

export function serializeSecret(s: OAuth2Secret): string {
  return JSON.stringify(s);
}

export function parseSecret(plain: string): OAuth2Secret {
  let value: unknown;
  try {
    value = JSON.parse(plain);
  } catch {
    throw new SecretKeyError('stored credential has an unknown format (an OAuth2 mailbox whose credential is not an OAuth2 document)');
  }
  const r = secretSchema.safeParse(value);
  if (!r.success) throw new SecretKeyError('stored credential has an unknown format (an OAuth2 document this version does not know)');
  return r.data;
}

/** The cached access token if it has more than `skewMs` left at `now`, else null (refresh). */
export function usableAccessToken(s: OAuth2Secret, now: number, skewMs = EXPIRY_SKEW_MS): string | null {
  if (s.accessToken === null || s.accessTokenExpiresAt === null) return null;
  return s.accessTokenExpiresAt - now > skewMs ? s.accessToken : null;
}

/** The secret after a grant: the new access token cached; a rotated refresh token replaces the old. */
export function applyGrant(s: OAuth2Secret, g: TokenGrant): OAuth2Secret {
  return {
    ...s,
    refreshToken: g.refreshToken ?? s.refreshToken,
    accessToken: g.accessToken,
    accessTokenExpiresAt: g.expiresAt,
  };
}

/**
 * The body of a refresh request (RFC 6749 §6), client authenticated in the body
 * (client_secret_post, §2.3.1); a public client sends its id only.
 */
export function refreshRequestBody(c: OAuth2Client, s: Pick<OAuth2Secret, 'refreshToken' | 'clientSecret'>): URLSearchParams {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refreshToken, client_id: c.clientId });
  if (s.clientSecret !== null) body.set('client_secret', s.clientSecret);
  if (c.scope !== null) body.set('scope', c.scope);
  return body;
}

// Some providers send expires_in as a string ("3599"); it is seconds either way.
const seconds = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().nonnegative());

const successSchema = z.object({
  access_token: z.string().min(1),
  // RFC 6749 §5.1 requires it; XOAUTH2 can only carry a bearer token.
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', { message: 'is not Bearer' }),
  expires_in: seconds.optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

const errorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
});

/** Where a message names the token endpoint: origin and path, never a query (it may hold secrets). */
export function endpointLabel(tokenUrl: string): string {
  try {
    const u = new URL(tokenUrl);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid token URL)';
  }
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DESCRIPTION ? `${flat.slice(0, MAX_DESCRIPTION)}…` : flat;
}

/** What to tell the operator about a provider's error code. */
function advice(error: string): string {
  switch (error) {
    case 'invalid_grant':
      return 'the refresh token is expired, revoked or already used: the mailbox owner must consent again and a new refresh token be stored';
    case 'invalid_client':
    case 'unauthorized_client':
      return 'the client id or client secret is wrong or not allowed this grant';
    case 'invalid_scope':
      return 'the scope asked for is not granted to this client';
    default:
      return 'see the provider\'s message';
  }
}

/**
 * What a token endpoint's answer means. `status` is the HTTP status, `body` the parsed JSON
 * (undefined when the body was not JSON). `requestedAt` (epoch ms, when the request was sent) is
 * the conservative start of the token's lifetime.
 */
export function interpretTokenResponse(tokenUrl: string, status: number, body: unknown, requestedAt: number): TokenGrant {
  const where = endpointLabel(tokenUrl);
  if (status >= 500 || status === 429 || status === 408) {
    throw new OAuthError('E_IMAP_OAUTH_UNREACHABLE', `máy chủ cấp token lỗi / the OAuth2 token endpoint ${where} failed with HTTP ${status}: will retry`);
  }
  if (status >= 200 && status < 300) {
    const ok = successSchema.safeParse(body);
    if (!ok.success) {
      const what = body === undefined ? 'not JSON' : ok.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join(', ');
      throw new OAuthError('E_IMAP_OAUTH', `OAuth2 bị từ chối / OAuth2 token refresh refused by ${where}: unusable token response (${oneLine(what)})`);
    }
    const d = ok.data;
    return {
      accessToken: d.access_token,
      expiresAt: d.expires_in === undefined ? null : requestedAt + d.expires_in * 1000,
      refreshToken: d.refresh_token ?? null,
    };
  }
  const err = errorSchema.safeParse(body);
  if (err.success) {
    const { error, error_description: description } = err.data;
    const detail = description ? ` (${oneLine(description)})` : '';
    // Not defined for the token endpoint by RFC 6749, but sent by some providers under load.
    if (error === 'temporarily_unavailable')
      throw new OAuthError('E_IMAP_OAUTH_UNREACHABLE', `máy chủ cấp token lỗi / the OAuth2 token endpoint ${where} is temporarily unavailable${detail}: will retry`, error);
    throw new OAuthError(
      'E_IMAP_OAUTH',
      `OAuth2 bị từ chối / OAuth2 token refresh refused by ${where}: ${oneLine(error)}${detail} — ${advice(error)}`,
      error,
    );
  }
  throw new OAuthError('E_IMAP_OAUTH', `OAuth2 bị từ chối / OAuth2 token refresh refused by ${where}: HTTP ${status} without an OAuth2 error (is the token URL right?)`);
}

/**
 * Why a token URL is not acceptable, or null. It receives the refresh token and the client secret:
 * https only (plain http to a loopback address, for a local relay or a test), and no user:password
 * in it (it is stored in clear).
 */
export function tokenUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (u.username || u.password) return 'must not contain a user name or password (it is stored in clear)';
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) return null;
  return 'must be https:// (plain http:// only to a loopback address): it carries the refresh token and the client secret';
}
