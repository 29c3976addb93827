// The message analysis (what `inspect` prints and the analyze job stores) with containers among
// the attachments: what an archive, a forwarded mail or a winmail.dat holds decides the labels and
// carries document references, like any attachment. Mails are composed here with nodemailer's
// MailComposer; the TNEF mails are real Outlook mail from the MIME corpus.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer/index.js';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/analyze/message.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import { renderDocx, renderScannedPdf, renderTextPdf, type DocSpec } from '../../src/demo/documents.js';
import { makeZip, zipBomb } from '../helpers/archives.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/mime');
const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.join(ROOT, 'config/agencies.yaml'), 'utf8'))));
const analyze = (raw: Buffer) => analyzeMessage(raw, { directory, monitored: null, internalDate: null, receivedAt: new Date('2026-08-21T03:00:00Z') });

const spec = (number: string): DocSpec => ({
  issuer: 'Sở Tài chính',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number,
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 7, 20)),
  kind: 'Công văn',
  title: 'V/v thẩm định dự toán ngân sách năm 2027',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: ['Sở Tài chính đề nghị các cơ quan gửi hồ sơ dự toán trước ngày 15 tháng 9 năm 2026.'],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Trần Văn Nam',
});

function compose(options: MailComposerOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    new MailComposer({ from: 'stc@sonminh.gov.vn', to: 'snv@sonminh.gov.vn', date: new Date('2026-08-21T02:00:00Z'), ...options }).compile().build((err, msg) => (err ? reject(err) : resolve(msg)));
  });
}

const docs: Record<string, Buffer> = {};
beforeAll(async () => {
  docs.scan = await renderScannedPdf(spec('125/STC-NS'));
  docs.pdf = await renderTextPdf(spec('126/STC-NS'));
  docs.docx = await renderDocx(spec('127/STC-QLNS'));
});
const doc = (k: string): Buffer => docs[k] ?? Buffer.alloc(0);

describe('archives in a mail', () => {
  it('labels a mail whose ZIP holds a scanned PDF as scanned, naming the file inside', async () => {
    const zip = await makeZip([{ name: 'ho-so/ban-quet-cong-van.pdf', data: doc('scan') }]);
    const a = await analyze(await compose({ subject: 'Gửi hồ sơ dự toán', text: 'Sở Tài chính gửi hồ sơ đính kèm.', attachments: [{ filename: 'ho-so.zip', content: zip }] }));
    expect(a.attachments[0]).toMatchObject({ kind: 'archive', digitization: 'scanned' });
    expect(a.labels.digitization).toBe('scanned');
    const evidence = a.evidence.find((e) => e.label === 'digitization');
    expect(evidence?.detail).toContain('ho-so.zip/ho-so/ban-quet-cong-van.pdf');
  });

  it('finds a reference in a DOCX inside a ZIP, as transmitted, with where it was found', async () => {
    const zip = await makeZip([{ name: 'du-thao/cong-van.docx', data: doc('docx') }]);
    const a = await analyze(await compose({ subject: 'Gửi dự thảo', text: 'Kính gửi Sở Nội vụ.', attachments: [{ filename: 'du-thao.zip', content: zip }] }));
    const ref = a.refs.find((r) => r.ref === '127/STC-QLNS');
    expect(ref).toMatchObject({ role: 'transmitted', source: 'attachment:0/du-thao/cong-van.docx' });
    expect(a.exchanges.map((e) => e.documentRef)).toContain('127/STC-QLNS');
    expect(a.labels.digitization).toBe('born_digital');
  });

  it('finds references in the names of files inside an archive', async () => {
    const zip = await makeZip([{ name: '02-2023-QD-KTNN.pdf', data: doc('pdf') }]);
    const a = await analyze(await compose({ subject: 'Gửi tài liệu', text: 'Gửi kèm.', attachments: [{ filename: 'tai-lieu.zip', content: zip }] }));
    expect(a.refs.find((r) => r.source === 'attachment:0/02-2023-QD-KTNN.pdf' && r.symbol === 'QĐ-KTNN')).toBeDefined();
  });

  it('keeps a mail with a zip bomb analyzable: the flag is on the attachment, the labels still come', async () => {
    const a = await analyze(await compose({ subject: 'Số liệu', text: 'Gửi số liệu.', attachments: [{ filename: 'so-lieu.zip', content: await zipBomb('so-lieu.csv', 256) }] }));
    expect(a.message.state).toBe('analyzed');
    expect(a.attachments[0]?.problem).toBe('over_limit:ratio');
    expect(a.labels.digitization).toBe('none');
  });
});

describe('forwarded mail attached whole (message/rfc822)', () => {
  it('opens the forwarded mail: its PDF labels the exchange and its references are found', async () => {
    const original = await compose({
      from: 'ubnd@sonminh.gov.vn',
      to: 'stc@sonminh.gov.vn',
      subject: 'Công văn 126/STC-NS về dự toán',
      text: 'UBND tỉnh chuyển Công văn số 126/STC-NS để các cơ quan thực hiện.',
      attachments: [{ filename: 'cong-van-126.pdf', content: doc('pdf') }],
    });
    const a = await analyze(
      await compose({
        subject: 'Fw: Công văn về dự toán',
        text: 'Chuyển tiếp để Sở Nội vụ biết.',
        // As Outlook's and Thunderbird's "forward as attachment" write it.
        attachments: [{ filename: 'thu-chuyen-tiep.eml', content: original, contentType: 'message/rfc822', contentDisposition: 'attachment' }],
      }),
    );
    const fwd = a.attachments[0];
    expect(fwd).toMatchObject({ kind: 'message', sniffedType: 'message/rfc822', digitization: 'born_digital', container: { format: 'rfc822', entries: 1 } });
    expect(fwd?.text).toContain('Công văn 126/STC-NS về dự toán');
    expect(fwd?.children?.[0]).toMatchObject({ filename: 'cong-van-126.pdf', kind: 'pdf', digitization: 'born_digital' });
    expect(a.labels.digitization).toBe('born_digital');
    // First seen in the forwarded mail's own subject (the attachment's text), then in its PDF.
    expect(a.refs.find((r) => r.ref === '126/STC-NS')).toMatchObject({ role: 'transmitted', source: 'attachment:0' });
  });

  it('opens a forward of a forward, down to the depth limit', async () => {
    let mail = await compose({ subject: 'Gốc', text: 'Văn bản gốc.', attachments: [{ filename: 'scan.pdf', content: doc('scan') }] });
    for (let i = 0; i < 3; i++) mail = await compose({ subject: `Fw ${i}`, text: 'Chuyển tiếp.', attachments: [{ filename: `fw-${i}.eml`, content: mail, contentType: 'message/rfc822', contentDisposition: 'attachment' }] });
    const a = await analyze(mail);
    expect(a.labels.digitization).toBe('scanned');
    const shallow = await analyzeMessage(mail, {
      directory,
      monitored: null,
      internalDate: null,
      receivedAt: new Date(),
      limits: { maxBytes: 50 * 1024 * 1024, maxPages: 500, maxTextChars: 200_000, timeoutMs: 20_000, archive: { maxDepth: 2, maxEntries: 1000, maxTotalBytes: 200 * 1024 * 1024, maxRatio: 100 } },
    });
    expect(shallow.attachments[0]?.problem).toBe('over_limit:depth');
    expect(shallow.labels.digitization).toBe('none');
  });

  it('also sees the documents of a message embedded inline (mailparser opens those itself)', async () => {
    const original = await compose({ subject: 'Công văn 126/STC-NS', text: 'Gửi Công văn số 126/STC-NS.', attachments: [{ filename: 'cong-van-126.pdf', content: doc('pdf') }] });
    const a = await analyze(await compose({ subject: 'Fw: công văn', text: 'Chuyển tiếp.', attachments: [{ filename: 'fw.eml', content: original, contentType: 'message/rfc822', contentDisposition: 'inline' }] }));
    expect(a.attachments.map((x) => [x.filename, x.kind])).toEqual([['cong-van-126.pdf', 'pdf']]);
    expect(a.labels.digitization).toBe('born_digital');
    expect(a.refs.map((r) => r.ref)).toContain('126/STC-NS');
  });

  it('analyzes the forwarded mails of the real-world corpus', async () => {
    const a = await analyze(readFileSync(path.join(CORPUS, 'mail-rb__attachment_message_rfc822.eml')));
    expect(a.attachments[0]).toMatchObject({ filename: 'ForwardedMessage.eml', kind: 'message' });
    expect(a.attachments[0]?.text).toContain('Just attaching another PDF');
    expect(a.attachments[0]?.children?.[0]).toMatchObject({ filename: 'broken.pdf', kind: 'pdf', problem: expect.stringMatching(/^unreadable:pdf/) as unknown });
  });
});

describe('winmail.dat (TNEF) in real Outlook mail', () => {
  it('labels the mail from the attachments Outlook wrapped into winmail.dat', async () => {
    const a = await analyze(readFileSync(path.join(CORPUS, 'mimekit__tnef-rich-text.eml')));
    const tnef = a.attachments.find((x) => x.filename === 'winmail.dat');
    expect(tnef).toMatchObject({ kind: 'message', sniffedType: 'application/vnd.ms-tnef' });
    expect(tnef?.children?.map((c) => c.filename)).toEqual(['kitten-playing-with-a-christmas-tree.jpg', 'Build a train table', 'Christmas Celebration!']);
    // The photo is an image attachment, so the exchange counts as scanned (the rule for images).
    expect(a.labels.digitization).toBe('scanned');
    expect(a.evidence.find((e) => e.label === 'digitization')?.detail).toContain('winmail.dat/kitten-playing-with-a-christmas-tree.jpg');
  });

  it('reads the body of a winmail.dat as text of the mail', async () => {
    const a = await analyze(readFileSync(path.join(CORPUS, 'mimekit__tnef-ukr.eml')));
    expect(a.attachments[0]?.text).toContain('шостий');
  });
});
