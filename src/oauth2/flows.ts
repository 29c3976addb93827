// How an OAuth2 mailbox gets an access token: a pluggable `TokenFlow`, so providers with other
// flows (client credentials, a JWT bearer assertion, a vendor SDK) can be added beside the default,
// the standard refresh-token grant (RFC 6749 §6) POSTed with Node's fetch. This is the HTTP edge;
// what the answer means is decided by the pure src/oauth2/token.ts.
import { interpretTokenResponse, OAuthError, endpointLabel, refreshRequestBody, type OAuth2Client, type OAuth2Secret, type TokenGrant } from './token.js';

export interface TokenRequest {
  client: OAuth2Client;
  secret: OAuth2Secret;
  /** The IMAP login, for flows that obtain a token on behalf of a user. */
  user: string;
}

/**
 * Obtains a fresh access token. Throws an `OAuthError`: `E_IMAP_OAUTH` when the provider refuses
 * (never retried), `E_IMAP_OAUTH_UNREACHABLE` when it cannot be reached (retried). A returned
 * `refreshToken` replaces the stored one before the access token is used.
 */
export type TokenFlow = (req: TokenRequest) => Promise<TokenGrant>;

/** A token request that takes longer than this is abandoned (and retried later). */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

export interface RefreshGrantOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** The standard refresh-token grant: `grant_type=refresh_token`, client_secret_post, JSON answer. */
export function refreshTokenGrant(opts: RefreshGrantOptions = {}): TokenFlow {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  return async ({ client, secret }) => {
    const requestedAt = now();
    let status: number;
    let text: string;
    try {
      const res = await doFetch(client.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: refreshRequestBody(client, secret).toString(),
        // A redirect would carry the refresh token and client secret to another URL: never follow.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new OAuthError('E_IMAP_OAUTH_UNREACHABLE', `không kết nối được máy chủ cấp token / cannot reach the OAuth2 token endpoint ${endpointLabel(client.tokenUrl)}: ${why}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return interpretTokenResponse(client.tokenUrl, status, body, requestedAt);
  };
}

export const defaultTokenFlow: TokenFlow = refreshTokenGrant();
