// The whole pipeline on real services: messages appended to Dovecot over IMAP are synced, analyzed
// and counted; a second sync adds nothing; a later message is picked up; a malformed message is
// stored and marked without stopping the others; and no message gains a flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import pg from 'pg';
import { ensureImapUser, devDovecot } from '../../src/devenv/dovecot.js';
import { renderTextPdf, renderScannedPdf } from '../../src/demo/documents.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-pipeline-stc';
const PASSWORD = 'mật-khẩu-thử-1';

function compose(opts: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(opts).compile().build();
}

async function imap(): Promise<ImapFlow> {
  const dd = devDovecot();
  const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

const docSpec = {
  issuer: 'SỞ TÀI CHÍNH',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '125/STC-NS',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 7, 5)),
  kind: 'Công văn',
  title: 'V/v hướng dẫn lập dự toán ngân sách năm 2027',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: ['Thực hiện Công văn số 2888/UBND-VX ngày 12/12/2013 của UBND tỉnh, Sở Tài chính hướng dẫn như sau.'],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Nguyễn Văn An',
};

describe('the pipeline end to end (Dovecot, Postgres, Redis)', () => {
  let t: TestEnv;
  let db: pg.Client;
  let mailboxId: number;

  beforeAll(async () => {
    t = await createTestEnv('pipeline');
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_PIPELINE_PASSWORD = PASSWORD;
    const dd = devDovecot();
    const add = await cli('mailbox', 'add', '--agency', '000.00.03.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', USER, '--password-env', 'IT_PIPELINE_PASSWORD');
    expect(add.stderr).toContain('connection OK');
    expect(add.code).toBe(0);
    mailboxId = Number(add.stdout.trim());

    const c = await imap();
    try {
      // 1. An outbound document with a born-digital PDF, from Sent.
      await c.append('Sent', await compose({
        from: 'Sở Tài chính <stc@sonminh.gov.vn>', to: 'Sở Nội vụ <snv@sonminh.gov.vn>', subject: 'Gửi Công văn số 125/STC-NS', messageId: '<it-1@stc.sonminh.gov.vn>',
        date: new Date('2026-08-05T02:00:00Z'), text: 'Kính gửi: Sở Nội vụ\nSở Tài chính gửi Công văn số 125/STC-NS ngày 05/8/2026.\nTrân trọng./.',
        attachments: [{ filename: '125-STC-NS.pdf', content: await renderTextPdf(docSpec), contentType: 'application/pdf' }],
      }));
      // 2. An inbound scanned document from a commune, paper original by post.
      await c.append('INBOX', await compose({
        from: 'UBND xã Tân Lập <vanthu@xatanlap.sonminh.gov.vn>', to: 'stc@sonminh.gov.vn', subject: 'V/v đề nghị cấp kinh phí', messageId: '<it-2@xatanlap.sonminh.gov.vn>',
        date: new Date('2026-08-06T03:00:00Z'), text: 'UBND xã Tân Lập gửi Tờ trình số 15/TTr-UBND. Bản chính gửi qua đường bưu điện.',
        attachments: [{ filename: 'scan0001.pdf', content: await renderScannedPdf({ ...docSpec, issuer: 'UBND XÃ TÂN LẬP', number: '15/TTr-UBND', kind: 'Tờ trình' }) }],
      }));
      // 3. An individual on free mail.
      await c.append('INBOX', await compose({
        from: 'Trần Thị Bình <binh.tran@gmail.com>', to: 'stc@sonminh.gov.vn', subject: 'Đơn kiến nghị', messageId: '<it-3@gmail.com>',
        date: new Date('2026-08-07T03:00:00Z'), text: 'Kính gửi Sở Tài chính, tôi xin kiến nghị về việc ...',
      }));
      // 4. Malformed: the multipart is never closed and the body is cut short.
      const full = (await compose({
        from: 'snv@sonminh.gov.vn', to: 'stc@sonminh.gov.vn', subject: 'Thư bị cắt', messageId: '<it-4@snv.sonminh.gov.vn>', date: new Date('2026-08-08T03:00:00Z'),
        text: 'Nội dung', attachments: [{ filename: 'a.txt', content: 'x'.repeat(3000) }],
      })).toString('latin1');
      await c.append('INBOX', Buffer.from(full.slice(0, full.lastIndexOf('--') - 200), 'latin1'));
    } finally {
      await c.logout();
    }
  });

  afterAll(async () => {
    await db?.end();
  });

  it('syncs, analyzes and counts every message once', async () => {
    const r = await cli('sync');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse((await cli('status', '--json')).stdout) as { messages: Record<string, number> };
    expect(s.messages.total).toBe(4);
    expect(s.messages.analyzed).toBe(3);
    expect(s.messages.malformed).toBe(1);
    expect(s.messages.pending).toBe(0);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_objects');
    expect(rows[0]?.n).toBe(4);
  });

  it('labels the exchanges from what the mail carries', async () => {
    const { rows } = await db.query<{ ref: string | null; flow: string; form: string; digitization: string; sender_agency: string | null; receiver_agency: string | null }>(
      `SELECT d.ref, e.flow, e.form, e.digitization, e.sender_agency, e.receiver_agency
         FROM exchanges e LEFT JOIN documents d ON d.id = e.document_id ORDER BY e.msg_date`,
    );
    const byRef = new Map(rows.map((r) => [r.ref, r]));
    expect(byRef.get('125/STC-NS')).toMatchObject({ flow: 'inter_agency', form: 'electronic', digitization: 'born_digital', sender_agency: '000.00.03.H30', receiver_agency: '000.00.02.H30' });
    expect(byRef.get('15/TTr-UBND')).toMatchObject({ flow: 'to_department_or_district', form: 'hybrid', digitization: 'scanned', sender_agency: '000.32.01.H30' });
    expect(rows.find((r) => r.sender_agency === null)).toMatchObject({ flow: 'with_individual', digitization: 'none', receiver_agency: '000.00.03.H30' });
  });

  it('stores nothing twice on a second sync', async () => {
    const before = await db.query('SELECT (SELECT count(*) FROM messages)::int AS m, (SELECT count(*) FROM exchanges)::int AS e, (SELECT count(*) FROM message_locations)::int AS l');
    expect((await cli('sync')).code).toBe(0);
    const after = await db.query('SELECT (SELECT count(*) FROM messages)::int AS m, (SELECT count(*) FROM exchanges)::int AS e, (SELECT count(*) FROM message_locations)::int AS l');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('picks up a message appended after the first sync', async () => {
    const c = await imap();
    try {
      await c.append('INBOX', await compose({
        from: 'ubnd@sonminh.gov.vn', to: 'stc@sonminh.gov.vn', subject: 'Quyết định số 45/QĐ-UBND', messageId: '<it-5@sonminh.gov.vn>',
        date: new Date('2026-09-01T03:00:00Z'), text: 'UBND tỉnh gửi Quyết định số 45/QĐ-UBND ngày 01/9/2026.',
      }));
    } finally {
      await c.logout();
    }
    expect((await cli('sync', '--mailbox', String(mailboxId))).code).toBe(0);
    const s = JSON.parse((await cli('status', '--json')).stdout) as { messages: Record<string, number> };
    expect(s.messages.total).toBe(5);
    const { rows } = await db.query<{ flow: string; receiver_agency: string }>(
      `SELECT e.flow, e.receiver_agency FROM exchanges e JOIN documents d ON d.id = e.document_id WHERE d.ref = '45/QĐ-UBND'`,
    );
    expect(rows).toEqual([{ flow: 'inter_agency', receiver_agency: '000.00.03.H30' }]);
  });

  it('only reads: no message gains a flag, \\Seen included', async () => {
    const c = await imap();
    try {
      for (const folder of ['INBOX', 'Sent']) {
        await c.mailboxOpen(folder, { readOnly: true });
        const flags: string[] = [];
        // \Recent is a session flag the server itself reports on mail no session has selected
        // read-write yet; a client cannot set it. Every stored flag (\Seen above all) must be absent.
        for await (const m of c.fetch('1:*', { uid: true, flags: true })) flags.push(...[...(m.flags ?? [])].filter((x) => x !== '\\Recent'));
        expect(flags).toEqual([]);
      }
    } finally {
      await c.logout();
    }
  });

  it('reports KPIs with numerators and denominators for the quarter', async () => {
    const r = await cli('stats', '--period', '2026-Q3', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { period: string; province: Record<string, { numerator: number; denominator: number; ratio: number | null }>; agencies: Record<string, unknown> };
    expect(s.period).toBe('2026-Q3');
    // K5: one exchange with an individual out of all exchanges of the quarter.
    expect(s.province.K5?.numerator).toBe(1);
    expect(s.province.K2a?.ratio).toBeNull();
    expect(Object.keys(s.agencies)).toContain('000.00.03.H30');
  });
});
