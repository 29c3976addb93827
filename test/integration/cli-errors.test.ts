// Bad input gets one clear message and a non-zero exit, never a stack trace, and leaves no partial
// rows: the built `edocwatch` binary run as an operator would run it.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, dropDatabase, type TestEnv } from '../helpers/env.js';

const STACK = /\n\s+at .+[(:]\d+/;

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('the command on bad input', () => {
  let t: TestEnv;
  let db: pg.Client;
  const dd = devDovecot();

  beforeAll(async () => {
    t = await createTestEnv('cli_errors');
    await ensureImapUser('it-cli-user', 'right-password', { reset: true });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const r = await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env);
    expect(r.code).toBe(0);
  });

  afterAll(async () => {
    await db?.end();
  });

  const mailboxRows = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailboxes')).rows[0]?.n;

  it('refuses a wrong IMAP password in one line and saves nothing', async () => {
    const r = await spawnCli(
      ['mailbox', 'add', '--agency', '000.00.03.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', 'it-cli-user', '--password-stdin'],
      t.env,
      'wrong-password\n',
    );
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^edocwatch: .*IMAP login refused for it-cli-user/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain('wrong-password');
    expect(await mailboxRows()).toBe(0);
  });

  it('reports an unreachable host (a closed loopback port)', async () => {
    const port = await closedPort();
    const r = await spawnCli(
      ['mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--port', String(port), '--no-tls', '--user', 'x', '--password-env', 'PW'],
      { ...t.env, PW: 'secret' },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/connection refused by 127\.0\.0\.1:\d+/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await mailboxRows()).toBe(0);
  });

  it('names an unknown agency code', async () => {
    const r = await spawnCli(
      ['mailbox', 'add', '--agency', '999.99.99.H99', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', 'it-cli-user', '--password-env', 'PW'],
      { ...t.env, PW: 'right-password' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown agency code 999.99.99.H99');
    expect(r.stderr).not.toMatch(STACK);
    expect(await mailboxRows()).toBe(0);
  });

  it('adds a mailbox with the right password and never prints it', async () => {
    const r = await spawnCli(
      ['mailbox', 'add', '--agency', '000.00.03.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', 'it-cli-user', '--password-env', 'PW'],
      { ...t.env, PW: 'right-password', LOG_LEVEL: 'trace' },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+$/);
    expect(r.stdout + r.stderr).not.toContain('right-password');
    const { rows } = await db.query<{ secret_enc: Buffer }>('SELECT secret_enc FROM mailboxes');
    expect(rows[0]?.secret_enc.includes(Buffer.from('right-password'))).toBe(false);
  });

  it('names a bad configuration value in one line and exits 2', async () => {
    const r = await spawnCli(['status'], { ...t.env, REDIS_URL: 'localhost:6379' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('edocwatch: cấu hình không hợp lệ / invalid configuration: redis_url (REDIS_URL): must be a URL starting with redis:// or rediss:// (got "localhost:6379")');
  });

  it('lists every bad configuration value and exits 2', async () => {
    const r = await spawnCli(['status'], { ...t.env, REDIS_URL: 'localhost', DATABASE_URL: 'mysql://x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_URL');
    expect(r.stderr).toContain('DATABASE_URL');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('rejects a directory file with bad rows and imports none of it', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = `${t.rawStore}/bad.yaml`;
    await writeFile(file, 'agencies:\n  - code: "000.00.50.H30"\n    name: "Sở Mới"\n    level: "ministry"\n    parent: "000.00.00.H30"\n');
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM agencies')).rows[0]?.n;
    const r = await spawnCli(['agency', 'import', file], t.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('level');
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM agencies')).rows[0]?.n).toBe(before);
  });

  it('refuses a malformed period and an unreadable file with exit 2', async () => {
    const p = await spawnCli(['stats', '--period', '2026-Q5'], t.env);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/2026-Q5/);
    const i = await spawnCli(['inspect', '/nonexistent/x.eml'], t.env);
    expect(i.code).toBe(2);
    expect(i.stderr).toContain('cannot read /nonexistent/x.eml');
  });

  it('says to run migrate when the database exists without the schema', async () => {
    const url = `${t.databaseUrl}_empty`;
    await dropDatabase(url);
    const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`);
    await admin.end();
    const s = await spawnCli(['status'], { ...t.env, DATABASE_URL: url });
    expect(s.code).toBe(3);
    expect(s.stderr.trim()).toMatch(/^edocwatch: chưa tạo lược đồ \/ the schema is missing in .* — run: edocwatch migrate$/);
    await dropDatabase(url);
  });

  it('says to run migrate when the database does not exist, and migrate creates it', async () => {
    const url = `${t.databaseUrl}_fresh`;
    await dropDatabase(url);
    const s = await spawnCli(['status'], { ...t.env, DATABASE_URL: url });
    expect(s.code).toBe(3);
    expect(s.stderr).toContain('run: edocwatch migrate');
    const m = await spawnCli(['migrate'], { ...t.env, DATABASE_URL: url });
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('created database');
    const again = await spawnCli(['migrate'], { ...t.env, DATABASE_URL: url });
    expect(again.stdout).toContain('schema is up to date');
    await dropDatabase(url);
  });
});

describe('rotating the key that seals mailbox credentials', () => {
  it('re-seals every credential with the new key, and the old key no longer opens them', async () => {
    const { randomBytes } = await import('node:crypto');
    const t = await createTestEnv('rotate_key');
    await ensureImapUser('it-rotate', 'rotate-pw', { reset: true });
    const dd = devDovecot();
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
    const oldKey = t.env.EDOCWATCH_SECRET_KEY as string;
    const id = (await spawnCli(['mailbox', 'add', '--agency', '000.00.03.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', 'it-rotate', '--password-env', 'PW'], { ...t.env, PW: 'rotate-pw' })).stdout.trim();
    const newKey = randomBytes(32).toString('base64');
    const r = await spawnCli(['mailbox', 'rotate-key'], { ...t.env, EDOCWATCH_SECRET_KEY: newKey, EDOCWATCH_OLD_SECRET_KEY: oldKey });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('re-sealed 1 mailbox credential');
    expect((await spawnCli(['mailbox', 'test', id], { ...t.env, EDOCWATCH_SECRET_KEY: newKey })).code).toBe(0);
    const stale = await spawnCli(['mailbox', 'test', id], { ...t.env, EDOCWATCH_SECRET_KEY: oldKey });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('cannot decrypt a mailbox credential');
    // A wrong "old" key changes nothing.
    const wrong = await spawnCli(['mailbox', 'rotate-key'], { ...t.env, EDOCWATCH_SECRET_KEY: oldKey, EDOCWATCH_OLD_SECRET_KEY: randomBytes(32).toString('base64') });
    expect(wrong.code).toBe(1);
    expect((await spawnCli(['mailbox', 'test', id], { ...t.env, EDOCWATCH_SECRET_KEY: newKey })).code).toBe(0);
  });
});
