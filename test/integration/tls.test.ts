// TLS and STARTTLS: certificates are verified by default; a self-signed server is refused with one
// clear line unless the mailbox names the exception (--tls-insecure); STARTTLS asked for but not
// offered is refused, never silently downgraded to plaintext. The TLS server is a loopback
// TLS-terminating proxy of the test's own in front of the dev Dovecot, with a certificate made here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-tls';
const PASSWORD = 'tls-pw';

describe('TLS to the IMAP server', () => {
  let t: TestEnv;
  let server: Server;
  let port: number;
  let db: pg.Client;
  const dd = devDovecot();
  const add = (...extra: string[]) =>
    spawnCli(['mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--user', USER, '--password-env', 'PW', ...extra], { ...t.env, PW: PASSWORD });

  beforeAll(async () => {
    t = await createTestEnv('tls');
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const key = path.join(t.rawStore, 'key.pem');
    const cert = path.join(t.rawStore, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client: TLSSocket) => {
      const upstream: Socket = connect(dd.port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  const rows = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailboxes')).rows[0]?.n;

  it('refuses a self-signed certificate by default, in one line, saving nothing', async () => {
    const r = await add('--port', String(port), '--tls');
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^edocwatch: lỗi TLS \/ TLS failed with 127\.0\.0\.1:\d+: .*self.signed/i);
    expect(await rows()).toBe(0);
  });

  it('refuses STARTTLS that the server does not offer, instead of going on in plaintext', async () => {
    const r = await add('--port', String(dd.port), '--starttls');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/STARTTLS/);
    expect(await rows()).toBe(0);
  });

  it('connects through TLS when the mailbox names the exception, and syncs', async () => {
    const r = await add('--port', String(port), '--tls', '--tls-insecure');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('connection OK');
    const { rows: mb } = await db.query<{ security: string; tls_insecure: boolean }>('SELECT security, tls_insecure FROM mailboxes');
    expect(mb).toEqual([{ security: 'tls', tls_insecure: true }]);
    expect((await spawnCli(['sync'], t.env)).code).toBe(0);
  });
});
