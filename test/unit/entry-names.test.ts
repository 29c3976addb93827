// Names of archive entries: the UTF-8 flag, the Info-ZIP Unicode Path field, and the legacy code
// pages Vietnamese mail really carries (CP1258 from a Vietnamese Windows, CP437 per the spec,
// UTF-8 without the flag). The bytes are made with iconv-lite, as those writers encode them.

import { crc32 } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { baseName, cleanPath, decodeLegacyName, plausibility, strictUtf8, zipEntryName, UNICODE_PATH_EXTRA } from '../../src/analyze/entry-names.js';

/**
 * What Windows writes in CP1258: letters it has (ô, ă, ơ, ư, đ, á…) as one byte, the others as
 * their base letter and a combining tone mark (ố = ô + U+0301).
 */
const cp1258 = (s: string): Buffer =>
  Buffer.concat(
    [...s.normalize('NFC')].map((ch) => {
      const one = iconv.encode(ch, 'cp1258');
      return one.length === 1 && one[0] === 0x3f && ch !== '?' ? iconv.encode(decomposeTone(ch), 'cp1258') : one;
    }),
  );

/** `ố` -> `ô` + U+0301. */
function decomposeTone(ch: string): string {
  const d = ch.normalize('NFD');
  const base = d.replace(/[\u0300\u0301\u0303\u0309\u0323]/g, '').normalize('NFC');
  const tone = /[\u0300\u0301\u0303\u0309\u0323]/.exec(d)?.[0] ?? '';
  return base + tone;
}

const crc = (b: Buffer) => crc32(b);

function unicodeExtra(name: string, rawName: Buffer, crcOverride?: number): { id: number; data: Buffer } {
  const head = Buffer.alloc(5);
  head[0] = 1;
  head.writeUInt32LE((crcOverride ?? crc32(rawName)) >>> 0, 1);
  return { id: UNICODE_PATH_EXTRA, data: Buffer.concat([head, Buffer.from(name, 'utf8')]) };
}

describe('decoding legacy 8-bit names', () => {
  it.each([
    'Công văn số 125-STC-NS.pdf',
    'Quyết định 1234/QĐ-UBND.docx',
    'Tờ trình đề nghị phê duyệt.doc',
    'Báo cáo quý III năm 2026.xlsx',
    'Hồ sơ/Kế hoạch ứng dụng CNTT.pdf',
    'ĐƠN ĐỀ NGHỊ.pdf',
  ])('reads a Vietnamese Windows (CP1258) name: %s', (name) => {
    const raw = cp1258(name);
    expect(raw.every((b) => b !== 0x3f)).toBe(true); // every character was encodable, none became '?'
    expect(decodeLegacyName(raw)).toBe(name.normalize('NFC'));
  });

  it.each(['Résumé.txt', 'Übersicht für März.pdf', 'façade.doc', 'ñandú.txt'])('keeps a Western DOS (CP437) name: %s', (name) => {
    expect(decodeLegacyName(iconv.encode(name, 'cp437'))).toBe(name);
  });

  it('reads UTF-8 written without the flag (macOS, Java, old 7-Zip)', () => {
    expect(decodeLegacyName(Buffer.from('Công văn số 12.pdf', 'utf8'))).toBe('Công văn số 12.pdf');
  });

  it('leaves ASCII as it is', () => {
    expect(decodeLegacyName(Buffer.from('cong-van-12-UBND.pdf'))).toBe('cong-van-12-UBND.pdf');
  });

  it('prefers the spec (CP437) when nothing tells them apart', () => {
    // 0xB0..0xB2 are shading blocks in CP437 and degree/plus-minus/superscript in CP1258: neither reads as letters.
    expect(decodeLegacyName(Buffer.from([0x61, 0xb0, 0x62]))).toBe(iconv.decode(Buffer.from([0x61, 0xb0, 0x62]), 'cp437'));
  });

  it('scores Vietnamese letters up and code-page debris down', () => {
    expect(plausibility('Công văn')).toBeGreaterThan(0);
    expect(plausibility('C⌠ng vπn')).toBeLessThan(0);
    expect(plausibility('ascii only')).toBe(0);
    expect(plausibility('a\uFFFDb')).toBeLessThan(0);
  });

  it('decodes UTF-8 strictly', () => {
    expect(strictUtf8(Buffer.from('số', 'utf8'))).toBe('số');
    expect(strictUtf8(Buffer.from([0xf4, 0x6e]))).toBeNull();
  });
});

describe('ZIP entry names', () => {
  it('trusts the UTF-8 flag (general purpose bit 11)', () => {
    expect(zipEntryName(Buffer.from('Hồ sơ/Công văn.pdf', 'utf8'), 0x800, [], crc)).toBe('Hồ sơ/Công văn.pdf');
  });

  it('takes the Info-ZIP Unicode Path field when its CRC matches the raw name', () => {
    const raw = Buffer.from('C?ng v?n.pdf', 'latin1'); // what an old WinZip wrote for characters it could not encode
    expect(zipEntryName(raw, 0, [unicodeExtra('Công văn.pdf', raw)], crc)).toBe('Công văn.pdf');
  });

  it('ignores a Unicode Path field left over from before a rename (CRC mismatch)', () => {
    const raw = Buffer.from('bao-cao.pdf', 'latin1');
    expect(zipEntryName(raw, 0, [unicodeExtra('Công văn.pdf', raw, 12345)], crc)).toBe('bao-cao.pdf');
  });

  it('falls back to the legacy code pages without flag or field', () => {
    expect(zipEntryName(cp1258('Công văn số 5.pdf'), 0, [], crc)).toBe('Công văn số 5.pdf');
  });

  it('normalizes separators and leading slashes, keeps the rest', () => {
    expect(cleanPath('\\Ho so\\cong van.pdf')).toBe('Ho so/cong van.pdf');
    expect(cleanPath('./a/b.txt')).toBe('a/b.txt');
    expect(cleanPath('../../etc/passwd')).toBe('../../etc/passwd');
    expect(cleanPath('name\u0000junk')).toBe('name');
    expect(cleanPath('so\u0302\u0301')).toBe('số');
  });

  it('gives the last segment of a path', () => {
    expect(baseName('ho-so/van-ban/cong-van.pdf')).toBe('cong-van.pdf');
    expect(baseName('cong-van.pdf')).toBe('cong-van.pdf');
    expect(baseName('ho-so/')).toBe('ho-so');
  });
});
