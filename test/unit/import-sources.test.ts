// The archive readers of `edocwatch import`: mbox (mboxrd quoting, CRLF and LF, empty, truncated,
// tiny read chunks, long lines, size limit), folders of .eml, Maildir with sub-folders, kind
// detection, and real messages from the shared corpus coming back byte for byte.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  detectArchive,
  headerSection,
  messageIdOf,
  parseSeparatorDate,
  readArchive,
  type ArchivedMessage,
  type ReadOptions,
} from '../../src/importer/sources.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'edocwatch-import-src-'));

function message(n: number, body: string[], eol = '\n'): Buffer {
  const lines = [
    `From: Sở Tài chính <stc@sonminh.gov.vn>`,
    `To: snv@sonminh.gov.vn`,
    `Subject: =?UTF-8?B?${Buffer.from(`Công văn số ${n}/STC-NS`).toString('base64')}?=`,
    `Date: Mon, 3 Aug 2026 09:0${n % 10}:00 +0700`,
    `Message-ID: <import-${n}@stc.sonminh.gov.vn>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...body,
    '',
  ];
  return Buffer.from(lines.join(eol), 'utf8');
}

/** mboxrd as a writer makes it: quote every `>*From ` line, separator, message, blank line. */
function mboxrd(entries: Array<{ raw: Buffer; sep?: string }>, eol = '\n'): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(Buffer.from(`${e.sep ?? 'From MAILER-DAEMON Mon Aug  3 02:00:00 2026'}${eol}`, 'latin1'));
    const quoted = e.raw.toString('latin1').replace(/^(>*From )/gm, '>$1');
    parts.push(Buffer.from(quoted, 'latin1'));
    if (!quoted.endsWith('\n')) parts.push(Buffer.from(eol));
    parts.push(Buffer.from(eol));
  }
  return Buffer.concat(parts);
}

async function all(p: string, opts: ReadOptions = {}): Promise<ArchivedMessage[]> {
  const out: ArchivedMessage[] = [];
  for await (const m of readArchive(p, await detectArchive(p), opts)) out.push(m);
  return out;
}

const bodyWithFrom = ['Kính gửi Sở Nội vụ,', '', 'From the attached document you will see', '>From a quoted reply', 'Trân trọng./.'];

describe('mbox', () => {
  for (const eol of ['\n', '\r\n']) {
    const name = eol === '\n' ? 'LF' : 'CRLF';
    it(`splits an ${name} mboxrd file, unquotes >From lines and keeps every byte (${name})`, async () => {
      const dir = tmp();
      const msgs = [message(1, ['Nội dung thứ nhất.'], eol), message(2, bodyWithFrom, eol), message(3, ['', 'From', 'last'], eol)];
      const file = path.join(dir, 'archive.mbox');
      const data = mboxrd(
        [
          { raw: msgs[0] as Buffer, sep: 'From stc@sonminh.gov.vn Mon Aug  3 02:00:00 2026' },
          { raw: msgs[1] as Buffer, sep: 'From - Tue Aug 04 09:30:15 2026' },
          { raw: msgs[2] as Buffer, sep: 'From 1234@xxx Wed Aug 05 10:00:00 +0700 2026' },
        ],
        eol,
      );
      // The fixture really is quoted as mboxrd writes it.
      expect(data.toString()).toContain(`${eol}>From the attached document you will see${eol}>>From a quoted reply${eol}`);
      writeFileSync(file, data);
      expect(await detectArchive(file)).toBe('mbox');
      for (const chunkBytes of [1, 3, 7, 64, 1 << 20]) {
        const got = await all(file, { chunkBytes });
        expect(got.map((m) => m.source)).toEqual(['archive.mbox#1', 'archive.mbox#2', 'archive.mbox#3']);
        got.forEach((m, i) => {
          expect(m.raw.equals(msgs[i] as Buffer)).toBe(true);
          expect(m.size).toBe(m.raw.length);
          expect(m.overLimit).toBe(false);
          expect(m.folder).toBeNull();
        });
        expect(got.map((m) => m.internalDate?.toISOString())).toEqual(['2026-08-03T02:00:00.000Z', '2026-08-04T09:30:15.000Z', '2026-08-05T03:00:00.000Z']);
      }
    });
  }

  it('reads an empty file as an mbox with no messages', async () => {
    const file = path.join(tmp(), 'empty.mbox');
    writeFileSync(file, '');
    expect(await detectArchive(file)).toBe('mbox');
    expect(await all(file)).toEqual([]);
  });

  it('keeps a truncated last message as it is, never dropped', async () => {
    const whole = message(9, ['Nội dung', 'bị cắt giữa chừng ở đây và không có dòng trống cuối']);
    const cut = whole.subarray(0, whole.length - 20);
    const file = path.join(tmp(), 'cut.mbox');
    const first = message(8, ['đủ']);
    writeFileSync(file, Buffer.concat([mboxrd([{ raw: first }]), Buffer.from('From x Mon Aug  3 02:00:00 2026\n'), cut]));
    for (const chunkBytes of [5, 1 << 20]) {
      const got = await all(file, { chunkBytes });
      expect(got).toHaveLength(2);
      expect(got[0]?.raw.equals(first)).toBe(true);
      expect(got[1]?.raw.equals(cut)).toBe(true);
    }
  });

  it('splits only at From lines after a blank line (an unquoted From inside a body stays in it)', async () => {
    const file = path.join(tmp(), 'mboxo');
    writeFileSync(file, 'From a Mon Aug  3 02:00:00 2026\nSubject: x\n\nline\nFrom here, not a separator\n\nFrom b Mon Aug  3 03:00:00 2026\nSubject: y\n\nz\n\n');
    const got = await all(file);
    expect(got.map((m) => m.raw.toString())).toEqual(['Subject: x\n\nline\nFrom here, not a separator\n', 'Subject: y\n\nz\n']);
  });

  it('passes lines longer than its line buffer through unchanged, in small chunks', async () => {
    const long = 'A'.repeat(300_000);
    const msgs = [message(1, [long, '>From ' + long]), message(2, ['ngắn'])];
    const file = path.join(tmp(), 'long.mbox');
    writeFileSync(file, mboxrd(msgs.map((raw) => ({ raw }))));
    const got = await all(file, { chunkBytes: 4096 });
    expect(got).toHaveLength(2);
    expect(got[0]?.raw.equals(msgs[0] as Buffer)).toBe(true);
    expect(got[1]?.raw.equals(msgs[1] as Buffer)).toBe(true);
  });

  it('keeps only the header section of a message over the size limit', async () => {
    const big = message(5, ['x'.repeat(10_000)]);
    const small = message(6, ['nhỏ']);
    const file = path.join(tmp(), 'big.mbox');
    writeFileSync(file, mboxrd([{ raw: big }, { raw: small }]));
    const got = await all(file, { maxMessageBytes: 2_000, chunkBytes: 512 });
    expect(got[0]).toMatchObject({ overLimit: true, size: big.length });
    expect(got[0]?.raw.toString()).toBe(big.toString().slice(0, big.toString().indexOf('\n\n') + 2));
    expect(messageIdOf(got[0]?.raw as Buffer)).toBe('<import-5@stc.sonminh.gov.vn>');
    expect(got[1]).toMatchObject({ overLimit: false, size: small.length });
    expect(got[1]?.raw.equals(small)).toBe(true);
  });

  it('gives back real messages of the corpus byte for byte', async () => {
    const corpus = '/work/shared/corpus/mime';
    const names = readdirSync(corpus)
      .filter((n) => n.endsWith('.eml'))
      .sort()
      .filter((n) => readFileSync(path.join(corpus, n)).at(-1) === 0x0a);
    // Those with From lines of their own (an mbox separator kept at the top, a From in a body), and some others.
    const withFrom = names.filter((n) => /^>*From /m.test(readFileSync(path.join(corpus, n), 'latin1')));
    expect(withFrom.length).toBeGreaterThan(2);
    const picked = [...withFrom, ...names.filter((n) => !withFrom.includes(n)).slice(0, 12)];
    const raws = picked.map((n) => readFileSync(path.join(corpus, n)));
    const file = path.join(tmp(), 'corpus.mbox');
    writeFileSync(file, mboxrd(raws.map((raw) => ({ raw }))));
    for (const chunkBytes of [509, 1 << 16]) {
      const got = await all(file, { chunkBytes });
      expect(got).toHaveLength(raws.length);
      got.forEach((m, i) => expect(m.raw.equals(raws[i] as Buffer), picked[i]).toBe(true));
    }
  });
});

describe('folders of .eml and Maildir', () => {
  it('reads a folder of .eml files recursively, in sorted order, skipping other and hidden files', async () => {
    const root = path.join(tmp(), 'export');
    mkdirSync(path.join(root, 'b-sub'), { recursive: true });
    mkdirSync(path.join(root, '.hidden'), { recursive: true });
    const m1 = message(1, ['một']);
    const m2 = message(2, ['hai'], '\r\n');
    const m3 = message(3, ['ba']);
    writeFileSync(path.join(root, 'c.eml'), m3);
    writeFileSync(path.join(root, 'a.EML'), m1);
    writeFileSync(path.join(root, 'b-sub', 'x.eml'), m2);
    writeFileSync(path.join(root, 'notes.txt'), 'not mail');
    writeFileSync(path.join(root, '._c.eml'), 'AppleDouble');
    writeFileSync(path.join(root, '.hidden', 'z.eml'), m1);
    expect(await detectArchive(root)).toBe('eml-dir');
    const got = await all(root);
    expect(got.map((m) => m.source)).toEqual(['export/a.EML', 'export/b-sub/x.eml', 'export/c.eml']);
    expect(got.map((m) => m.raw)).toEqual([m1, m2, m3]);
    expect(got.every((m) => m.internalDate === null && m.folder === null)).toBe(true);
  });

  it('reads a Maildir: cur and new, then its Maildir++ sub-folders, dated by mtime', async () => {
    const root = path.join(tmp(), 'Maildir');
    for (const d of ['cur', 'new', 'tmp', '.Sent/cur', '.Sent/new', '.Archive.2024/cur', '.notmaildir']) mkdirSync(path.join(root, d), { recursive: true });
    const put = (rel: string, raw: Buffer, t: number): void => {
      writeFileSync(path.join(root, rel), raw);
      utimesSync(path.join(root, rel), t, t);
    };
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) => message(n, [`thư ${n}`]));
    put('cur/1700000002.M2P1.host:2,S', b as Buffer, 1_700_000_002);
    put('new/1700000001.M1P1.host', a as Buffer, 1_700_000_001);
    put('cur/1700000003.M3P1.host:2,RS', c as Buffer, 1_700_000_003);
    put('tmp/1700000009.M9P1.host', e as Buffer, 1_700_000_009); // being delivered: not read
    put('.Sent/cur/1700000004.M4P1.host:2,S', d as Buffer, 1_700_000_004);
    put('.Archive.2024/cur/1700000005.M5P1.host:2,', e as Buffer, 1_700_000_005);
    expect(await detectArchive(root)).toBe('maildir');
    const got = await all(root);
    expect(got.map((m) => [m.folder, m.source])).toEqual([
      [null, 'Maildir/new/1700000001.M1P1.host'],
      [null, 'Maildir/cur/1700000002.M2P1.host:2,S'],
      [null, 'Maildir/cur/1700000003.M3P1.host:2,RS'],
      ['Archive.2024', 'Maildir/.Archive.2024/cur/1700000005.M5P1.host:2,'],
      ['Sent', 'Maildir/.Sent/cur/1700000004.M4P1.host:2,S'],
    ]);
    expect(got.map((m) => m.raw)).toEqual([a, b, c, e, d]);
    expect(got[0]?.internalDate?.getTime()).toBe(1_700_000_001_000);
    expect(got[4]?.internalDate?.getTime()).toBe(1_700_000_004_000);
  });
});

describe('detection and headers', () => {
  it('refuses what it cannot read or recognize with a usage error', async () => {
    const dir = tmp();
    await expect(detectArchive(path.join(dir, 'missing.mbox'))).rejects.toBeInstanceOf(UsageError);
    mkdirSync(path.join(dir, 'empty-folder'));
    await expect(detectArchive(path.join(dir, 'empty-folder'))).rejects.toBeInstanceOf(UsageError);
    writeFileSync(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]));
    await expect(detectArchive(path.join(dir, 'photo.jpg'))).rejects.toBeInstanceOf(UsageError);
    writeFileSync(path.join(dir, 'one.txt'), message(1, ['x']));
    expect(await detectArchive(path.join(dir, 'one.txt'))).toBe('eml');
    writeFileSync(path.join(dir, 'one.eml'), message(1, ['x']));
    expect(await detectArchive(path.join(dir, 'one.eml'))).toBe('eml');
    expect((await all(path.join(dir, 'one.eml')))[0]?.source).toBe('one.eml');
  });

  it('reads the Message-ID, unfolded, from the header section only', () => {
    expect(messageIdOf(Buffer.from('Subject: x\r\nMessage-ID:\r\n <abc@x.vn>\r\n\r\nMessage-ID: <body@x.vn>\r\n'))).toBe('<abc@x.vn>');
    expect(messageIdOf(Buffer.from('message-id: <A@B> (comment)\n\n'))).toBe('<A@B>');
    expect(messageIdOf(Buffer.from('Subject: x\n\nMessage-ID: <body@x.vn>\n'))).toBeNull();
    expect(messageIdOf(Buffer.from('Message-ID:   \nSubject: x\n\n'))).toBeNull();
    expect(headerSection(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody')).toString()).toBe('A: 1\r\nB: 2\r\n\r\n');
  });

  it('reads the date of separator lines as mail programs write them', () => {
    expect(parseSeparatorDate('From mrc@CAC.Washington.EDU Mon Feb  8 02:53:47 PST 1993')?.toISOString()).toBe('1993-02-08T10:53:47.000Z');
    expect(parseSeparatorDate('From user@domain  Fri Feb 22 17:06:23 2008')?.toISOString()).toBe('2008-02-22T17:06:23.000Z');
    expect(parseSeparatorDate('From 1@xxx Sat Jan 01 00:00:00 +0700 2022')?.toISOString()).toBe('2021-12-31T17:00:00.000Z');
    expect(parseSeparatorDate('From email_test@me.nowhere')).toBeNull();
    expect(parseSeparatorDate('From x Mon Feb 31 00:00:00 2024')).toBeNull();
  });
});
