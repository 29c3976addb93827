// An IDLE connection that dies silently (a NAT or firewall forgets it: no FIN, no RST, no byte) is
// noticed and replaced: the periodic IDLE renewal gets no answer, the socket times out, the watcher
// reconnects, and mail that arrives afterwards is synced long before the next scheduled poll.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { appendMail, untilAnalyzed } from '../helpers/mailbox.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';

const USER = 'it-idle-dead';
const PASSWORD = 'idle-dead-pw';

const append = (i: number) =>
  appendMail(USER, PASSWORD, 'INBOX', [
    Buffer.from(`From: syt@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Cong van ${i}/SYT-VP\r\nMessage-ID: <idle-dead-${i}@syt.sonminh.gov.vn>\r\nDate: Fri, 14 Aug 2026 09:00:00 +0700\r\n\r\nSo Y te gui Cong van so ${i}/SYT-VP.\r\n`),
  ]);

describe('an IDLE connection that died silently', () => {
  let t: TestEnv;
  let db: pg.Client;
  let proxy: TcpProxy;
  let connections = 0;

  beforeAll(async () => {
    t = await createTestEnv('idle_dead');
    const override = path.join(t.rawStore, 'idle.yaml');
    // IDLE renewed every 2 s; 4 s without an answer is a dead connection.
    writeFileSync(override, 'sync:\n  idle_restart_seconds: 2\n  socket_timeout_ms: 4000\n');
    t.env.EDOCWATCH_CONFIG = override;
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    proxy = await startTcpProxy(devDovecot().port, (_chunk, received) => {
      if (received === _chunk.length) connections++;
      return true;
    });
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
    const add = await spawnCli(
      ['mailbox', 'add', '--agency', '000.00.02.H30', '--host', '127.0.0.1', '--port', String(proxy.port), '--no-tls', '--user', USER, '--password-env', 'PW'],
      { ...t.env, PW: PASSWORD },
    );
    expect(add.code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await proxy?.close();
  });

  it('reconnects and syncs the mail that arrives after the silent death', async () => {
    await append(1);
    const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'sync,analyze'], {
      env: { ...t.env, EDOCWATCH_POLL_SECONDS: '3600', EDOCWATCH_IDLE: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await untilAnalyzed(db, 1, 30_000)).toBe(1);
      // Let the first poll's sync connection end, so that only the IDLE connection is open.
      await new Promise((r) => setTimeout(r, 1_000));
      const before = connections;
      proxy.freeze();
      await append(2);
      // Not through the frozen connection: through the one the watcher opens after the timeout.
      expect(await untilAnalyzed(db, 2, 30_000)).toBe(2);
      expect(connections).toBeGreaterThan(before);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    expect(n.rows[0]?.n).toBe(2);
  }, 90_000);
});
