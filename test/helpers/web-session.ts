// Signing in to the web app through Fastify's inject, as a browser would: the sign-in page gives
// the CSRF cookie and token, the form post gives the session cookie.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly app: FastifyInstance) {}

  cookieHeader(): string {
    return [...this.cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(r: LightMyRequestResponse): void {
    for (const c of r.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(r.body);
    if (m) this.csrf = m[1] as string;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const r = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } });
    this.keep(r);
    return r;
  }

  /** A state change; a DELETE may go without a body (`undefined`). */
  async send(method: 'POST' | 'PATCH' | 'DELETE', url: string, body: Record<string, unknown> | string | undefined, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const form = typeof body === 'string';
    const r = await this.app.inject({
      method,
      url,
      headers: { cookie: this.cookieHeader(), ...(body === undefined ? {} : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: body }),
    });
    this.keep(r);
    return r;
  }

  /** Signs in; returns the POST /login response. */
  async signIn(name: string, password: string): Promise<LightMyRequestResponse> {
    await this.get('/login');
    return this.send('POST', '/login', new URLSearchParams({ _csrf: this.csrf, name, password }).toString(), { accept: 'text/html' });
  }

  /** The CSRF token API clients send in x-csrf-token (GET /api/me). */
  async apiToken(): Promise<string> {
    const r = await this.get('/api/me');
    this.csrf = (r.json() as { csrf: string }).csrf;
    return this.csrf;
  }
}
