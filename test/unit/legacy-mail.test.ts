// Mail in legacy Vietnamese encodings through analyzeMessage: subjects and bodies in TCVN3, VNI and
// windows-1258, declared as iso-8859-1, windows-1252, windows-1258 or not declared at all; the
// conversion recorded in `message.encoding`, on each attachment and in the exchanges' evidence.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { analyzeMessage, type MessageAnalysis } from '../../src/analyze/message.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import { encodeTcvn3, encodeVni, encodeWindows1258 } from '../../src/domain/vn-legacy.js';

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));
const analyze = (raw: Buffer) => analyzeMessage(raw, { directory, monitored: null, internalDate: null, receivedAt: new Date('2026-09-14T03:00:00Z') });

const SUBJECT = 'Công văn số 123/UBND-VX về việc báo cáo tình hình sử dụng thư điện tử';
const BODY = 'Kính gửi: Sở Tài chính\r\n\r\nThực hiện chỉ đạo của UBND tỉnh, Văn phòng gửi Công văn số 123/UBND-VX ngày 14/9/2026 để các cơ quan, đơn vị biết và thực hiện.\r\n\r\nTrân trọng./.\r\n';

const HEAD = 'From: ubnd@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nMessage-ID: <legacy-1@sonminh.gov.vn>\r\nDate: Mon, 14 Sep 2026 09:00:00 +0700\r\nMIME-Version: 1.0\r\n';

/** An RFC 2047 Q encoded word of 8-bit text. */
function qWord(charset: string, bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b === 0x20 ? '_' : b >= 0x21 && b < 0x7f && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return `=?${charset}?Q?${out}?=`;
}

function qp(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b === 0x0d || b === 0x0a || (b >= 0x20 && b < 0x7f && b !== 0x3d) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out.replace(/([^\r\n]{70})/g, '$1=\r\n');
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** The encoding evidence of the main exchange (every exchange of the message carries the same). */
function encodingEvidence(a: MessageAnalysis) {
  const ev = a.evidence.filter((e) => e.label === 'encoding');
  for (const x of a.exchanges) expect(x.evidence.filter((e) => e.label === 'encoding')).toEqual(ev);
  return ev;
}

describe('legacy-encoded mail', () => {
  it('converts a TCVN3 subject and body declared iso-8859-1, and finds Công văn 123/UBND-VX', async () => {
    const raw = Buffer.concat([
      latin1(`${HEAD}Subject: ${qWord('iso-8859-1', latin1(encodeTcvn3(SUBJECT)))}\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`),
      latin1(qp(latin1(encodeTcvn3(BODY)))),
    ]);
    const a = await analyze(raw);
    expect(a.message.subject).toBe(SUBJECT);
    expect(a.message.textPreview.startsWith('Kính gửi: Sở Tài chính')).toBe(true);
    expect(a.message.encoding).toBe('tcvn3');
    expect(a.refs.find((r) => r.ref === '123/UBND-VX')).toMatchObject({ kind: 'Công văn', role: 'transmitted', source: 'subject' });
    expect(a.exchanges.map((e) => e.documentRef)).toEqual(['123/UBND-VX']);
    const ev = encodingEvidence(a);
    expect(ev.map((e) => e.rule)).toEqual(['encoding.tcvn3.detected', 'encoding.tcvn3.detected']);
    expect(ev[0]?.detail).toMatch(/^Tiêu đề \/ Subject: văn bản mã TCVN3 \(ABC\) đã chuyển sang Unicode \/ TCVN3 \(ABC\) text converted to Unicode \(\d+%\)$/);
  });

  it('records a body declared windows-1258 (decoded by mailparser, tone marks composed)', async () => {
    const raw = Buffer.concat([
      latin1(`${HEAD}Subject: Cong van 123/UBND-VX\r\nContent-Type: text/plain; charset=windows-1258\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
      encodeWindows1258(BODY),
    ]);
    const a = await analyze(raw);
    expect(a.message.textPreview).toBe(BODY.replace(/\r\n/g, '\n').normalize('NFC').slice(0, 280));
    expect(a.message.encoding).toBe('windows-1258');
    expect(encodingEvidence(a).map((e) => e.rule)).toEqual(['encoding.windows-1258.declared']);
  });

  it('detects windows-1258 bytes mislabelled windows-1252', async () => {
    const raw = Buffer.concat([
      latin1(`${HEAD}Subject: ${qWord('windows-1252', encodeWindows1258(SUBJECT))}\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
      encodeWindows1258(BODY),
    ]);
    const a = await analyze(raw);
    expect(a.message.subject).toBe(SUBJECT);
    expect(a.message.textPreview.startsWith('Kính gửi: Sở Tài chính')).toBe(true);
    expect(a.message.encoding).toBe('windows-1258');
    expect(encodingEvidence(a).map((e) => e.rule)).toEqual(['encoding.windows-1258.detected', 'encoding.windows-1258.detected']);
  });

  it('converts a VNI body declared windows-1252 in base64', async () => {
    const raw = latin1(
      `${HEAD}Subject: Cong van\r\nContent-Type: text/plain; charset="windows-1252"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
        latin1(encodeVni(BODY)).toString('base64').replace(/(.{76})/g, '$1\r\n'),
    );
    const a = await analyze(raw);
    expect(a.message.textPreview.startsWith('Kính gửi: Sở Tài chính\n\nThực hiện chỉ đạo của UBND tỉnh')).toBe(true);
    expect(a.message.encoding).toBe('vni');
    expect(a.refs.find((r) => r.ref === '123/UBND-VX')?.source).toBe('body');
  });

  it('reads undeclared 8-bit TCVN3 again from the raw bytes instead of keeping U+FFFD', async () => {
    const raw = Buffer.concat([latin1(`${HEAD}Subject: ${encodeTcvn3(SUBJECT)}\r\n\r\n`), latin1(encodeTcvn3(BODY))]);
    const a = await analyze(raw);
    expect(a.message.subject).toBe(SUBJECT);
    expect(a.message.textPreview).not.toContain('\ufffd');
    expect(a.message.textPreview.startsWith('Kính gửi: Sở Tài chính')).toBe(true);
    expect(a.message.encoding).toBe('tcvn3');
    expect(a.refs[0]).toMatchObject({ ref: '123/UBND-VX', kind: 'Công văn' });
  });

  it('reads 8-bit text under charset=us-ascii again too', async () => {
    const raw = Buffer.concat([
      latin1(`${HEAD}Subject: Bao cao\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
      latin1(encodeVni(BODY)),
    ]);
    const a = await analyze(raw);
    expect(a.message.textPreview.startsWith('Kính gửi: Sở Tài chính')).toBe(true);
    expect(a.message.encoding).toBe('vni');
  });

  it('records each attachment converted, by the detector (a .txt) or by its font (an .xlsx)', async () => {
    const wb = new ExcelJS.Workbook();
    const cell = wb.addWorksheet('DS').getCell('A1');
    cell.value = encodeTcvn3('Tờ trình số 45/TTr-SNV');
    cell.font = { name: '.VnTime' };
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const boundary = 'b1';
    const raw = Buffer.concat([
      Buffer.from(`${HEAD}Subject: =?utf-8?B?${Buffer.from('Gửi tài liệu').toString('base64')}?=\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nKính gửi Sở Tài chính, xin gửi tài liệu đính kèm.\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: text/plain; name="ghi-chu.txt"\r\nContent-Disposition: attachment; filename="ghi-chu.txt"\r\nContent-Transfer-Encoding: base64\r\n\r\n`),
      Buffer.from(latin1(encodeTcvn3(BODY)).toString('base64') + '\r\n'),
      Buffer.from(`--${boundary}\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="ds.xlsx"\r\nContent-Disposition: attachment; filename="ds.xlsx"\r\nContent-Transfer-Encoding: base64\r\n\r\n`),
      Buffer.from(xlsx.toString('base64').replace(/(.{76})/g, '$1\r\n') + '\r\n'),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const a = await analyze(raw);
    expect(a.message.encoding).toBeNull();
    expect(a.attachments.map((x) => [x.filename, x.encoding])).toEqual([
      ['ghi-chu.txt', 'tcvn3'],
      ['ds.xlsx', 'tcvn3'],
    ]);
    expect(a.refs.map((r) => [r.ref, r.source])).toEqual(expect.arrayContaining([['123/UBND-VX', 'attachment:0'], ['45/TTr-SNV', 'attachment:1']]));
    expect(encodingEvidence(a).map((e) => e.detail.split(':')[0])).toEqual(['Tệp đính kèm / Attachment 0 (ghi-chu.txt)', 'Tệp đính kèm / Attachment 1 (ds.xlsx)']);
  });

  it('records nothing for a Unicode mail', async () => {
    const raw = Buffer.from(`${HEAD}Subject: =?utf-8?B?${Buffer.from(SUBJECT).toString('base64')}?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${BODY}`);
    const a = await analyze(raw);
    expect(a.message.subject).toBe(SUBJECT);
    expect(a.message.encoding).toBeNull();
    expect(encodingEvidence(a)).toEqual([]);
  });

  it('records nothing for a French mail in iso-8859-1', async () => {
    const body = 'Bonjour, voici le compte rendu de la réunion où nous avons évoqué le budget. À bientôt, Hélène.\r\n';
    const raw = latin1(`${HEAD}Subject: ${qWord('iso-8859-1', latin1('Réunion du comité'))}\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`);
    const a = await analyze(raw);
    expect(a.message.subject).toBe('Réunion du comité');
    expect(a.message.textPreview).toBe(body.replace(/\r\n/g, '\n'));
    expect(a.message.encoding).toBeNull();
  });
});

describe('UTF-8 under a legacy charset declaration', () => {
  const mail = (charset: string, body: Buffer) =>
    Buffer.concat([latin1(`${HEAD}Subject: V/v bao cao\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`), body]);

  it('reads a body declared windows-1252 but written in UTF-8 as UTF-8, and finds its reference', async () => {
    const a = await analyze(mail('windows-1252', Buffer.from(BODY, 'utf8')));
    expect(a.message.textPreview).toContain('Thực hiện chỉ đạo của UBND tỉnh');
    expect(a.refs.map((r) => r.ref)).toContain('123/UBND-VX');
  });

  it('keeps a genuine windows-1258 body declared as such (its bytes are not UTF-8)', async () => {
    const a = await analyze(mail('windows-1258', encodeWindows1258(BODY)));
    expect(a.message.textPreview).toContain('Thực hiện chỉ đạo của UBND tỉnh');
    expect(a.message.encoding).toBe('windows-1258');
  });

  it('keeps a body declared iso-8859-1 whose UTF-8 reading would give one character only', async () => {
    // "Ã©" in latin-1 is also the UTF-8 of "é": one such pair is no proof, the declaration stands.
    const a = await analyze(mail('iso-8859-1', latin1('Gia tri: Ã© 5\r\n')));
    expect(a.message.textPreview).toContain('Ã©');
  });
});
