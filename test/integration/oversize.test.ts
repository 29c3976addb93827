// A message over sync.max_message_bytes is recorded with its headers and flagged `over_limit`,
// never dropped silently and never fetched whole.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { loadConfig } from '../../src/config/config.js';

const USER = 'it-oversize';
const PASSWORD = 'oversize-pw';

describe('a message over the size cap', () => {
  let t: TestEnv;
  let db: pg.Client;

  beforeAll(async () => {
    t = await createTestEnv('oversize');
    const override = path.join(t.rawStore, 'limits.yaml');
    writeFileSync(override, 'sync:\n  max_message_bytes: 50000\n');
    t.env.EDOCWATCH_CONFIG = override;
    t.config = loadConfig(t.env);
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    const head = (i: number) => `From: stc@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Ho so ${i}/STC-NS\r\nMessage-ID: <big-${i}@stc.sonminh.gov.vn>\r\nDate: Thu, 13 Aug 2026 09:00:00 +0700\r\n\r\n`;
    await c.append('INBOX', Buffer.from(`${head(1)}So Tai chinh gui Cong van so 1/STC-NS.\r\n`));
    await c.append('INBOX', Buffer.from(`${head(2)}${'Phu luc dinh kem. '.repeat(6000)}\r\n`));
    await c.logout();
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_OVERSIZE_PW = PASSWORD;
    expect((await cli('mailbox', 'add', '--agency', '000.00.02.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', USER, '--password-env', 'IT_OVERSIZE_PW')).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('stores the headers only, marks it over_limit with the reason, and analyzes the rest', async () => {
    expect((await cli('sync')).code).toBe(0);
    const { rows } = await db.query<{ message_id: string; state: string; state_reason: string | null; size: number; stored: number }>(
      `SELECT m.message_id, m.state, m.state_reason, m.size, r.size AS stored FROM messages m JOIN raw_objects r ON r.sha256 = m.sha256 ORDER BY m.message_id`,
    );
    expect(rows.map((r) => [r.message_id, r.state])).toEqual([['<big-1@stc.sonminh.gov.vn>', 'analyzed'], ['<big-2@stc.sonminh.gov.vn>', 'over_limit']]);
    const big = rows[1];
    expect(big?.size).toBeGreaterThan(50_000);
    expect(big?.stored).toBeLessThan(1_000);
    expect(big?.state_reason).toMatch(/> max_message_bytes 50000: headers only/);
    const s = JSON.parse((await cli('status', '--json')).stdout) as { messages: Record<string, number> };
    expect(s.messages).toMatchObject({ total: 2, analyzed: 1, over_limit: 1, pending: 0 });
  });
});
