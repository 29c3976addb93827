// Looking inside containers (src/analyze/container.ts) with inspectAttachment, on real archives:
// ZIPs made here with @zip.js/zip.js (nested, ZIP64, encrypted, names in every code page, bombs),
// tar and gzip made with tar-stream and zlib, RAR and 7z files from libarchive's test suite
// (test/fixtures/archives/SOURCES.md), and the real winmail.dat files of the MIME corpus.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment, type AttachmentLimits } from '../../src/analyze/attachment.js';
import { containedDigitization, containedEntries, DEFAULT_ARCHIVE_LIMITS } from '../../src/analyze/container.js';
import { renderDocx, renderJpegScan, renderScannedPdf, renderTextPdf, type DocSpec } from '../../src/demo/documents.js';
import type { AttachmentFacts } from '../../src/domain/types.js';
import { loadConfig } from '../../src/config/config.js';
import { gzip, makeTar, makeZip, nestZip, zipBomb } from '../helpers/archives.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/archives');
const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mime');

const spec: DocSpec = {
  issuer: 'Sở Tài chính',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '125/STC-NS',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 7, 20)),
  kind: 'Công văn',
  title: 'V/v thẩm định dự toán ngân sách năm 2027',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: ['Sở Tài chính đề nghị các cơ quan gửi hồ sơ dự toán trước ngày 15 tháng 9 năm 2026.'],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Trần Văn Nam',
};

const doc: Record<string, Buffer> = {};
beforeAll(async () => {
  doc.pdf = await renderTextPdf(spec);
  doc.scanPdf = await renderScannedPdf(spec);
  doc.jpeg = await renderJpegScan(spec);
  doc.docx = await renderDocx({ ...spec, number: '88/STC-QLNS' });
});
const get = (k: string): Buffer => {
  const b = doc[k];
  if (!b) throw new Error(`missing ${k}`);
  return b;
};

const asZip = (filename = 'ho-so.zip') => ({ filename, declaredType: 'application/zip' });
const withArchive = (archive: Partial<typeof DEFAULT_ARCHIVE_LIMITS>, more: Partial<AttachmentLimits> = {}): AttachmentLimits => ({
  ...DEFAULT_ATTACHMENT_LIMITS,
  ...more,
  archive: { ...DEFAULT_ARCHIVE_LIMITS, ...archive },
});
const child = (f: AttachmentFacts, i: number): AttachmentFacts => {
  const c = f.children?.[i];
  if (!c) throw new Error(`no child ${i} in ${f.filename ?? '?'}`);
  return c;
};
const MiB = 1024 * 1024;

describe('a nested ZIP', () => {
  it('analyzes every entry like an attachment, down through a ZIP in the ZIP', async () => {
    const inner = await makeZip([
      { name: 'cong-van-125-STC-NS.pdf', data: get('pdf') },
      { name: 'ban-quet.jpg', data: get('jpeg') },
    ]);
    const outer = await makeZip([
      { name: 'ho-so/phu-luc.zip', data: inner },
      { name: 'ho-so/ghi-chu.txt', data: Buffer.from('Kèm theo Công văn số 125/STC-NS.\n') },
    ]);
    const facts = await inspectAttachment(outer, asZip());
    expect(facts.kind).toBe('archive');
    expect(facts.problem).toBeNull();
    expect(facts.container).toEqual({ format: 'zip', entries: 2, unpackedBytes: inner.length + Buffer.byteLength('Kèm theo Công văn số 125/STC-NS.\n') });
    const [zip, txt] = [child(facts, 0), child(facts, 1)];
    expect(zip).toMatchObject({ path: 'ho-so/phu-luc.zip', filename: 'phu-luc.zip', kind: 'archive', sniffedType: 'application/zip' });
    expect(txt).toMatchObject({ path: 'ho-so/ghi-chu.txt', kind: 'text', text: 'Kèm theo Công văn số 125/STC-NS.\n' });
    const [pdf, jpeg] = [child(zip, 0), child(zip, 1)];
    expect(pdf).toMatchObject({ kind: 'pdf', digitization: 'born_digital', pages: 1, textPages: 1, problem: null });
    expect(pdf.text).toContain('125/STC-NS');
    expect(jpeg).toMatchObject({ kind: 'image', sniffedType: 'image/jpeg', digitization: 'scanned' });
    // A born-digital PDF beside a scan: the inner ZIP is mixed, and so is the outer one.
    expect(zip.digitization).toBe('mixed');
    expect(facts.digitization).toBe('mixed');
    expect(containedEntries(facts).map((e) => e.path)).toEqual([
      'ho-so.zip/ho-so/phu-luc.zip',
      'ho-so.zip/ho-so/phu-luc.zip/cong-van-125-STC-NS.pdf',
      'ho-so.zip/ho-so/phu-luc.zip/ban-quet.jpg',
      'ho-so.zip/ho-so/ghi-chu.txt',
    ]);
  });

  it('calls a ZIP holding only a scanned PDF scanned', async () => {
    const facts = await inspectAttachment(await makeZip([{ name: 'scan.pdf', data: get('scanPdf') }]), asZip());
    expect(child(facts, 0)).toMatchObject({ kind: 'pdf', digitization: 'scanned', textPages: 0 });
    expect(facts.digitization).toBe('scanned');
  });

  it('reads the text of a DOCX inside a ZIP', async () => {
    const facts = await inspectAttachment(await makeZip([{ name: 'du-thao.docx', data: get('docx') }]), asZip());
    expect(child(facts, 0)).toMatchObject({ kind: 'office', digitization: 'born_digital' });
    expect(child(facts, 0).text).toContain('88/STC-QLNS');
  });

  it('reads ZIP64 entries', async () => {
    const zip = await makeZip([{ name: 'cong-van.pdf', data: get('pdf'), options: { zip64: true } }], { zip64: true });
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // the ZIP64 end of central directory record
    const facts = await inspectAttachment(zip, asZip());
    expect(facts.problem).toBeNull();
    expect(child(facts, 0)).toMatchObject({ kind: 'pdf', digitization: 'born_digital', size: get('pdf').length });
  });

  it('skips folders and an empty ZIP has no entries', async () => {
    const facts = await inspectAttachment(await makeZip([{ name: 'rong/', data: new Uint8Array(0), options: { directory: true } }]), asZip());
    expect(facts.children).toEqual([]);
    expect(facts.digitization).toBe('none');
    expect(facts.problem).toBeNull();
  });

  it('reports an entry whose compressed data is damaged as unreadable, and reads the others', async () => {
    const text = Buffer.from('Công văn số 125/STC-NS về dự toán ngân sách. '.repeat(400));
    const zip = await makeZip([
      { name: 'hong.txt', data: text },
      { name: 'tot.pdf', data: get('pdf') },
    ]);
    const damaged = Buffer.from(zip);
    // The first entry's data starts after its 30-byte local header and name; garble its middle.
    const start = 30 + damaged.readUInt16LE(26) + damaged.readUInt16LE(28);
    damaged.fill(0xff, start + 20, start + 60);
    const facts = await inspectAttachment(damaged, asZip());
    expect(child(facts, 0).problem).toMatch(/^unreadable:zip: /);
    expect(child(facts, 1)).toMatchObject({ kind: 'pdf', problem: null });
  });

  it('never throws on a ZIP cut anywhere', async () => {
    const zip = await makeZip([
      { name: 'a/inner.zip', data: await makeZip([{ name: 'x.pdf', data: get('pdf') }]) },
      { name: 'b.txt', data: Buffer.from('b'.repeat(5000)) },
    ]);
    for (const cut of [4, 30, 100, 1000, Math.floor(zip.length / 2), zip.length - 23, zip.length - 1]) {
      const facts = await inspectAttachment(zip.subarray(0, cut), asZip(`cut-${cut}.zip`));
      expect(facts.problem === null || /^(unreadable|over_limit)/.test(facts.problem)).toBe(true);
    }
  });

  it('reports a damaged ZIP as unreadable, without throwing', async () => {
    const zip = await makeZip([{ name: 'a.pdf', data: get('pdf') }]);
    const facts = await inspectAttachment(zip.subarray(0, zip.length - 30), asZip());
    expect(facts.kind).toBe('archive');
    expect(facts.problem).toMatch(/^unreadable:zip: /);
  });
});

describe('Vietnamese file names in ZIPs', () => {
  const name = 'Hồ sơ/Công văn số 125-STC-NS.pdf';

  it('reads UTF-8 names flagged as such', async () => {
    const facts = await inspectAttachment(await makeZip([{ name, data: get('pdf') }]), asZip());
    expect(child(facts, 0).path).toBe(name);
    expect(child(facts, 0).filename).toBe('Công văn số 125-STC-NS.pdf');
  });

  it("reads names a Vietnamese Windows wrote in its code page (CP1258), without the UTF-8 flag", async () => {
    // Windows writes what CP1258 has as one byte (ô, ă, ơ, đ) and the tones as combining marks.
    const windows = 'Hô\u0300 sơ/Công văn sô\u0301 125-STC-NS.pdf';
    const zip = await makeZip([{ name: windows, data: get('pdf') }], { useUnicodeFileNames: false, encodeText: (t) => iconv.encode(t, 'cp1258') });
    expect(zip.includes(iconv.encode('Công văn', 'cp1258'))).toBe(true);
    const facts = await inspectAttachment(zip, asZip());
    expect(child(facts, 0).path).toBe(name);
  });

  it('reads CP437 names (the spec) and UTF-8 names written without the flag', async () => {
    const zip = await makeZip(
      [
        { name: 'Résumé.txt', data: Buffer.from('cv'), options: { useUnicodeFileNames: false } },
        { name: 'Kế hoạch.txt', data: Buffer.from('kh'), options: { useUnicodeFileNames: false } },
      ],
      { encodeText: (t) => (t === 'Résumé.txt' ? iconv.encode(t, 'cp437') : Buffer.from(t, 'utf8')) },
    );
    const facts = await inspectAttachment(zip, asZip());
    expect(facts.children?.map((c) => c.path)).toEqual(['Résumé.txt', 'Kế hoạch.txt']);
  });

  it('finds the reference in a file name inside the archive', async () => {
    const facts = await inspectAttachment(await makeZip([{ name: '02-2023-QD-KTNN.pdf', data: get('scanPdf') }]), asZip());
    expect(child(facts, 0).filename).toBe('02-2023-QD-KTNN.pdf');
  });
});

describe('encrypted archives', () => {
  it.each([
    ['AES-256', { password: 'mat-khau-2026' }],
    ['ZipCrypto', { password: 'mat-khau-2026', zipCrypto: true }],
  ])('records a %s entry as encrypted and does not read it', async (_label, options) => {
    const zip = await makeZip([{ name: 'mat/cong-van.pdf', data: get('pdf'), options }]);
    const facts = await inspectAttachment(zip, asZip());
    expect(facts.problem).toBe('encrypted');
    expect(child(facts, 0)).toMatchObject({ path: 'mat/cong-van.pdf', problem: 'encrypted', kind: 'other', digitization: 'none', text: '' });
    expect(facts.digitization).toBe('none');
  });

  it('still reads the entries that are not encrypted', async () => {
    const zip = await makeZip([
      { name: 'mat.pdf', data: get('pdf'), options: { password: 'x1y2z3', zipCrypto: true } },
      { name: 'cong-khai.pdf', data: get('scanPdf') },
    ]);
    const facts = await inspectAttachment(zip, asZip());
    expect(facts.problem).toBe('encrypted');
    expect(child(facts, 1)).toMatchObject({ problem: null, digitization: 'scanned' });
    expect(facts.digitization).toBe('scanned');
  });
});

describe('limits: depth, entries, total bytes, ratio', () => {
  it('does not open containers nested deeper than the limit', async () => {
    const deep = await nestZip(7, { name: 'cong-van.pdf', data: get('pdf') });
    const facts = await inspectAttachment(deep, asZip('long-nhau.zip'), withArchive({ maxDepth: 5 }));
    expect(facts.problem).toBe('over_limit:depth');
    // Depths 1..5 are opened; the ZIP at depth 6 is listed, flagged and left closed.
    let node = facts;
    for (let depth = 1; depth <= 5; depth++) {
      expect(node.children).toHaveLength(1);
      node = child(node, 0);
    }
    expect(node).toMatchObject({ kind: 'archive', problem: 'over_limit:depth', children: [] });
    expect(containedEntries(facts).some((e) => e.facts.kind === 'pdf')).toBe(false);
  });

  it('opens the same nesting when the limit allows it', async () => {
    const deep = await nestZip(3, { name: 'cong-van.pdf', data: get('pdf') });
    const facts = await inspectAttachment(deep, asZip('long-nhau.zip'), withArchive({ maxDepth: 3 }));
    expect(facts.problem).toBeNull();
    expect(facts.digitization).toBe('born_digital');
    expect(containedEntries(facts).at(-1)?.path).toBe('long-nhau.zip/level-2.zip/level-3.zip/cong-van.pdf');
  });

  it('stops listing at the entry limit, which the nested entries share', async () => {
    const files = Array.from({ length: 12 }, (_, i) => ({ name: `tep-${i}.txt`, data: Buffer.from(`Tệp ${i}`) }));
    const facts = await inspectAttachment(await makeZip(files), asZip(), withArchive({ maxEntries: 5 }));
    expect(facts.problem).toBe('over_limit:entries');
    expect(facts.children).toHaveLength(5);
    expect(facts.container?.entries).toBe(12);
    // Shared: 3 here, so the inner ZIP gets the 2 left.
    const inner = await makeZip(files.slice(0, 4));
    const nested = await inspectAttachment(await makeZip([{ name: 'a.txt', data: Buffer.from('a') }, { name: 'b.txt', data: Buffer.from('b') }, { name: 'c.zip', data: inner }]), asZip(), withArchive({ maxEntries: 5 }));
    expect(child(nested, 2).children).toHaveLength(2);
    expect(child(nested, 2).problem).toBe('over_limit:entries');
    expect(nested.problem).toBe('over_limit:entries');
  });

  it('refuses an entry over the total budget from its declared size, and reads the ones that fit', async () => {
    const big = Buffer.alloc(3 * MiB, 0x41);
    const facts = await inspectAttachment(
      await makeZip([
        { name: 'a.txt', data: big },
        { name: 'b.txt', data: big },
        { name: 'c.pdf', data: get('pdf') },
      ]),
      asZip(),
      withArchive({ maxTotalBytes: 5 * MiB, maxRatio: 10_000 }),
    );
    expect(facts.problem).toBe('over_limit:total');
    expect(facts.children?.map((c) => c.problem)).toEqual([null, 'over_limit:total', null]);
    expect(child(facts, 1).sha256).toBe('');
    expect(facts.container?.unpackedBytes).toBe(3 * MiB + get('pdf').length);
  });

  it('refuses an entry over the attachment size limit', async () => {
    const text = Buffer.from('Danh sách hồ sơ đề nghị thẩm định dự toán ngân sách năm 2027.\n'.repeat(4000));
    const zip = await makeZip([{ name: 'danh-sach.txt', data: text }]);
    expect(zip.length).toBeLessThan(50_000);
    const facts = await inspectAttachment(zip, asZip(), withArchive({}, { maxBytes: 50_000 }));
    expect(child(facts, 0)).toMatchObject({ problem: 'over_limit:size', size: text.length });
    expect(facts.problem).toBe('over_limit:size');
  });

  it('flags one entry with a ratio over the limit as a bomb and does not inflate it', async () => {
    // 64 MiB of zeros in ~66 KB: a ratio of about 1000.
    const bomb = await zipBomb('bao-cao.txt', 64);
    expect(bomb.length).toBeLessThan(100_000);
    const facts = await inspectAttachment(bomb, asZip('bao-cao.zip'));
    expect(facts.problem).toBe('over_limit:ratio');
    expect(child(facts, 0)).toMatchObject({ path: 'bao-cao.txt', problem: 'over_limit:ratio', size: 64 * MiB, sha256: '' });
    expect(facts.container?.unpackedBytes).toBe(0);
  });

  it('lets a small, highly compressible entry through (under the 1 MiB grace)', async () => {
    const facts = await inspectAttachment(await makeZip([{ name: 'trang-trang.txt', data: Buffer.alloc(512 * 1024, 0x20) }]), asZip());
    expect(facts.problem).toBeNull();
    expect(child(facts, 0)).toMatchObject({ kind: 'text', size: 512 * 1024 });
  });

  it('stops an entry that expands past the size its headers declare (a lying bomb), at that size', async () => {
    const liar = await zipBomb('bang-ke.txt', 256, 2 * MiB);
    const facts = await inspectAttachment(liar, asZip());
    expect(child(facts, 0)).toMatchObject({ problem: 'over_limit:declared_size', size: 2 * MiB });
    expect(facts.problem).toBe('over_limit:declared_size');
    expect(facts.container?.unpackedBytes).toBe(0);
  });

  it('stops a gzip bomb at the output cap (gzip declares no trustworthy size)', async () => {
    // 64 MiB of zeros in ~65 KB: inflation stops at 100 times that, the ratio cap.
    const facts = await inspectAttachment(gzip(Buffer.alloc(64 * MiB)), { filename: 'so-lieu.csv.gz', declaredType: null });
    expect(facts.sniffedType).toBe('application/gzip');
    expect(child(facts, 0)).toMatchObject({ path: 'so-lieu.csv', problem: 'over_limit:ratio' });
    expect(facts.problem).toBe('over_limit:ratio');
    // Under a smaller attachment size limit, that limit stops it first.
    const small = await inspectAttachment(gzip(Buffer.alloc(64 * MiB)), { filename: 'so-lieu.csv.gz', declaredType: null }, withArchive({}, { maxBytes: 2 * MiB }));
    expect(child(small, 0).problem).toBe('over_limit:size');
  });

  it('inflates an honest gzip', async () => {
    const facts = await inspectAttachment(gzip(get('pdf')), { filename: 'cong-van.pdf.gz', declaredType: null });
    expect(child(facts, 0)).toMatchObject({ path: 'cong-van.pdf', kind: 'pdf', digitization: 'born_digital' });
  });

  it('flags a 42.zip-like tree (16 wide, 6 deep, a bomb at the bottom) without unpacking it', async () => {
    let level = await zipBomb('0.dll', 1024);
    for (const prefix of ['page', 'doc', 'chapter', 'book', 'lib']) {
      level = await makeZip(Array.from({ length: 16 }, (_, i) => ({ name: `${prefix} ${i.toString(16)}.zip`, data: level })));
    }
    expect(level.length).toBeLessThan(1_000_000);
    const facts = await inspectAttachment(level, asZip('42.zip'));
    // Each "page" ZIP is itself a 1000:1 entry of its "doc" ZIP: refused there, never opened.
    expect(facts.problem).toBe('over_limit:ratio');
    const all = containedEntries(facts);
    expect(all).toHaveLength(DEFAULT_ARCHIVE_LIMITS.maxEntries);
    expect(all.find((e) => e.path.endsWith('/page 0.zip'))?.facts).toMatchObject({ problem: 'over_limit:ratio', sha256: '' });
    expect(all.filter((e) => e.facts.problem === 'over_limit:entries').length).toBeGreaterThan(0);
    expect(all.some((e) => e.facts.filename === '0.dll')).toBe(false);
    expect(all.reduce((n, e) => n + (e.facts.container?.unpackedBytes ?? 0), 0)).toBeLessThan(DEFAULT_ARCHIVE_LIMITS.maxTotalBytes);
  });
});

describe('time and the facts cache', () => {
  it('answers "timeout" with what it had when the attachment time runs out inside a container', async () => {
    const zip = await makeZip(Array.from({ length: 6 }, (_, i) => ({ name: `scan-${i}.pdf`, data: get('scanPdf') })));
    const facts = await inspectAttachment(zip, asZip('nhieu-ban-quet.zip'), withArchive({ maxEntries: 999 }, { timeoutMs: 1 }));
    expect(facts.problem).toBe('timeout');
    expect(facts.kind).toBe('archive');
  });

  it("reuses a container's facts only for a mail's own attachment, never inside another container", async () => {
    const limits = withArchive({ maxEntries: 3 });
    const inner = await makeZip(['x', 'y', 'z'].map((n) => ({ name: `${n}.txt`, data: Buffer.from(n) })));
    const alone = await inspectAttachment(inner, asZip('inner.zip'), limits);
    expect(alone.children).toHaveLength(3);
    expect(await inspectAttachment(inner, asZip('inner-again.zip'), limits)).toEqual({ ...alone, filename: 'inner-again.zip' });
    // Inside another ZIP the same bytes get what is left of the budget: 1 entry.
    const outer = await inspectAttachment(await makeZip([{ name: 'a.txt', data: Buffer.from('a') }, { name: 'inner.zip', data: inner }]), asZip('outer.zip'), limits);
    expect(child(outer, 1).children).toHaveLength(1);
    expect(child(outer, 1).problem).toBe('over_limit:entries');
  });
});

describe('RAR archives (libarchive test files)', () => {
  const rar = (f: string) => readFileSync(path.join(FIXTURES, f));

  it('opens a RAR 5 and the ZIP inside it', async () => {
    const facts = await inspectAttachment(rar('libarchive__test_read_format_rar5_zip_in_rar.rar'), { filename: 'ho-so.rar', declaredType: 'application/x-rar' });
    expect(facts).toMatchObject({ kind: 'archive', sniffedType: 'application/x-rar-compressed', problem: null, container: { format: 'rar', entries: 2 } });
    expect(facts.children?.map((c) => c.path)).toEqual(['payload/inner.zip', 'payload/real_after.txt']);
    expect(child(child(facts, 0), 0)).toMatchObject({ path: 'THIS_IS_INSIDE_THE_ZIP.txt', kind: 'text', text: 'inner content' });
    expect(child(facts, 1).text).toBe('i am a real rar entry');
  });

  it('reads the Unicode names of a RAR 4 archive', async () => {
    const facts = await inspectAttachment(rar('libarchive__test_read_format_rar_unicode.rar'), { filename: 'x.rar', declaredType: null });
    expect(facts.children?.map((c) => c.path)).toEqual(['表だよ/新しいフォルダ/新規テキスト ドキュメント.txt', '表だよ/漢字長いファイル名long-filename-in-漢字.txt']);
    expect(child(facts, 1).text).toBe('kanji');
  });

  it('gives each of several RARs analyzed at once its own entries (one unrar instance serves them all)', async () => {
    const a = rar('libarchive__test_read_format_rar5_zip_in_rar.rar');
    const b = rar('libarchive__test_read_format_rar_unicode.rar');
    // Distinct limits defeat the facts cache, so each analysis really runs.
    const results = await Promise.all([a, b, a, b].map((r, i) => inspectAttachment(r, { filename: `${i}.rar`, declaredType: null }, withArchive({ maxEntries: 100 + i }))));
    expect(results.map((r) => r.children?.map((c) => c.text).join('|'))).toEqual(['|i am a real rar entry', '|kanji', '|i am a real rar entry', '|kanji']);
  });

  it('applies the entry limit to RAR too', async () => {
    const facts = await inspectAttachment(rar('libarchive__test_read_format_rar5_zip_in_rar.rar'), { filename: 'x.rar', declaredType: null }, withArchive({ maxEntries: 1 }));
    expect(facts.problem).toBe('over_limit:entries');
    expect(facts.children?.map((c) => c.path)).toEqual(['payload/inner.zip']);
  });

  it('reports a truncated RAR as unreadable', async () => {
    const facts = await inspectAttachment(rar('libarchive__test_read_format_rar5_zip_in_rar.rar').subarray(0, 120), { filename: 'x.rar', declaredType: null });
    expect(facts.problem).toMatch(/^unreadable:rar: /);
  });
});

describe('7z, tar and gzip', () => {
  it('records a 7z archive as unsupported', async () => {
    const facts = await inspectAttachment(readFileSync(path.join(FIXTURES, 'libarchive__test_read_format_7zip_lzma1_arm64.7z')), { filename: 'ho-so.7z', declaredType: null });
    expect(facts).toMatchObject({ kind: 'archive', sniffedType: 'application/x-7z-compressed', problem: 'unsupported:7z', children: [] });
  });

  it('opens a .tar.gz: the gzip holds the tar, the tar holds the documents', async () => {
    const tgz = gzip(
      await makeTar([
        { name: 'ho-so/Công văn số 125.pdf', data: get('pdf') },
        { name: 'ho-so/ban-quet.pdf', data: get('scanPdf') },
      ]),
    );
    const facts = await inspectAttachment(tgz, { filename: 'ho-so.tar.gz', declaredType: null });
    expect(facts).toMatchObject({ sniffedType: 'application/gzip', problem: null, digitization: 'mixed' });
    const tarFacts = child(facts, 0);
    expect(tarFacts).toMatchObject({ path: 'ho-so.tar', sniffedType: 'application/x-tar', kind: 'archive' });
    expect(tarFacts.children?.map((c) => [c.path, c.digitization])).toEqual([
      ['ho-so/Công văn số 125.pdf', 'born_digital'],
      ['ho-so/ban-quet.pdf', 'scanned'],
    ]);
  });

  it('limits tar entries like any other', async () => {
    const tarFile = await makeTar(Array.from({ length: 6 }, (_, i) => ({ name: `t${i}.txt`, data: Buffer.from(`so ${i}`) })));
    const facts = await inspectAttachment(tarFile, { filename: 't.tar', declaredType: null }, withArchive({ maxEntries: 4 }));
    expect(facts.problem).toBe('over_limit:entries');
    expect(facts.children?.map((c) => c.text)).toEqual(['so 0', 'so 1', 'so 2', 'so 3']);
  });
});

describe('winmail.dat (TNEF) from real Outlook mail', () => {
  const winmail = async (f: string): Promise<Buffer> => {
    const parsed = await simpleParser(readFileSync(path.join(CORPUS, f)));
    const part = parsed.attachments.find((a) => a.contentType === 'application/ms-tnef');
    if (!part) throw new Error(`no winmail.dat in ${f}`);
    return part.content;
  };

  it('opens the attachments and embedded messages of an Outlook rich-text mail (MimeKit sample)', async () => {
    const facts = await inspectAttachment(await winmail('mimekit__tnef-rich-text.eml'), { filename: 'winmail.dat', declaredType: 'application/ms-tnef' });
    expect(facts).toMatchObject({ kind: 'message', sniffedType: 'application/vnd.ms-tnef', problem: null, container: { format: 'tnef', entries: 3 } });
    expect(facts.children?.map((c) => [c.filename, c.kind])).toEqual([
      ['kitten-playing-with-a-christmas-tree.jpg', 'image'],
      ['Build a train table', 'message'],
      ['Christmas Celebration!', 'message'],
    ]);
    expect(child(facts, 0)).toMatchObject({ sniffedType: 'image/jpeg', size: 375081, digitization: 'scanned' });
    // The embedded Outlook items are TNEF streams of their own, opened in turn.
    expect(child(facts, 1).text).toContain('Build my nephew an HO-scale train table for Christmas.');
    expect(child(child(facts, 2), 0)).toMatchObject({ filename: 'kitten-playing-with-a-christmas-tree.jpg', kind: 'image' });
    expect(facts.digitization).toBe('scanned');
  });

  it('reads the subject and body in the code page Outlook used (koi8/cp1251, MimeKit sample)', async () => {
    const facts = await inspectAttachment(await winmail('mimekit__tnef-ukr.eml'), { filename: 'winmail.dat', declaredType: 'application/ms-tnef' });
    expect(facts.text.startsWith('rr test 7\nшостий')).toBe(true);
    expect(facts.children).toEqual([]);
  });

  it('believes the bytes: a winmail.dat that is a PNG is an image (zbateson sample)', async () => {
    const facts = await inspectAttachment(await winmail('zbateson__m4006.eml'), { filename: 'winmail.dat', declaredType: 'application/ms-tnef' });
    expect(facts.sniffedType).toBe('image/png');
    expect(facts.children).toBeUndefined();
  });

  it('never throws on a truncated winmail.dat', async () => {
    const full = await winmail('mimekit__tnef-rich-text.eml');
    for (const cut of [6, 20, 100, 5000, 400_000, full.length - 3]) {
      const facts = await inspectAttachment(full.subarray(0, cut), { filename: 'winmail.dat', declaredType: 'application/ms-tnef' });
      expect(facts.kind).toBe('message');
      expect(facts.problem === null || facts.problem.startsWith('unreadable:')).toBe(true);
    }
  });
});

describe('summaries', () => {
  const leaf = (kind: AttachmentFacts['kind'], digitization: AttachmentFacts['digitization']): AttachmentFacts => ({
    filename: 'x',
    declaredType: null,
    sniffedType: 'x',
    size: 1,
    sha256: '',
    kind,
    digitization,
    pages: null,
    textPages: null,
    text: '',
    problem: null,
    encoding: null,
  });

  it.each([
    [[], 'none'],
    [[leaf('pdf', 'born_digital'), leaf('office', 'born_digital')], 'born_digital'],
    [[leaf('image', 'scanned'), leaf('pdf', 'scanned')], 'scanned'],
    [[leaf('pdf', 'born_digital'), leaf('image', 'scanned')], 'mixed'],
    [[leaf('pdf', 'none'), leaf('text', 'none'), leaf('image', 'scanned')], 'scanned'],
    [[{ ...leaf('archive', 'scanned'), children: [] }, leaf('pdf', 'scanned')], 'scanned'],
    [[{ ...leaf('message', 'born_digital'), children: [] }, leaf('image', 'scanned')], 'mixed'],
  ] as Array<[AttachmentFacts[], string]>)('digitization of %j is %s', (children, expected) => {
    expect(containedDigitization(children)).toBe(expected);
  });
});

describe('configuration of the limits', () => {
  it('defaults (config/default.yaml) to the same limits as the code', () => {
    expect(loadConfig({}).analyze.archive).toEqual(DEFAULT_ARCHIVE_LIMITS);
  });

  it('takes analyze.archive_* from an override file, and refuses nonsense naming the key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edocwatch-archive-'));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, 'analyze:\n  archive_max_depth: 2\n  archive_max_entries: 50\n  archive_max_total_bytes: 1048576\n  archive_max_ratio: 20\n');
    expect(loadConfig({ EDOCWATCH_CONFIG: good }).analyze.archive).toEqual({ maxDepth: 2, maxEntries: 50, maxTotalBytes: 1048576, maxRatio: 20 });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'analyze:\n  archive_max_depth: 0\n  archive_max_ratio: lots\n');
    expect(() => loadConfig({ EDOCWATCH_CONFIG: bad })).toThrow(/analyze\.archive_max_depth[\s\S]*analyze\.archive_max_ratio/);
  });
});
