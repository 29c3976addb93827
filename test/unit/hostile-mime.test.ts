// Malformed and hostile MIME, made here, and a fuzz test over the real-world corpus: every input
// ends in an analysis with a terminal state (a malformed message is recorded as such, with the
// problem it has), never an exception, and within the parser's limits.
import { mulberry32 as rng } from '../../src/demo/random.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeMessage, degradedHeaders } from '../../src/analyze/message.js';
import { buildDirectory } from '../../src/domain/directory.js';

const directory = buildDirectory([]);
const ctx = { directory, monitored: null, internalDate: new Date('2026-08-01T00:00:00Z'), receivedAt: new Date('2026-08-01T00:00:00Z') };
const H = 'From: vanthu@stc.sonminh.gov.vn\r\nTo: vanthu@snv.sonminh.gov.vn\r\nSubject: =?UTF-8?B?Q8O0bmcgdsSDbiBz4buRIDEyMy9TVEMtTlM=?=\r\nDate: Mon, 17 Aug 2026 09:00:00 +0700\r\nMessage-ID: <hostile@stc.sonminh.gov.vn>\r\n';
const multipart = (boundary: string) => `${H}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`;

const hostile: Array<[string, () => Buffer, RegExp | null]> = [
  ['10,000 text parts', () => Buffer.from(multipart('b') + Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('') + '--b--\r\n'), /^limit:mime_parts$/],
  ['10,000 attachments', () => Buffer.from(multipart('b') + Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="f${i}.pdf"\r\n\r\nxx\r\n`).join('') + '--b--\r\n'), /^limit:mime_parts$/],
  ['a header line of 1 MB', () => Buffer.from(`${H}X-Padding: ${'a'.repeat(1 << 20)}\r\n\r\nbody\r\n`), /^limit:header_bytes$/],
  ['a subject of 1 MB', () => Buffer.from(`From: vanthu@stc.sonminh.gov.vn\r\nSubject: ${'Công văn số 1/UBND-VX '.repeat(45_000)}\r\n\r\nbody\r\n`), /^limit:header_bytes$/],
  ['500 nested multiparts', () => {
    let open = `${H}MIME-Version: 1.0\r\n`;
    let close = '';
    for (let i = 0; i < 500; i++) {
      open += `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n`;
      close = `\r\n--n${i}--\r\n${close}`;
    }
    return Buffer.from(`${open}Content-Type: text/plain\r\n\r\ninner\r\n${close}`);
  }, null],
  ['200 nested message/rfc822', () => Buffer.from(`${`${H}Content-Type: message/rfc822\r\n\r\n`.repeat(200)}${H}\r\ninner\r\n`), null],
  ['a truncated base64 PDF', () => Buffer.from(`${multipart('t')}--t\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfs`), /^unclosed_multipart:t$/],
  ['a multipart without a boundary', () => Buffer.from(`${H}MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n--x--\r\n`), /^multipart_without_boundary$/],
  ['an unknown charset', () => Buffer.from(`${H}Content-Type: text/plain; charset=x-nonsense-99\r\n\r\n\xff\xfe C\xf4ng v\xe3n\r\n`, 'latin1'), null],
  ['a wrong charset (UTF-8 bytes declared as us-ascii)', () => Buffer.from(`${H}Content-Type: text/plain; charset=us-ascii\r\n\r\nCông văn số 5/UBND-VX\r\n`), null],
  ['100 kB of NUL bytes as the body', () => Buffer.concat([Buffer.from(`${H}\r\n`), Buffer.alloc(100_000, 0)]), null],
  ['an empty file', () => Buffer.alloc(0), /^empty$/],
  ['binary noise', () => Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256)), /^no_header_fields$/],
  ['20,000 recipients', () => Buffer.from(`From: a@stc.sonminh.gov.vn\r\nTo: ${Array.from({ length: 20_000 }, (_, i) => `u${i}@d${i % 50}.gov.vn`).join(', ')}\r\nDate: Mon, 17 Aug 2026 09:00:00 +0700\r\n\r\nx\r\n`), null],
  ['a body line of 20 MB', () => Buffer.from(`${H}\r\n${'x'.repeat(20 << 20)}\r\n`), null],
];

describe('hostile MIME', () => {
  it.each(hostile)('%s: analyzed to a terminal state, with the expected problem', async (_name, make, problem) => {
    const a = await analyzeMessage(make(), ctx);
    expect(['analyzed', 'skipped', 'malformed']).toContain(a.message.state);
    if (problem) {
      expect(a.message.state).toBe('malformed');
      expect(a.message.problems.some((p) => problem.test(p))).toBe(true);
    }
    expect(a.message.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the parties and subject of a message over the parser limits', async () => {
    const raw = Buffer.from(multipart('b') + Array.from({ length: 2_000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`).join('') + '--b--\r\n');
    const a = await analyzeMessage(raw, ctx);
    expect(a.message.problems).toContain('limit:mime_parts');
    expect(a.message.subject).toBe('Công văn số 123/STC-NS');
    expect(a.parties.map((p) => p.address).sort()).toEqual(['vanthu@snv.sonminh.gov.vn', 'vanthu@stc.sonminh.gov.vn']);
    expect(a.refs.map((r) => r.ref)).toEqual(['123/STC-NS']);
  });

  it('degrades a header block to its lines, cut, without Content-Type', () => {
    const d = degradedHeaders(Buffer.from(`Subject: ${'x'.repeat(40_000)}\r\nContent-Type: multipart/mixed; boundary=b\r\nFrom: a@b.vn\r\n\r\n--b\r\n`)).toString('latin1');
    expect(d).toBe(`Subject: ${'x'.repeat(16_384 - 9)}\r\nFrom: a@b.vn\r\n\r\n`);
  });
});


const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mime');
const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort().map((f) => readFileSync(path.join(CORPUS, f)));

/** One random mutation of the kinds real damage takes: flipped bytes, cuts, lost or doubled lines, stray boundaries. */
function mutate(src: Buffer, r: () => number): Buffer {
  const at = () => Math.floor(r() * src.length);
  switch (Math.floor(r() * 8)) {
    case 0: {
      const b = Buffer.from(src);
      for (let k = 0; k < 1 + Math.floor(r() * 20); k++) b[at()] = Math.floor(r() * 256);
      return b;
    }
    case 1:
      return src.subarray(0, at());
    case 2: {
      const i = at();
      return Buffer.concat([src.subarray(0, i), src.subarray(Math.min(src.length, i + Math.floor(r() * 2000)))]);
    }
    case 3: {
      const i = at();
      const j = Math.min(src.length, i + Math.floor(r() * 4000));
      return Buffer.concat([src.subarray(0, j), src.subarray(i, j), src.subarray(j)]);
    }
    case 4: {
      const m = /boundary="?([^";\r\n]+)"?/i.exec(src.toString('latin1'));
      const line = Buffer.from(`\r\n--${m?.[1] ?? 'x'}${r() < 0.5 ? '--' : ''}\r\n`);
      const i = at();
      return Buffer.concat([src.subarray(0, i), line, src.subarray(i)]);
    }
    case 5:
      return Buffer.from(src.toString('latin1').replace(/\r\n/g, r() < 0.5 ? '\n' : '\r'), 'latin1');
    case 6: {
      const i = at();
      return Buffer.concat([src.subarray(0, i), Buffer.from(`=?UTF-8?B?${'\u0000'.repeat(3)}?=\r\n=?x?Q?=ZZ?=`), src.subarray(i)]);
    }
    default: {
      const i = at();
      return Buffer.concat([src.subarray(0, i), Buffer.alloc(Math.floor(r() * 70_000), 0x41), src.subarray(i)]);
    }
  }
}

describe('fuzzing the real-world corpus', () => {
  it('analyzes 400 mutated messages, each to a terminal state without an exception', async () => {
    const seed = 20261125;
    const r = rng(seed);
    const failures: string[] = [];
    for (let n = 0; n < 400; n++) {
      const src = corpus[Math.floor(r() * corpus.length)] as Buffer;
      let raw = mutate(src, r);
      if (r() < 0.3) raw = mutate(raw, r);
      try {
        const a = await analyzeMessage(raw, ctx);
        if (!['analyzed', 'skipped', 'malformed'].includes(a.message.state)) failures.push(`#${n}: state ${a.message.state}`);
      } catch (err) {
        failures.push(`#${n} (seed ${seed}): ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
