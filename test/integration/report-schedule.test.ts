// The quarterly and yearly reports on job schedulers: a `worker --queues report` process schedules
// them at 07:00 (07:30 for the year) local time on the first day of the next quarter; the firing is
// brought forward (the delayed job promoted), the reports arrive at a real SMTP receiver of the
// test's own with the figures of `stats`, and a second firing of the same quarter sends nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { parsePeriod } from '../../src/domain/period.js';
import { addOnce, redisConnection, type ReportPayload } from '../../src/queue/queues.js';
import { reportPeriodFor } from '../../src/report/schedule.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail } from '../helpers/mailbox.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';

const USER = 'it-report-schedule';
const PASSWORD = 'report-schedule-pw';
const LEADER = 'chutich@ubnd.sonminh.gov.vn';

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    v = await f();
  }
  return v;
}

describe('scheduled reports', () => {
  let t: TestEnv;
  let smtp: SmtpReceiver;
  let db: pg.Client;
  let worker: ChildProcess;
  let queue: Queue<ReportPayload>;
  // The next quarterly firing: 07:00 (00:00 UTC) on the first day of a quarter, the first one after now.
  const now = new Date();
  const quarterlyMillis = (() => {
    const local = new Date(now.getTime() + 7 * 3600_000);
    for (let k = 0; k < 2; k++) {
      const m = Math.floor(local.getUTCMonth() / 3) * 3 + 3 * k;
      const t = Date.UTC(local.getUTCFullYear() + Math.floor(m / 12), m % 12, 1, 0, 0);
      if (t > now.getTime()) return t;
    }
    throw new Error('unreachable');
  })();
  const nextQuarterStartLocal = { reported: reportPeriodFor('quarter', new Date(quarterlyMillis)) };
  const mailDate = new Date(Math.min(now.getTime() - 60_000, parsePeriod(nextQuarterStartLocal.reported).start.getTime() + 86_400_000));

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await createTestEnv('report_schedule');
    const override = path.join(t.rawStore, 'reports.yaml');
    writeFileSync(override, `reports:\n  from: "Sở Thông tin và Truyền thông <baocao@stttt.sonminh.gov.vn>"\n  recipients:\n    province: [${LEADER}]\n    agencies: {}\n`);
    t.env.EDOCWATCH_CONFIG = override;
    t.env.SMTP_URL = smtp.url;
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    // Mail of the quarter that the next firing reports on.
    const d = mailDate;
    await appendMail(USER, PASSWORD, 'INBOX', [1, 2, 3].map((n) => Buffer.from(
      `From: vanthu@snv.sonminh.gov.vn\r\nTo: vanthu@stc.sonminh.gov.vn\r\nSubject: Cong van ${n}/SNV-VP\r\nMessage-ID: <sched-${n}@snv.sonminh.gov.vn>\r\n` +
        `Date: ${d.toUTCString()}\r\n\r\nSo Noi vu gui Cong van so ${n}/SNV-VP.\r\n`,
    )));
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.03.H30' });
    expect((await spawnCli(['sync'], t.env)).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    queue = new Queue<ReportPayload>('report', { connection: redisConnection({ redisUrl: 'redis://127.0.0.1:6379', redisCluster: [] }).connection, prefix: t.env.EDOCWATCH_QUEUE_PREFIX as string });
    worker = spawn(process.execPath, [BIN, 'worker', '--queues', 'report'], { env: t.env, stdio: 'ignore' });
  }, 90_000);

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await db?.end();
    await smtp?.close();
  });

  it('schedules the quarter at 07:00 and the year at 07:30 on the first day, Asia/Ho_Chi_Minh', async () => {
    const schedulers = await until(() => queue.getJobSchedulers(), (s) => s.length === 2, 30_000);
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
      ['report-quarterly', '0 0 7 1 1,4,7,10 *', 'Asia/Ho_Chi_Minh'],
      ['report-yearly', '0 30 7 1 1 *', 'Asia/Ho_Chi_Minh'],
    ]);
    const delayed = await until(() => queue.getDelayed(), (j) => j.length === 2, 10_000);
    const ids = delayed.map((j) => j.id).sort();
    expect(ids).toContain(`repeat:report-quarterly:${quarterlyMillis}`);
    const nextJan = new Date(now.getTime() + 7 * 3600_000).getUTCFullYear() + 1;
    expect(ids).toContain(`repeat:report-yearly:${Date.UTC(nextJan, 0, 1, 0, 30)}`);
  });

  it('sends the quarter that ended when the firing is brought forward, and a second firing sends nothing', async () => {
    const job = await queue.getJob(`repeat:report-quarterly:${quarterlyMillis}`);
    expect(job).toBeDefined();
    await job?.promote();
    const got = await until(async () => smtp.received.length, (n) => n >= 1, 60_000);
    expect(got).toBe(1);
    const p = await simpleParser(smtp.received[0]?.raw as Buffer);
    const [y, q] = nextQuarterStartLocal.reported.split('-Q');
    expect(p.subject).toBe(`Báo cáo tình hình sử dụng thư điện tử công vụ quý ${['I', 'II', 'III', 'IV'][Number(q) - 1]} năm ${y}`);
    expect(smtp.received[0]?.to).toEqual([LEADER]);
    const stats = JSON.parse((await spawnCli(['stats', '--period', nextQuarterStartLocal.reported, '--json'], t.env)).stdout) as { messages: { total: number }; exchanges: number };
    expect(stats.messages.total).toBe(3);
    expect(String(p.html)).toContain(`<b>3</b> thư công vụ`);
    expect(String(p.html)).toContain(`<b>${stats.exchanges}</b> lượt trao đổi`);

    // The same firing again (a retry, or another worker): nothing more is sent.
    const again = await addOnce(queue, 'report-quarterly', { kind: 'quarter' }, `repeat:report-quarterly:${quarterlyMillis}`);
    await until(async () => (await again.getState()) as string, (s) => s === 'completed' || s === 'unknown' || s === 'failed', 60_000);
    expect(await again.getState()).not.toBe('failed');
    expect(smtp.received).toHaveLength(1);
    const rows = await db.query<{ period: string; status: string }>(`SELECT period, status FROM report_deliveries`);
    expect(rows.rows).toEqual([{ period: nextQuarterStartLocal.reported, status: 'sent' }]);
  });
});
