// The real-world MIME corpus in ../shared/corpus/mime (107 messages from the test suites of public
// parsers, sources in its SOURCES.md): every message is analyzed to a terminal state without an
// exception, and the cases whose answer is known are labeled right.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { analyzeMessage, PARSE_OPTIONS } from '../../src/analyze/message.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mime');
const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
const analyze = (f: string) =>
  analyzeMessage(readFileSync(path.join(CORPUS, f)), { directory, monitored: null, internalDate: new Date('2024-01-01T00:00:00Z'), receivedAt: new Date('2024-01-02T00:00:00Z') });

describe('the real-world MIME corpus', () => {
  it('holds the 107 messages it is documented to hold', () => {
    expect(files).toHaveLength(107);
  });

  // The analysis keys attachments by the checksum mailparser computes while decoding them.
  it('gets from mailparser the sha256 of every attachment as its checksum', async () => {
    let n = 0;
    for (const f of files) {
      const parsed = await simpleParser(readFileSync(path.join(CORPUS, f)), PARSE_OPTIONS);
      for (const a of parsed.attachments) {
        expect(a.checksum, `${f}: ${a.filename ?? '(no name)'}`).toBe(createHash('sha256').update(a.content).digest('hex'));
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });

  it.each(files)('analyzes %s to a terminal state', async (f) => {
    const a = await analyze(f);
    expect(['analyzed', 'skipped', 'malformed']).toContain(a.message.state);
    expect(a.message.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(a.message.date))).toBe(false);
  });

  it.each(['flanker__bounce-office365.eml', 'mimekit__bounce.eml', 'mailparser__delivery-status.eml', 'postal-mime__bounce.eml'])(
    'skips the bounce %s as machine-generated, with no exchange',
    async (f) => {
      const a = await analyze(f);
      expect(a.message.state).toBe('skipped');
      expect(a.message.machineGenerated).toMatch(/^bounce/);
      expect(a.exchanges).toEqual([]);
      expect(a.labels?.form).toBeNull();
    },
  );

  it('skips a read receipt', async () => {
    expect((await analyze('mimekit__disposition-notification.eml')).message.machineGenerated).toMatch(/^read_receipt/);
  });

  it('marks a multipart that never closes as malformed, and keeps its parties', async () => {
    const a = await analyze('flanker__missing-final-boundary.eml');
    expect(a.message.state).toBe('malformed');
    expect(a.message.problems).toContain('unclosed_multipart:nextPart');
    expect(a.parties.length).toBeGreaterThan(0);
  });

  it('sees an S/MIME multipart/signed message as signed', async () => {
    const a = await analyze('mimekit__smime-thunderbird-signed.eml');
    expect(a.labels?.signed).toBe(true);
    expect(a.evidence.some((e) => e.label === 'signed' && e.value === true)).toBe(true);
  });

  it('decodes windows-1258 (Vietnamese) text from a real mailing-list message', async () => {
    const a = await analyze('kernel-lists__git-windows-1258-8bit.eml');
    expect(a.message.state).toBe('analyzed');
    expect(a.message.textPreview.startsWith('Hello Đoàn,')).toBe(true);
  });

  it.each([
    ['mail-rb__japanese_shift_jis.eml', 'test', 'あいうえお このメールはテスト用のメールです。'],
    ['mimekit__japanese.eml', '日本語メールテスト (testing Japanese emails)', '日本語が'],
    ['mail-rb__ks_c_5601-1987.eml', 'test', '스티해'],
    ['mail-rb__raw_email.eml', 'NOTE: 한국말로 하는 것', '대부분의 마찬가지로, 우리는 하나님을 믿습니다.'],
    ['mimekit__tnef-ukr.eml', 'rr test 7', 'шостий'],
    // Its body is UTF-8 declared GB2312: read as UTF-8.
    ['spamscope__mail_test_12.eml', '代开各地增值税发票', '你好！我公司可代开各类增值税发票，17%专用发票'],
    ['zbateson__m0006.eml', 'Die Hasen und die Frösche (Microsoft Outlook 00)', 'Die Hasen klagten einst über ihre mißliche Lage; "wir leben"'],
    ['kernel-lists__git-windows-1258-8bit.eml', null, 'Hello Đoàn,'],
  ])('reads the charset of %s right: subject and body', async (f, subject, body) => {
    const a = await analyze(f);
    if (subject !== null) expect(a.message.subject).toBe(subject);
    if (body !== null) expect(a.message.textPreview.replace(/\s+/g, ' ')).toContain(body);
    expect(a.message.textPreview).not.toMatch(/\+A[A-Za-z0-9]{2}-/);
  });
});
