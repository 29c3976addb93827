// Emailing the report: synced mail counted, the quarter's report sent over SMTP to a real receiver
// of the test's own and read back (subject, recipients, the HTML's figures equal `stats --json`);
// two senders at once and a second run send nothing twice; a manual resend is logged as such; a
// refused recipient and an unreachable server are logged, exit 3, and retried by the next send.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail } from '../helpers/mailbox.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { pdfText } from '../helpers/report-files.js';

const USER = 'it-report-send';
const PASSWORD = 'report-send-pw';
const LEADERS = ['lanhdao@ubnd.sonminh.gov.vn', 'phongbcvt@stttt.sonminh.gov.vn'];
const SUBJECT = 'Báo cáo tình hình sử dụng thư điện tử công vụ quý III năm 2026';

function mail(n: number, to: string, extra = ''): Buffer {
  return Buffer.from(
    `From: vanthu@stc.sonminh.gov.vn\r\nTo: ${to}\r\nSubject: =?UTF-8?B?${Buffer.from(`Công văn số ${n}/STC-NS`).toString('base64')}?=\r\n` +
      `Message-ID: <rs-${n}@stc.sonminh.gov.vn>\r\nDate: Tue, ${10 + n} Aug 2026 09:00:00 +0700\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\nSở Tài chính gửi Công văn số ${n}/STC-NS.${extra}\r\n`,
  );
}

describe('emailing the report', () => {
  let t: TestEnv;
  let smtp: SmtpReceiver;
  let db: pg.Client;
  const send = (...args: string[]) => spawnCli(['report', 'send', '--period', '2026-Q3', ...args], t.env);

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await createTestEnv('report_send');
    const override = path.join(t.rawStore, 'reports.yaml');
    writeFileSync(
      override,
      `reports:\n  from: "Sở Thông tin và Truyền thông <baocao@stttt.sonminh.gov.vn>"\n  recipients:\n    province: [${LEADERS.join(', ')}]\n    agencies:\n      "000.00.03.H30": [giamdoc@stc.sonminh.gov.vn]\n`,
    );
    t.env.EDOCWATCH_CONFIG = override;
    t.env.SMTP_URL = smtp.url;
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await appendMail(USER, PASSWORD, 'Sent', [
      mail(1, 'vanthu@snv.sonminh.gov.vn'),
      mail(2, 'vanthu@sct.sonminh.gov.vn, vanthu@skhdt.sonminh.gov.vn'),
      mail(3, 'ketoan@congtyabc.com.vn'),
      mail(4, 'vanthu@ubnd.sonminh.gov.vn'),
    ]);
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.03.H30' });
    expect((await spawnCli(['sync'], t.env)).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 90_000);

  afterAll(async () => {
    await db?.end();
    await smtp?.close();
  });

  it('sends the province report once to each leader, even from two senders at once, with the figures of stats', async () => {
    const [a, b] = await Promise.all([send('--json'), send('--json')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const statuses = [...JSON.parse(a.stdout), ...JSON.parse(b.stdout)].map((r: { status: string }) => r.status).sort();
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(2);
    expect(smtp.received.map((m) => m.to).flat().sort()).toEqual([...LEADERS].sort());

    const stats = JSON.parse((await spawnCli(['stats', '--period', '2026-Q3', '--json'], t.env)).stdout) as {
      messages: { total: number }; exchanges: number; documents: number; province: Record<string, { numerator: number; denominator: number }>;
    };
    expect(stats.messages.total).toBe(4);
    for (const m of smtp.received) {
      const p = await simpleParser(m.raw, { keepCidLinks: true });
      expect(p.subject).toBe(SUBJECT);
      expect(p.from?.text).toContain('baocao@stttt.sonminh.gov.vn');
      expect(p.messageId).toMatch(/^<report\.2026-Q3\.province\.[0-9a-f]{24}@edocwatch>$/);
      const html = String(p.html);
      expect(html).toContain(`hệ thống ghi nhận ${stats.messages.total} thư công vụ`);
      expect(html).toContain(`, ${stats.exchanges} lượt trao đổi và ${stats.documents} văn bản.`);
      for (const id of ['K1', 'K5', 'K6']) {
        const k = stats.province[id] as { numerator: number; denominator: number };
        expect(html).toMatch(new RegExp(`<tr data-kpi="${id}" data-row="province"><td[^>]*>Toàn tỉnh</td><td[^>]*>${k.numerator}</td><td[^>]*>${k.denominator}</td>`));
      }
      expect(p.text).toContain(SUBJECT.toUpperCase());
      // The PDF and the workbook are attached; charts are inline images the HTML names by cid.
      const files = p.attachments.map((a) => [a.filename, a.contentType]);
      expect(files).toEqual(expect.arrayContaining([['bao-cao-thu-cong-vu-2026-Q3.pdf', 'application/pdf'], ['bao-cao-thu-cong-vu-2026-Q3.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']]));
      const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1]);
      expect(cids.length).toBeGreaterThan(0);
      expect(p.attachments.filter((a) => a.contentType === 'image/png').map((a) => a.cid).sort()).toEqual([...cids].sort());
    }
  });

  it('sends nothing twice on a second run, and a manual resend is a logged delivery of its own', async () => {
    const again = await send('--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).map((r: { status: string }) => r.status)).toEqual(['already_sent', 'already_sent']);
    expect(smtp.received).toHaveLength(2);

    const resend = await send('--force', '--to', LEADERS[0] as string);
    expect(resend.code).toBe(0);
    expect(smtp.received).toHaveLength(3);
    const log = JSON.parse((await spawnCli(['report', 'log', '--period', '2026-Q3', '--json'], t.env)).stdout) as Array<{ recipient: string; kind: string; status: string }>;
    expect(log.map((r) => [r.recipient, r.kind, r.status]).sort()).toEqual(
      [[LEADERS[0], 'manual', 'sent'], [LEADERS[0], 'scheduled', 'sent'], [LEADERS[1], 'scheduled', 'sent']].sort(),
    );
  });

  it("sends an agency's own report to its configured recipient", async () => {
    const r = await send('--agency', '000.00.03.H30', '--json');
    expect(r.code).toBe(0);
    const last = smtp.received.at(-1);
    expect(last?.to).toEqual(['giamdoc@stc.sonminh.gov.vn']);
    const p = await simpleParser(last?.raw as Buffer);
    expect(p.subject).toBe(`${SUBJECT} — Sở Tài chính`);
  });

  it('logs a refused recipient and an unreachable server, exits 3, and the next send retries them', async () => {
    smtp.refuse.add('vanthu@stp.sonminh.gov.vn');
    const refused = await send('--to', 'vanthu@stp.sonminh.gov.vn');
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/recipient\(s\) failed: vanthu@stp\.sonminh\.gov\.vn/);

    const down = await spawnCli(['report', 'send', '--period', '2026-Q3', '--to', 'vanthu@sxd.sonminh.gov.vn'], { ...t.env, SMTP_URL: 'smtp://127.0.0.1:1' });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach the SMTP server at smtp:\/\/127\.0\.0\.1:1/);
    expect(down.stderr).not.toMatch(/\n\s+at /);

    smtp.refuse.clear();
    const n = smtp.received.length;
    expect((await send('--to', 'vanthu@stp.sonminh.gov.vn,vanthu@sxd.sonminh.gov.vn')).code).toBe(0);
    expect(smtp.received.length).toBe(n + 2);
    const rows = await db.query<{ recipient: string; status: string; attempts: number }>(
      `SELECT recipient, status, attempts FROM report_deliveries WHERE recipient IN ('vanthu@stp.sonminh.gov.vn', 'vanthu@sxd.sonminh.gov.vn') ORDER BY 1`,
    );
    expect(rows.rows).toEqual([
      { recipient: 'vanthu@stp.sonminh.gov.vn', status: 'sent', attempts: 2 },
      { recipient: 'vanthu@sxd.sonminh.gov.vn', status: 'sent', attempts: 2 },
    ]);
  });

  it('refuses to send without SMTP_URL or with a bad --to, in one line', async () => {
    const noSmtp = await spawnCli(['report', 'send', '--period', '2026-Q3'], { ...t.env, SMTP_URL: '' });
    expect(noSmtp.code).toBe(2);
    expect(noSmtp.stderr).toMatch(/SMTP_URL is not set/);
    const badTo = await send('--to', 'not-an-address');
    expect(badTo.code).toBe(2);
    expect(badTo.stderr).toMatch(/--to: .*not a list of email addresses/);
  });

  it('builds the report into a folder, archives it with a number it keeps, and refuses bad settings in one line', async () => {
    const out = path.join(t.rawStore, 'built');
    const r = await spawnCli(['report', 'build', '--period', '2026-Q3', '--out', out, '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    const built = JSON.parse(r.stdout) as { build: number; files: string[] };
    expect(built.files.slice(0, 3)).toEqual(['report.html', 'report.pdf', 'report.xlsx'].map((f) => path.join(out, f)));
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const charts = [...html.matchAll(/src="(chart-[^"]+\.png)"/g)].map((m) => m[1] as string);
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) expect(existsSync(path.join(out, c))).toBe(true);
    // The province report was numbered when it was first sent; a rebuild keeps that number.
    const sent = await db.query<{ number: string }>(`SELECT DISTINCT number FROM report_builds WHERE scope = 'province'`);
    expect(sent.rows).toHaveLength(1);
    expect(sent.rows[0]?.number).toBe('01/BC-UBND');
    expect((await pdfText(readFileSync(path.join(out, 'report.pdf')))).text).toContain('Số: 01/BC-UBND');
    // The English version of the agency's report: its own number, the next one.
    const en = await spawnCli(['report', 'build', '--period', '2026-Q3', '--out', path.join(out, 'en'), '--agency', '000.00.03.H30', '--lang', 'en'], t.env);
    expect(en.code, en.stderr).toBe(0);
    const text = (await pdfText(readFileSync(path.join(out, 'en', 'report.pdf')))).text;
    expect(text).toContain('SOCIALIST REPUBLIC OF VIET NAM');
    expect(text).toContain('No.: 02/BC-UBND');
    const { rows } = await db.query<{ built_by: string; lang: string }>(`SELECT built_by, lang FROM report_builds WHERE id = $1`, [built.build]);
    expect(rows[0]?.built_by).toMatch(/^cli/);
    // The refusals, in parallel: each is one process that stops before building anything.
    const refusals = [
      [['--lang', 'fr'], /--lang: vi hoặc en \/ must be vi or en/],
      [['--agency', 'NOPE'], /unknown agency code NOPE/],
      [['--issuer', 'NOPE'], /--issuer: .*unknown agency code NOPE/],
    ] as const;
    const [noIssuer, ...bad] = await Promise.all([
      spawnCli(['report', 'build', '--period', '2026-Q3', '--out', out], { ...t.env, EDOCWATCH_REPORT_ISSUER: 'NOPE' }),
      ...refusals.map(([args]) => spawnCli(['report', 'build', '--period', '2026-Q3', '--out', out, ...args], t.env)),
    ]);
    refusals.forEach(([, message], i) => {
      expect(bad[i]?.code).toBe(2);
      expect(bad[i]?.stderr).toMatch(message);
      expect(bad[i]?.stderr.trim().split('\n')).toHaveLength(1);
    });
    expect(noIssuer?.code).toBe(2);
    expect(noIssuer?.stderr).toContain('invalid report settings: reports.issuer (EDOCWATCH_REPORT_ISSUER)');
  });
});
