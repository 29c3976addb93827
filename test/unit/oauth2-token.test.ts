// The pure part of OAuth2 mailboxes: the sealed document, when a cached token is reused, the refresh
// request, and what a token endpoint's answers mean. Also the HTTP edge with a stubbed fetch.
import { describe, expect, it } from 'vitest';
import { SecretKeyError } from '../../src/crypto/secrets.js';
import { refreshTokenGrant } from '../../src/oauth2/flows.js';
import {
  applyGrant,
  EXPIRY_SKEW_MS,
  interpretTokenResponse,
  newSecret,
  OAuthError,
  parseSecret,
  refreshRequestBody,
  serializeSecret,
  tokenUrlProblem,
  usableAccessToken,
  type OAuth2Client,
} from '../../src/oauth2/token.js';

const URL_ = 'https://login.example.gov.vn/oauth2/token';
const client: OAuth2Client = { tokenUrl: URL_, clientId: 'edocwatch', scope: null };
const T0 = Date.UTC(2026, 8, 15, 2, 0, 0);

function caught(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected an OAuthError');
}

describe('the sealed OAuth2 document', () => {
  it('round-trips through JSON', () => {
    const s = applyGrant(newSecret('rt-1', 'cs'), { accessToken: 'at-1', expiresAt: T0 + 3_600_000, refreshToken: null });
    expect(parseSecret(serializeSecret(s))).toEqual(s);
  });

  it('refuses a password or an unknown document as an OAuth2 credential', () => {
    expect(() => parseSecret('hunter2')).toThrow(SecretKeyError);
    expect(() => parseSecret('{"v":2,"refreshToken":"x"}')).toThrow(/unknown format/);
    expect(() => parseSecret(JSON.stringify({ ...newSecret('', null) }))).toThrow(SecretKeyError);
  });
});

describe('when the cached access token is used', () => {
  const s = applyGrant(newSecret('rt', null), { accessToken: 'at', expiresAt: T0 + 10 * 60_000, refreshToken: null });

  it('reuses it while more than the skew is left', () => {
    expect(usableAccessToken(s, T0)).toBe('at');
    expect(usableAccessToken(s, T0 + 10 * 60_000 - EXPIRY_SKEW_MS - 1)).toBe('at');
  });

  it('refreshes within the last minute, after expiry, and when the lifetime is unknown or none is cached', () => {
    expect(EXPIRY_SKEW_MS).toBe(60_000);
    expect(usableAccessToken(s, T0 + 10 * 60_000 - EXPIRY_SKEW_MS)).toBeNull();
    expect(usableAccessToken(s, T0 + 11 * 60_000)).toBeNull();
    expect(usableAccessToken({ ...s, accessTokenExpiresAt: null }, T0)).toBeNull();
    expect(usableAccessToken(newSecret('rt', null), T0)).toBeNull();
  });

  it('keeps the refresh token unless the provider rotated it', () => {
    const kept = applyGrant(s, { accessToken: 'at-2', expiresAt: null, refreshToken: null });
    expect(kept.refreshToken).toBe('rt');
    const rotated = applyGrant(s, { accessToken: 'at-3', expiresAt: T0, refreshToken: 'rt-2' });
    expect(rotated).toEqual({ v: 1, refreshToken: 'rt-2', clientSecret: null, accessToken: 'at-3', accessTokenExpiresAt: T0 });
  });
});

describe('the refresh request (RFC 6749 §6)', () => {
  it('is a refresh_token grant with the client in the body', () => {
    const b = refreshRequestBody({ ...client, scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access' }, { refreshToken: 'r/t+1=', clientSecret: 's&c' });
    expect(Object.fromEntries(b)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r/t+1=',
      client_id: 'edocwatch',
      client_secret: 's&c',
      scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
    });
    expect(b.toString()).toContain('refresh_token=r%2Ft%2B1%3D');
  });

  it('sends no secret for a public client and no scope unless configured', () => {
    expect([...refreshRequestBody(client, { refreshToken: 'rt', clientSecret: null }).keys()]).toEqual(['grant_type', 'refresh_token', 'client_id']);
  });
});

describe('token endpoint answers', () => {
  it('takes a bearer token, its lifetime from the request time, and a rotated refresh token', () => {
    expect(interpretTokenResponse(URL_, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 3599, refresh_token: 'rt-2' }, T0)).toEqual({
      accessToken: 'at',
      expiresAt: T0 + 3_599_000,
      refreshToken: 'rt-2',
    });
    // A lifetime as a string (some providers), no rotation, no lifetime at all.
    expect(interpretTokenResponse(URL_, 200, { access_token: 'at', token_type: 'bearer', expires_in: '60' }, T0).expiresAt).toBe(T0 + 60_000);
    expect(interpretTokenResponse(URL_, 200, { access_token: 'at', token_type: 'Bearer' }, T0)).toEqual({ accessToken: 'at', expiresAt: null, refreshToken: null });
  });

  it('refuses a success that cannot be used, without retry', () => {
    for (const body of [undefined, {}, { access_token: '', token_type: 'Bearer' }, { access_token: 'at', token_type: 'mac' }, { access_token: 'at', token_type: 'Bearer', expires_in: -5 }]) {
      const e = caught(() => interpretTokenResponse(URL_, 200, body, T0));
      expect(e.code).toBe('E_IMAP_OAUTH');
      expect(e.message).toMatch(/unusable token response/);
    }
  });

  it('names invalid_grant in one line with what to do, never retried', () => {
    const e = caught(() => interpretTokenResponse(URL_, 400, { error: 'invalid_grant', error_description: 'Token has been\nexpired or revoked.' }, T0));
    expect(e.code).toBe('E_IMAP_OAUTH');
    expect(e.exitCode).toBe(3);
    expect(e.oauthError).toBe('invalid_grant');
    expect(e.message).toBe(
      'OAuth2 bị từ chối / OAuth2 token refresh refused by https://login.example.gov.vn/oauth2/token: invalid_grant (Token has been expired or revoked.) — the refresh token is expired, revoked or already used: the mailbox owner must consent again and a new refresh token be stored',
    );
    expect(caught(() => interpretTokenResponse(URL_, 401, { error: 'invalid_client' }, T0)).message).toMatch(/client id or client secret/);
    expect(caught(() => interpretTokenResponse(URL_, 404, undefined, T0)).message).toMatch(/HTTP 404 without an OAuth2 error/);
  });

  it('retries what the provider may recover from', () => {
    for (const status of [500, 502, 503, 429]) expect(caught(() => interpretTokenResponse(URL_, status, undefined, T0)).code).toBe('E_IMAP_OAUTH_UNREACHABLE');
    expect(caught(() => interpretTokenResponse(URL_, 400, { error: 'temporarily_unavailable' }, T0)).code).toBe('E_IMAP_OAUTH_UNREACHABLE');
  });

  it('never shows the query of the token URL, and keeps a long description short', () => {
    const e = caught(() => interpretTokenResponse('https://idp.example/token?key=SECRET', 400, { error: 'invalid_request', error_description: 'x'.repeat(500) }, T0));
    expect(e.message).not.toContain('SECRET');
    expect(e.message).toContain('https://idp.example/token:');
    expect(e.message.length).toBeLessThan(400);
  });
});

describe('token URLs', () => {
  it('wants https, allows http to loopback only, and no credentials inside', () => {
    expect(tokenUrlProblem('https://login.microsoftonline.com/common/oauth2/v2.0/token')).toBeNull();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token')).toBeNull();
    expect(tokenUrlProblem('http://localhost/token')).toBeNull();
    expect(tokenUrlProblem('http://[::1]:9/token')).toBeNull();
    expect(tokenUrlProblem('http://idp.example/token')).toMatch(/https/);
    expect(tokenUrlProblem('https://u:p@idp.example/token')).toMatch(/user name or password/);
    expect(tokenUrlProblem('idp.example/token')).toBe('is not a URL');
    expect(tokenUrlProblem('ftp://idp.example/token')).toMatch(/https/);
  });
});

async function failure(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected an OAuthError');
}

describe('the refresh-token grant over HTTP (stubbed fetch)', () => {
  const secret = newSecret('rt-1', 'cs-1');
  const grant = (fetchImpl: typeof fetch) => refreshTokenGrant({ fetch: fetchImpl, now: () => T0 })({ client, secret, user: 'u' });

  it('POSTs a form, does not follow redirects, and reads the JSON answer', async () => {
    let seen: { url: string; init: RequestInit } | null = null;
    const g = await grant(async (url, init) => {
      seen = { url: String(url), init: init ?? {} };
      return new Response(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    expect(g).toEqual({ accessToken: 'at', expiresAt: T0 + 3_600_000, refreshToken: null });
    const s = seen as unknown as { url: string; init: RequestInit };
    expect(s.url).toBe(URL_);
    expect(s.init.method).toBe('POST');
    expect((s.init.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect(s.init.redirect).toBe('manual');
    expect(Object.fromEntries(new URLSearchParams(String(s.init.body)))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'edocwatch', client_secret: 'cs-1' });
  });

  it('turns a network failure into a retryable error that names the endpoint, not the secrets', async () => {
    const err = await failure(
      grant(async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      }),
    );
    expect(err.code).toBe('E_IMAP_OAUTH_UNREACHABLE');
    expect(err.message).toBe('không kết nối được máy chủ cấp token / cannot reach the OAuth2 token endpoint https://login.example.gov.vn/oauth2/token: ECONNREFUSED');
    expect(err.message).not.toMatch(/rt-1|cs-1/);
  });

  it('reports a timeout as retryable', async () => {
    const hang: typeof fetch = (_u, init) => new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const e = await failure(refreshTokenGrant({ timeoutMs: 20, fetch: hang })({ client, secret, user: 'u' }));
    expect(e.code).toBe('E_IMAP_OAUTH_UNREACHABLE');
    expect(e.message).toMatch(/no answer within 20 ms/);
  });

  it('refuses an HTML page (a wrong URL) and a redirect without retry', async () => {
    const html = await failure(grant(async () => new Response('<html>login</html>', { status: 200 })));
    expect(html.code).toBe('E_IMAP_OAUTH');
    expect(html.message).toMatch(/unusable token response \(not JSON\)/);
    const moved = await failure(grant(async () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } })));
    expect(moved.code).toBe('E_IMAP_OAUTH');
    expect(moved.message).toMatch(/HTTP 302/);
  });
});
