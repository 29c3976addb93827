// OCR of image attachments (PNG, JPEG, multi-page TIFF) with the real Tesseract (Debian tesseract-ocr + tesseract-ocr-vie; CI installs
// them through scripts/services.sh up --ocr). The scans are made here: a Vietnamese administrative
// page rendered with pureimage and DejaVu, as PNG, JPEG, a two-page TIFF and image-only PDFs.
// Tesseract runs through a wrapper script that logs each run, so a test can tell whether it ran.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment, type AttachmentLimits } from '../../src/analyze/attachment.js';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from '../../src/analyze/ocr.js';
import { adminPage, jpegOf, pngOf, renderHead, tiffOf, type Gray } from '../helpers/scans.js';

// Each tesseract run takes a second or more on a busy two-core machine.
vi.setConfig({ testTimeout: 60_000 });

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
  const page2 = await renderHead(adminPage('2890/UBND-KT', 'V/v báo cáo kết quả thực hiện kế hoạch năm 2026'));
  files.png = await pngOf(page1);
  files.jpeg = jpegOf(page1);
  files.tiff = tiffOf([page1, page2]);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OCR of image attachments', () => {
  it('reads the số/ký hiệu of a PNG scan and says the text came from tesseract', async () => {
    const facts = await inspectAttachment(file('png'), { filename: 'scan.png', declaredType: 'image/png' }, limits({}));
    expect(facts.kind).toBe('image');
    expect(facts.digitization).toBe('scanned');
    expect(facts.image).toEqual({ width: page1.width, height: page1.height });
    expect(facts.ocr).toMatchObject({ engine: 'tesseract', languages: 'vie+eng', pages: 1, problems: [] });
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
    expect(facts.ocr?.text).toMatch(/ỦY BAN NHÂN DÂN/);
    expect(facts.ocr?.chars).toBe(facts.ocr?.text.length);
    // The file's own text stays what the file holds: nothing.
    expect(facts.text).toBe('');
    expect(facts.problem).toBeNull();
  });

  it('reads a JPEG scan', async () => {
    const facts = await inspectAttachment(file('jpeg'), { filename: 'scan.jpg', declaredType: 'image/jpeg' }, limits({}));
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
  });

  it('counts the pages of a multi-page TIFF and reads each', async () => {
    const facts = await inspectAttachment(file('tiff'), { filename: 'scan.tif', declaredType: 'image/tiff' }, limits({}));
    expect(facts.sniffedType).toBe('image/tiff');
    expect(facts.pages).toBe(2);
    expect(facts.digitization).toBe('scanned');
    expect(facts.ocr?.pages).toBe(2);
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
    expect(facts.ocr?.text).toContain('2890/UBND-KT');
  });

  it('stops at the page limit and records it', async () => {
    const before = runs().length;
    const facts = await inspectAttachment(file('tiff'), { filename: 'scan2.tif', declaredType: 'image/tiff' }, limits({ maxPages: 1 }));
    expect(runs().length - before).toBe(1);
    expect(facts.ocr?.pages).toBe(1);
    expect(facts.ocr?.problems).toContain('over_limit:ocr_pages');
    expect(facts.problem).toBe('over_limit:ocr_pages');
    expect(facts.ocr?.text).toContain('2888/UBND-VX');
    expect(facts.ocr?.text).not.toContain('2890');
  });

  it('leaves a page above the pixel limit unread, without running tesseract', async () => {
    const before = runs().length;
    const facts = await inspectAttachment(file('png'), { filename: 'big.png', declaredType: 'image/png' }, limits({ maxPixels: 1000 }));
    expect(runs().length).toBe(before);
    expect(facts.ocr).toMatchObject({ pages: 0, text: '', problems: ['over_limit:pixels'] });
    expect(facts.problem).toBe('over_limit:pixels');
  });
});

