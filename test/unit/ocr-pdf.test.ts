// OCR of scanned PDFs and in the message analysis, and its failures, with the real Tesseract (Debian tesseract-ocr + tesseract-ocr-vie; CI installs
// them through scripts/services.sh up --ocr). The scans are made here: a Vietnamese administrative
// page rendered with pureimage and DejaVu, as PNG, JPEG, a two-page TIFF and image-only PDFs.
// Tesseract runs through a wrapper script that logs each run, so a test can tell whether it ran.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment, type AttachmentLimits } from '../../src/analyze/attachment.js';
import { analyzeMessage } from '../../src/analyze/message.js';
import { DEFAULT_OCR_OPTIONS, pnmOf, runTesseract, type OcrOptions } from '../../src/analyze/ocr.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import { adminPage, imagePdf, jpegOf, pngOf, renderHead, type Gray } from '../helpers/scans.js';

// Each tesseract run takes a second or more on a busy two-core machine.
vi.setConfig({ testTimeout: 60_000 });

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));

let dir = '';
let wrapper = '';
let log = '';
let page1: Gray;
const files: Record<string, Buffer> = {};

function file(name: string): Buffer {
  const f = files[name];
  if (!f) throw new Error(`fixture ${name} missing`);
  return f;
}

function runs(): string[] {
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

function limits(ocr: Partial<OcrOptions>): AttachmentLimits {
  return { ...DEFAULT_ATTACHMENT_LIMITS, ocr: { ...DEFAULT_OCR_OPTIONS, enabled: true, command: wrapper, ...ocr } };
}

beforeAll(async () => {
  try {
    execFileSync('tesseract', ['--list-langs'], { stdio: 'pipe' });
  } catch {
    throw new Error('these tests need tesseract with Vietnamese data: bash scripts/services.sh up --ocr (or apt-get install tesseract-ocr tesseract-ocr-vie)');
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-ocr-'));
  log = path.join(dir, 'runs.log');
  wrapper = path.join(dir, 'tesseract');
  writeFileSync(log, '');
  // A real tesseract behind a script that notes each run: `exec` keeps the pid, so a kill reaches tesseract.
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec tesseract "$@"\n`);
  chmodSync(wrapper, 0o755);
  page1 = await renderHead(adminPage('2888/UBND-VX', 'V/v triển khai chuyển đổi số trong trao đổi văn bản'));
  files.png = await pngOf(page1);
  files.jpeg = jpegOf(page1);
  files.jpegPdf = await imagePdf([{ jpeg: files.jpeg }]);
  files.pngPdf = await imagePdf([{ png: files.png }]);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OCR of scanned PDFs', () => {
  it('reads the JPEG a scanned PDF page holds, as stored', async () => {
    const facts = await inspectAttachment(file('jpegPdf'), { filename: 'cong-van.pdf', declaredType: 'application/pdf' }, limits({}));
    expect(facts.kind).toBe('pdf');
    expect(facts.digitization).toBe('scanned');
    expect(facts.text.trim()).toBe('');
    expect(facts.ocr?.pages).toBe(1);
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
  });

  it('reads a page image stored with Flate, decoded by pdfjs into pixels', async () => {
    const facts = await inspectAttachment(file('pngPdf'), { filename: 'cong-van-png.pdf', declaredType: 'application/pdf' }, limits({}));
    expect(facts.digitization).toBe('scanned');
    expect(facts.ocr?.problems).toEqual([]);
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
  });
});

describe('OCR of a mixed PDF', () => {
  it('recognizes only the scanned page, not the page with a text layer', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    pdf.addPage([595.28, 841.89]).drawText('So: 17/STC-NS, bao cao quy III', { x: 72, y: 760, size: 12, font });
    const scan = await pdf.embedJpg(file('jpeg'));
    pdf.addPage([595.28, 286]).drawImage(scan, { x: 0, y: 0, width: 595.28, height: 286 });
    const bytes = Buffer.from(await pdf.save());
    const before = runs().length;
    const facts = await inspectAttachment(bytes, { filename: 'hon-hop.pdf', declaredType: 'application/pdf' }, limits({}));
    expect(facts).toMatchObject({ digitization: 'mixed', pages: 2, textPages: 1 });
    expect(runs().length - before).toBe(1);
    expect(facts.ocr?.pages).toBe(1);
    expect(facts.text).toContain('17/STC-NS');
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
  });
});

describe('OCR in the message analysis', () => {
  const mail = (pdf: Buffer): Buffer =>
    Buffer.from(
      [
        'From: vanthu.ubnd@sonminh.gov.vn',
        'To: stc@sonminh.gov.vn',
        'Subject: Gui van ban',
        'Message-ID: <ocr-1@sonminh.gov.vn>',
        'Date: Wed, 05 Aug 2026 09:00:00 +0700',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Kinh gui So Tai chinh, UBND tinh gui van ban dinh kem.',
        '--b1',
        'Content-Type: application/pdf; name="scan.pdf"',
        'Content-Disposition: attachment; filename="scan.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdf.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
  const analyze = (raw: Buffer, ocr: Partial<OcrOptions>) =>
    analyzeMessage(raw, { directory, monitored: '000.00.03.H30', internalDate: null, receivedAt: new Date('2026-08-05T03:00:00Z'), limits: limits(ocr) });

  it('with OCR off finds nothing in a scan and runs no tesseract', async () => {
    const before = runs().length;
    const a = await analyze(mail(file('jpegPdf')), { enabled: false });
    expect(runs().length).toBe(before);
    expect(a.refs.map((r) => r.ref)).not.toContain('2888/UBND-VX');
    expect(a.attachments[0]?.ocr).toBeUndefined();
    expect(a.labels.digitization).toBe('scanned');
    expect(a.exchanges[0]?.documentRef).toBeNull();
  });

  it('with OCR on finds the transmitted document in the scan, marked as from OCR', async () => {
    const a = await analyze(mail(file('jpegPdf')), {});
    const ref = a.refs.find((r) => r.ref === '2888/UBND-VX');
    expect(ref).toMatchObject({ role: 'transmitted', source: 'attachment:0:ocr', number: '2888', symbol: 'UBND-VX' });
    expect(a.attachments[0]?.ocr?.text).toContain('2888/UBND-VX');
    expect(a.exchanges[0]?.documentRef).toBe('2888/UBND-VX');
    expect(a.labels.digitization).toBe('scanned');
  });
});

describe('when tesseract cannot do its work', () => {
  it('records "tesseract not installed" and goes on when the program is missing', async () => {
    const facts = await inspectAttachment(file('png'), { filename: 'x.png', declaredType: 'image/png' }, limits({ command: path.join(dir, 'no-such-tesseract') }));
    expect(facts.ocr?.problems).toEqual(['unavailable:ocr: tesseract not installed']);
    expect(facts.problem).toBe('unavailable:ocr: tesseract not installed');
    expect(facts.digitization).toBe('scanned');
    // Not remembered: installing tesseract later must help the same file.
    const again = await inspectAttachment(file('png'), { filename: 'x.png', declaredType: 'image/png' }, limits({ command: path.join(dir, 'no-such-tesseract-2') }));
    expect(again.ocr?.problems).toEqual(['unavailable:ocr: tesseract not installed']);
  });

  it('records missing language data', async () => {
    const r = await runTesseract(file('png'), { command: wrapper, languages: 'xyzzy', timeoutMs: 60_000 });
    expect(r).toEqual({ ok: false, problem: 'unavailable:ocr: language data missing for xyzzy' });
  });

  it('kills tesseract past its time limit and says so', async () => {
    const r = await runTesseract(file('png'), { command: wrapper, languages: 'vie+eng', timeoutMs: 1 });
    expect(r).toEqual({ ok: false, problem: 'timeout:ocr' });
  });

  it('reports what tesseract says of bytes that are no image', async () => {
    const r = await runTesseract(Buffer.from('not an image at all'), { command: wrapper, languages: 'eng', timeoutMs: 60_000 });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problem).toMatch(/^unreadable:ocr: /);
  });
});

describe('PNM for the pixels pdfjs decodes', () => {
  it('writes bilevel pixels as P4 with black as 1, and colour as P6 without alpha', () => {
    // pdfjs' 1-bit rows: 1 is white. Two pixels wide: black, white.
    const p4 = pnmOf({ width: 2, height: 1, kind: 1, data: new Uint8Array([0b01000000]) });
    expect(p4.subarray(0, 7).toString('latin1')).toBe('P4\n2 1\n');
    expect(p4[7]).toBe(0b10111111);
    const p6 = pnmOf({ width: 1, height: 1, kind: 3, data: new Uint8Array([10, 20, 30, 255]) });
    expect(p6.toString('latin1', 0, 11)).toBe('P6\n1 1\n255\n');
    expect([...p6.subarray(11)]).toEqual([10, 20, 30]);
  });
});
