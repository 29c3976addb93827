// A loopback OAuth2 provider of the tests' own (node:http), strict the way real ones are: a token
// endpoint for the refresh-token grant (RFC 6749 §6) that rotates the refresh token on every
// refresh and rejects a used one (counting the reuse, as a provider with reuse detection would),
// and an introspection endpoint (RFC 7662, POST token=…) that a Dovecot oauth2 passdb asks about
// each access token presented over XOAUTH2.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ProviderOptions {
  clientId: string;
  clientSecret: string;
  /** expires_in of new access tokens (seconds); may be changed while running. */
  accessTtlSeconds?: number;
}

type RefreshState = 'active' | 'used' | 'revoked';

export interface ProviderStats {
  /** Every POST to the token endpoint. */
  tokenRequests: number;
  /** Successful refreshes (a new access and refresh token issued). */
  refreshes: number;
  /** Refreshes refused with an OAuth2 error. */
  refused: number;
  /** A refresh token presented again after it was rotated away. */
  reuse: number;
  introspections: number;
  /** Introspections of a token that was not active (expired, revoked, unknown). */
  inactiveIntrospections: number;
}

const token = (prefix: string) => `${prefix}.${randomBytes(24).toString('base64url')}`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export class FakeOAuthProvider {
  readonly stats: ProviderStats = { tokenRequests: 0, refreshes: 0, refused: 0, reuse: 0, introspections: 0, inactiveIntrospections: 0 };
  accessTtlSeconds: number;
  private readonly refreshTokens = new Map<string, { user: string; state: RefreshState }>();
  private readonly accessTokens = new Map<string, { user: string; expiresAt: number }>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private port = 0;

  private constructor(private readonly opts: ProviderOptions) {
    this.accessTtlSeconds = opts.accessTtlSeconds ?? 3600;
  }

  static async start(opts: ProviderOptions): Promise<FakeOAuthProvider> {
    const p = new FakeOAuthProvider(opts);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/oauth2/token`;
  }

  get introspectionUrl(): string {
    return `http://127.0.0.1:${this.port}/oauth2/introspect`;
  }

  /** The user consents: a new refresh token, as the authorization-code step would give. */
  consent(user: string): string {
    const rt = token('rt');
    this.refreshTokens.set(rt, { user, state: 'active' });
    return rt;
  }

  /** The one refresh token of `user` that still works, if any. */
  activeRefreshToken(user: string): string | undefined {
    for (const [rt, v] of this.refreshTokens) if (v.user === user && v.state === 'active') return rt;
    return undefined;
  }

  refreshTokenState(rt: string): RefreshState | undefined {
    return this.refreshTokens.get(rt)?.state;
  }

  /** An access token issued directly (the test's own IMAP session to put mail in). */
  mintAccessToken(user: string): string {
    const at = token('at');
    this.accessTokens.set(at, { user, expiresAt: Date.now() + this.accessTtlSeconds * 1000 });
    return at;
  }

  /** Ends every access token of `user` now, as time passing would. */
  expireAccessTokens(user: string): void {
    for (const v of this.accessTokens.values()) if (v.user === user) v.expiresAt = 0;
  }

  /** The user (or an administrator) revokes the grant: every token of `user` stops working. */
  revoke(user: string): void {
    for (const v of this.refreshTokens.values()) if (v.user === user && v.state === 'active') v.state = 'revoked';
    this.expireAccessTokens(user);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const form = new URLSearchParams(body);
    const formEncoded = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (req.method === 'POST' && req.url === '/oauth2/introspect') {
      this.stats.introspections++;
      const at = this.accessTokens.get(form.get('token') ?? '');
      if (!at || at.expiresAt <= Date.now()) {
        this.stats.inactiveIntrospections++;
        return this.json(res, 200, { active: false });
      }
      return this.json(res, 200, { active: true, username: at.user, scope: 'mail', exp: Math.floor(at.expiresAt / 1000) });
    }
    if (req.method !== 'POST' || req.url !== '/oauth2/token') return this.json(res, 404, { error: 'not_found' });
    this.stats.tokenRequests++;
    const refuse = (status: number, error: string, description: string) => {
      this.stats.refused++;
      this.json(res, status, { error, error_description: description });
    };
    if (!formEncoded) return refuse(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    if (form.get('grant_type') !== 'refresh_token') return refuse(400, 'unsupported_grant_type', `grant_type ${form.get('grant_type')}`);
    if (form.get('client_id') !== this.opts.clientId || form.get('client_secret') !== this.opts.clientSecret)
      return refuse(401, 'invalid_client', 'client authentication failed');
    const rt = form.get('refresh_token') ?? '';
    const grant = this.refreshTokens.get(rt);
    if (!grant) return refuse(400, 'invalid_grant', 'unknown refresh token');
    if (grant.state === 'used') {
      this.stats.reuse++;
      return refuse(400, 'invalid_grant', 'refresh token already used');
    }
    if (grant.state === 'revoked') return refuse(400, 'invalid_grant', 'Token has been expired or revoked.');
    // Rotation: the presented token dies, a new one replaces it.
    grant.state = 'used';
    const next = token('rt');
    this.refreshTokens.set(next, { user: grant.user, state: 'active' });
    const at = token('at');
    this.accessTokens.set(at, { user: grant.user, expiresAt: Date.now() + this.accessTtlSeconds * 1000 });
    this.stats.refreshes++;
    return this.json(res, 200, { access_token: at, token_type: 'Bearer', expires_in: this.accessTtlSeconds, refresh_token: next, scope: 'mail' });
  }
}
