// Long-running workers: `edocwatch worker --queues sync,analyze` polls every enabled mailbox on its
// own schedule (re-derived from Postgres at start), analyzes what it fetches, exports its jobs as
// Prometheus metrics on its own port, and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { BIN } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail, untilAnalyzed } from '../helpers/mailbox.js';

const USER = 'it-worker-snv';
const PASSWORD = 'worker-pass';

function mail(n: number): string {
  return [
    'From: Sở Tài chính <stc@sonminh.gov.vn>',
    'To: snv@sonminh.gov.vn',
    `Subject: =?UTF-8?B?${Buffer.from(`Công văn số ${100 + n}/STC-NS`).toString('base64')}?=`,
    `Message-ID: <worker-${n}@stc.sonminh.gov.vn>`,
    'Date: Tue, 04 Aug 2026 09:00:00 +0700',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Sở Tài chính gửi Công văn số ${100 + n}/STC-NS.`,
    '',
  ].join('\r\n');
}

/** A port nothing listens on now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const append = (n: number) => appendMail(USER, PASSWORD, 'INBOX', [Buffer.from(mail(n))]);
const until = (db: pg.Client, analyzed: number) => untilAnalyzed(db, analyzed);

describe('long-running workers', () => {
  let t: TestEnv;
  let db: pg.Client;

  beforeAll(async () => {
    t = await createTestEnv('worker');
    t.env.EDOCWATCH_POLL_SECONDS = '1';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.02.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('polls the mailbox on schedule, analyzes new mail, exports its jobs as metrics, and stops on SIGTERM', async () => {
    await append(1);
    await append(2);
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'sync,analyze'], { env: { ...t.env, EDOCWATCH_WORKER_METRICS_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await until(db, 2)).toBe(2);
      await append(3);
      expect(await until(db, 3)).toBe(3);
      const { rows } = await db.query<{ n: number }>('SELECT count(DISTINCT document_id)::int AS n FROM exchanges');
      expect(rows[0]?.n).toBe(3);
      // Three analyze jobs completed (the event may follow the commit by a moment), each timed.
      const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? NaN);
      await expect.poll(() => metric(/^edocwatch_worker_jobs_total\{queue="analyze",outcome="completed"\} (\d+)$/m)).toBe(3);
      expect(await metric(/^edocwatch_worker_job_duration_seconds_count\{queue="analyze",outcome="completed"\} (\d+)$/m)).toBe(3);
      expect(await metric(/^edocwatch_worker_jobs_total\{queue="sync",outcome="completed"\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect(await metric(/^edocwatch_worker_jobs_total\{queue="analyze",outcome="failed"\} (\d+)$/m)).toBe(0);
      expect(await metric(/^edocwatch_process_resident_memory_bytes (\d+)$/m)).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
