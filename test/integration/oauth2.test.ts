// OAuth2 mailboxes against real services: a private Dovecot that accepts only SASL XOAUTH2 and asks
// a loopback provider of the test's own (node:http) about every token, Postgres, Redis and the built
// command. The provider rotates the refresh token on each refresh and rejects a used one, so a
// rotated token that was not persisted, or an old one used again, shows up.
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, unseal } from '../../src/crypto/secrets.js';
import { getMailbox } from '../../src/db/mailboxes.js';
import { createPool } from '../../src/db/pool.js';
import { IdleWatcher } from '../../src/imap/idle.js';
import { imapSettingsOf } from '../../src/jobs/sync.js';
import { createLogger } from '../../src/logger.js';
import { accessTokenFor } from '../../src/oauth2/access-token.js';
import { parseSecret, serializeSecret, type OAuth2Secret } from '../../src/oauth2/token.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startOAuthDovecot, type OAuthDovecot } from '../helpers/oauth-dovecot.js';
import { FakeOAuthProvider } from '../helpers/oauth-provider.js';

const USER = 'it-oauth';
const AGENCY = '000.00.03.H30';
const CLIENT_ID = 'edocwatch-test-client';
const CLIENT_SECRET = 'cs-of-the-test-0123456789';
const STACK = /\n\s+at .+[(:]\d+/;

const mail = (i: number) =>
  Buffer.from(
    `From: stp@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${i}/STP-VP\r\nMessage-ID: <oauth-${i}@stp.sonminh.gov.vn>\r\nDate: Fri, 14 Aug 2026 09:00:00 +0700\r\n\r\nSo Tu phap gui Cong van so ${i}/STP-VP.\r\n`,
  );

describe('OAuth2 (SASL XOAUTH2) mailboxes', () => {
  let provider: FakeOAuthProvider;
  let dc: OAuthDovecot;
  let t: TestEnv;
  let env: NodeJS.ProcessEnv;
  let key: Buffer;
  let db: pg.Client;
  let id = 0;

  /** Puts mail in INBOX over XOAUTH2 with a token minted for the test (the server knows no password). */
  const append = async (...nums: number[]) => {
    const c = new ImapFlow({ host: dc.host, port: dc.port, secure: false, doSTARTTLS: false, auth: { user: USER, accessToken: provider.mintAccessToken(USER) }, logger: false });
    await c.connect();
    try {
      for (const n of nums) await c.append('INBOX', mail(n));
    } finally {
      await c.logout();
    }
  };
  const add = (extra: string[], more: NodeJS.ProcessEnv = {}, input?: string) =>
    spawnCli(
      ['mailbox', 'add', '--agency', AGENCY, '--host', dc.host, '--port', String(dc.port), '--no-tls', '--user', USER, ...extra],
      { ...env, ...more },
      input,
    );
  const oauthArgs = (...extra: string[]) => ['--auth', 'oauth2', '--token-url', provider.tokenUrl, '--client-id', CLIENT_ID, '--client-secret-env', 'CS', ...extra];
  const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;
  const mailboxRows = () => count('SELECT count(*)::int AS n FROM mailboxes');
  const messageRows = () => count('SELECT count(*)::int AS n FROM messages WHERE mailbox_id = $1', [id]);
  const stored = async (): Promise<{ raw: Buffer; secret: OAuth2Secret }> => {
    const { rows } = await db.query<{ secret_enc: Buffer }>('SELECT secret_enc FROM mailboxes WHERE id = $1', [id]);
    const raw = rows[0]?.secret_enc as Buffer;
    return { raw, secret: parseSecret(unseal(raw, key)) };
  };
  /** Rewrites the sealed document, as time passing (an access token near its end) would leave it. */
  const rewrite = async (f: (s: OAuth2Secret) => OAuth2Secret) => {
    const { secret } = await stored();
    await db.query('UPDATE mailboxes SET secret_enc = $2 WHERE id = $1', [id, seal(serializeSecret(f(secret)), key)]);
  };
  const xoauth2Logins = () => dc.log().split('\n').filter((l) => l.includes(`Login: user=<${USER}>, method=XOAUTH2`)).length;

  beforeAll(async () => {
    provider = await FakeOAuthProvider.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    dc = await startOAuthDovecot(provider.introspectionUrl);
    t = await createTestEnv('oauth2');
    env = { ...t.env, CS: CLIENT_SECRET };
    key = Buffer.from(t.env.EDOCWATCH_SECRET_KEY as string, 'base64');
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], env)).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    await append(1, 2);
  });

  afterAll(async () => {
    await db?.end();
    await dc?.stop();
    await provider?.close();
  });

  it('refuses misused options with exit 2, before any request or row', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, string | undefined, RegExp]> = [
      [['--auth', 'oauth2', '--client-id', CLIENT_ID, '--refresh-token-env', 'RT'], { RT: 'x' }, undefined, /needs --token-url/],
      [oauthArgs('--refresh-token-env', 'RT', '--password-env', 'RT'), { RT: 'x' }, undefined, /--password-env: .*not with --auth oauth2/],
      [oauthArgs(), {}, undefined, /a refresh token is needed/],
      [oauthArgs('--refresh-token-env', 'NOPE'), {}, undefined, /environment variable NOPE is not set/],
      [['--auth', 'oauth2', '--token-url', 'http://idp.example/token', '--client-id', CLIENT_ID, '--refresh-token-env', 'RT'], { RT: 'x' }, undefined, /--token-url must be https/],
      [['--auth', 'oauth2', '--token-url', provider.tokenUrl, '--client-id', CLIENT_ID, '--refresh-token-stdin', '--client-secret-stdin'], {}, 'x\n', /only one secret can come from standard input/],
      [['--password-env', 'PW', '--token-url', provider.tokenUrl], { PW: 'pw' }, undefined, /--token-url: .*only with --auth oauth2/],
      [['--auth', 'kerberos', '--password-env', 'PW'], { PW: 'pw' }, undefined, /Allowed choices are password, oauth2/],
    ];
    const results = await Promise.all(cases.map(([args, more, input]) => add(args, more, input)));
    cases.forEach(([args, , , message], i) => {
      expect(results[i]?.code, args.join(' ')).toBe(2);
      expect(results[i]?.stderr).toMatch(message);
    });
    expect(provider.stats.tokenRequests).toBe(0);
    expect(await mailboxRows()).toBe(0);
  });

  it('refuses a dead refresh token in one line with exit 3, saving nothing', async () => {
    const r = await add(oauthArgs('--refresh-token-stdin'), {}, 'rt.never-issued\n');
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^edocwatch: OAuth2 bị từ chối \/ OAuth2 token refresh refused by http:\/\/127\.0\.0\.1:\d+\/oauth2\/token: invalid_grant \(unknown refresh token\) — the refresh token is expired, revoked or already used/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain(CLIENT_SECRET);
    expect(await mailboxRows()).toBe(0);
  });

  it('adds a mailbox: one refresh, an XOAUTH2 login, the rotated refresh token stored sealed', async () => {
    const initial = provider.consent(USER);
    const r = await add(oauthArgs('--refresh-token-env', 'RT'), { RT: initial, LOG_LEVEL: 'trace' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/connection OK \(XOAUTH2\); folders: INBOX, Sent/);
    id = Number(r.stdout.trim());
    expect(id).toBeGreaterThan(0);
    expect(provider.stats.refreshes).toBe(1);
    // The test's own append, then the command's connection test.
    await expect.poll(xoauth2Logins).toBeGreaterThanOrEqual(2);
    // Rotation: the token given is dead; the one stored is the provider's current one.
    expect(provider.refreshTokenState(initial)).toBe('used');
    const { raw, secret } = await stored();
    expect(secret.refreshToken).toBe(provider.activeRefreshToken(USER));
    expect(secret.clientSecret).toBe(CLIENT_SECRET);
    expect(secret.accessToken).not.toBeNull();
    expect(secret.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 3_000_000);
    for (const s of [initial, secret.refreshToken, secret.accessToken as string, CLIENT_SECRET]) {
      expect(raw.includes(Buffer.from(s))).toBe(false);
      expect(r.stdout + r.stderr).not.toContain(s);
    }
    const row = (await db.query('SELECT auth_kind, oauth_token_url, oauth_client_id, oauth_scope FROM mailboxes WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ auth_kind: 'oauth2', oauth_token_url: provider.tokenUrl, oauth_client_id: CLIENT_ID, oauth_scope: null });
    const list = JSON.parse((await spawnCli(['mailbox', 'list', '--json'], env)).stdout) as Array<{ id: number; auth: string }>;
    expect(list.find((m) => m.id === id)?.auth).toBe('oauth2');
  });

  it('syncs over XOAUTH2 with the cached access token, without refreshing', async () => {
    const introspections = provider.stats.introspections;
    const r = await spawnCli(['sync', '--mailbox', String(id)], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await messageRows()).toBe(2);
    expect(provider.stats.refreshes).toBe(1);
    expect(provider.stats.introspections).toBeGreaterThan(introspections);
    expect(provider.stats.inactiveIntrospections).toBe(0);
  });

  it('refreshes an access token near its end, persists the rotated refresh token and never uses the old one again', async () => {
    const before = (await stored()).secret;
    // 30 s left: inside the one-minute margin. The provider ends it too, so using it would fail.
    await rewrite((s) => ({ ...s, accessTokenExpiresAt: Date.now() + 30_000 }));
    provider.expireAccessTokens(USER);
    await append(3);
    const r = await spawnCli(['sync', '--mailbox', String(id)], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await messageRows()).toBe(3);
    expect(provider.stats.refreshes).toBe(2);
    const after = (await stored()).secret;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(provider.activeRefreshToken(USER));
    expect(provider.refreshTokenState(before.refreshToken)).toBe('used');
    // A second pass finds a good token: no refresh, and the dead one is never presented.
    expect((await spawnCli(['sync', '--mailbox', String(id)], env)).code).toBe(0);
    expect(provider.stats.refreshes).toBe(2);
    expect(provider.stats.reuse).toBe(0);
    expect(provider.stats.inactiveIntrospections).toBe(0);
  });

  it('refreshes once when many connections need a token at the same moment (row lock)', async () => {
    await rewrite((s) => ({ ...s, accessTokenExpiresAt: Date.now() - 1 }));
    const refreshes = provider.stats.refreshes;
    const pool = createPool(t.databaseUrl, 12);
    try {
      const tokens = await Promise.all(Array.from({ length: 8 }, () => accessTokenFor(pool, id, key)));
      expect(new Set(tokens).size).toBe(1);
      expect(provider.stats.refreshes).toBe(refreshes + 1);
      expect(provider.stats.reuse).toBe(0);
      expect((await stored()).secret.accessToken).toBe(tokens[0]);
    } finally {
      await pool.end();
    }
    // `mailbox test` logs in with the cached token.
    const r = await spawnCli(['mailbox', 'test', String(id)], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/connection OK: it-oauth@127\.0\.0\.1:\d+/);
    expect(provider.stats.refreshes).toBe(refreshes + 1);
  });

  it('keeps an IDLE connection over XOAUTH2, with settings made for each connection', async () => {
    const pool = createPool(t.databaseUrl, 4);
    const mb = await getMailbox(pool, id);
    if (!mb) throw new Error('mailbox gone');
    let calls = 0;
    let made = 0;
    const w = new IdleWatcher(
      () => {
        made++;
        return imapSettingsOf(mb, t.config, key, pool);
      },
      () => calls++,
      createLogger('silent'),
    );
    const logins = xoauth2Logins();
    w.start();
    try {
      const deadline = Date.now() + 15_000;
      while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBeGreaterThan(0);
      expect(made).toBe(1);
      // Dovecot's log process writes the login line a moment later.
      while (xoauth2Logins() === logins && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(xoauth2Logins()).toBe(logins + 1);
    } finally {
      await w.stop();
      await pool.end();
    }
  });

  it('drops an access token the server refused, so the next pass refreshes instead of failing until it expires', async () => {
    const cached = (await stored()).secret;
    expect(cached.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 600_000);
    // Revoked early on the provider's side: Dovecot's introspection now says inactive.
    provider.expireAccessTokens(USER);
    const refreshes = provider.stats.refreshes;
    const failed = await spawnCli(['sync', '--mailbox', String(id)], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/IMAP login refused for it-oauth at 127\.0\.0\.1:\d+: the OAuth2 access token was not accepted \(XOAUTH2\)/);
    expect(provider.stats.refreshes).toBe(refreshes);
    const after = (await stored()).secret;
    expect(after.accessToken).toBeNull();
    expect(after.refreshToken).toBe(cached.refreshToken);
    const ok = await spawnCli(['sync', '--mailbox', String(id)], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(provider.stats.refreshes).toBe(refreshes + 1);
    expect(provider.stats.reuse).toBe(0);
  });

  it('re-seals the OAuth2 document with a new key (mailbox rotate-key)', async () => {
    const before = (await stored()).secret;
    const newKey = randomBytes(32);
    const r = await spawnCli(['mailbox', 'rotate-key'], { ...env, EDOCWATCH_OLD_SECRET_KEY: key.toString('base64'), EDOCWATCH_SECRET_KEY: newKey.toString('base64') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('re-sealed 1 mailbox credential');
    const stale = await spawnCli(['mailbox', 'test', String(id)], env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('cannot decrypt a mailbox credential');
    key = newKey;
    env = { ...env, EDOCWATCH_SECRET_KEY: newKey.toString('base64') };
    expect((await stored()).secret).toEqual(before);
    expect((await spawnCli(['mailbox', 'test', String(id)], env)).code).toBe(0);
  });

  it('a revoked grant: invalid_grant in one line, not retried, no partial rows', async () => {
    provider.revoke(USER);
    await rewrite((s) => ({ ...s, accessTokenExpiresAt: Date.now() - 1 }));
    const before = (await stored()).secret;
    await append(4);
    const messages = await messageRows();
    const requests = provider.stats.tokenRequests;

    const s = await spawnCli(['sync', '--mailbox', String(id)], env);
    expect(s.code).toBe(1);
    expect(s.stderr).not.toMatch(STACK);
    const line = s.stderr.trim().split('\n').find((l) => l.startsWith('edocwatch: '));
    expect(line).toMatch(/^edocwatch: 1 hộp thư lỗi \/ mailbox\(es\) failed: \d+: OAuth2 bị từ chối \/ OAuth2 token refresh refused by .*: invalid_grant \(Token has been expired or revoked\.\)/);
    // Unrecoverable: one request, not the queue's five attempts.
    expect(provider.stats.tokenRequests).toBe(requests + 1);
    expect(await messageRows()).toBe(messages);
    const last = (await db.query<{ last_error: string }>('SELECT last_error FROM mailboxes WHERE id = $1', [id])).rows[0]?.last_error;
    expect(last).toMatch(/invalid_grant/);
    // The stored grant is left as it was (nothing half-written).
    expect((await stored()).secret).toEqual(before);

    const m = await spawnCli(['mailbox', 'test', String(id)], env);
    expect(m.code).toBe(3);
    expect(m.stderr.trim().split('\n')).toHaveLength(1);
    expect(m.stderr).toMatch(/^edocwatch: OAuth2 bị từ chối .*invalid_grant/);
    expect(provider.stats.reuse).toBe(0);
  });
});
