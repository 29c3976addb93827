// The quarterly and yearly reports on job schedulers: a `worker --queues report` process schedules
// them at 07:00 (07:30 for the year) local time on the first day of the next quarter; the firing is
// brought forward (the delayed job promoted), the reports arrive at a real SMTP receiver of the
// test's own with the figures of `stats` in the HTML, the attached PDF's text and the XLSX's cells,
// its charts as inline images; the build is archived; a second firing of the same quarter sends nothing.
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
import { pdfText, pngInfo, xlsxSheets } from '../helpers/report-files.js';

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
    const p = await simpleParser(smtp.received[0]?.raw as Buffer, { keepCidLinks: true });
    const [y, q] = nextQuarterStartLocal.reported.split('-Q');
    expect(p.subject).toBe(`Báo cáo tình hình sử dụng thư điện tử công vụ quý ${['I', 'II', 'III', 'IV'][Number(q) - 1]} năm ${y}`);
    expect(smtp.received[0]?.to).toEqual([LEADER]);
    type Kpi = { numerator: number; denominator: number; ratio: number | null; needsPaperRegister?: boolean };
    const stats = JSON.parse((await spawnCli(['stats', '--period', nextQuarterStartLocal.reported, '--json'], t.env)).stdout) as { messages: { total: number }; exchanges: number; documents: number; province: Record<string, Kpi> };
    expect(stats.messages.total).toBe(3);
    const html = String(p.html);
    expect(html).toContain(`hệ thống ghi nhận 3 thư công vụ`);
    expect(html).toContain(`, ${stats.exchanges} lượt trao đổi và ${stats.documents} văn bản.`);
    // Every KPI's province-wide figures, as stats gives them, in the HTML, the PDF and the XLSX.
    const pct = (k: Kpi) => (k.needsPaperRegister ? 'Cần sổ văn bản giấy' : k.ratio === null ? '—' : `${(Math.round(k.ratio * 1000) / 10).toFixed(1).replace('.', ',')}%`);
    const pdf = p.attachments.find((a) => a.contentType === 'application/pdf');
    const xlsx = p.attachments.find((a) => a.filename?.endsWith('.xlsx'));
    expect([pdf?.filename, xlsx?.filename]).toEqual([`bao-cao-thu-cong-vu-${nextQuarterStartLocal.reported}.pdf`, `bao-cao-thu-cong-vu-${nextQuarterStartLocal.reported}.xlsx`]);
    const text = (await pdfText(pdf?.content as Buffer)).text.replace(/\s+/g, ' ');
    const summary = (await xlsxSheets(xlsx?.content as Buffer))[0];
    for (const [id, k] of Object.entries(stats.province)) {
      expect(html, id).toMatch(new RegExp(`<tr data-kpi="${id}" data-row="province"><td[^>]*>Toàn tỉnh</td><td[^>]*>${k.numerator}</td><td[^>]*>${k.denominator}</td><td[^>]*>${pct(k)}</td>`));
      expect(text, id).toContain(`Toàn tỉnh ${k.numerator} ${k.denominator} ${pct(k)}`);
      expect(summary?.rows.find((r) => r?.[0] === id)?.slice(2, 5), id).toEqual([k.numerator, k.denominator, k.needsPaperRegister ? null : k.ratio]);
    }
    expect(stats.province.K5?.denominator).toBeGreaterThan(0);
    // The charts are inline PNG parts, each named by a cid: of the HTML.
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1]);
    const images = p.attachments.filter((a) => a.contentType === 'image/png');
    expect(cids.length).toBeGreaterThan(0);
    expect(images.map((a) => a.cid).sort()).toEqual([...cids].sort());
    for (const a of images) {
      expect(a.contentDisposition).toBe('inline');
      expect(pngInfo(a.content).width).toBe(640);
    }
    // The report that was sent is the archived build the delivery names.
    const archived = await db.query<{ scope: string; built_by: string; files: string[] }>(
      `SELECT b.scope, b.built_by, ARRAY(SELECT name FROM report_files f WHERE f.build_id = b.id ORDER BY name) AS files
         FROM report_builds b JOIN report_deliveries d ON d.build_id = b.id`,
    );
    expect(archived.rows).toHaveLength(1);
    expect(archived.rows[0]).toMatchObject({ scope: 'province', built_by: 'scheduler' });
    expect(archived.rows[0]?.files).toEqual(expect.arrayContaining(['report.html', 'report.pdf', 'report.txt', 'report.xlsx', ...images.map((a) => a.filename)]));

    // The same firing again (a retry, or another worker): nothing more is sent.
    const again = await addOnce(queue, 'report-quarterly', { kind: 'quarter' }, `repeat:report-quarterly:${quarterlyMillis}`);
    await until(async () => (await again.getState()) as string, (s) => s === 'completed' || s === 'unknown' || s === 'failed', 60_000);
    expect(await again.getState()).not.toBe('failed');
    expect(smtp.received).toHaveLength(1);
    const rows = await db.query<{ period: string; status: string }>(`SELECT period, status FROM report_deliveries`);
    expect(rows.rows).toEqual([{ period: nextQuarterStartLocal.reported, status: 'sent' }]);
    // Nothing was built for the second firing either.
    expect((await db.query(`SELECT id FROM report_builds`)).rows).toHaveLength(1);
  });
});
