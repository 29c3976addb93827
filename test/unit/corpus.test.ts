// The demo mail generator: deterministic, parseable, realistic in shares, and honest about its
// truth (references visible, Sent/INBOX pairs byte-identical, Vietnamese encoded properly).

import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateCorpus,
  generateCorpusArray,
  loadSampleAgencies,
  makeTaxCode,
  type CorpusOptions,
  type GeneratedMessage,
} from '../../src/demo/corpus.js';
import { isValidTaxCode, issuerSymbol, stripDiacritics, taxCodeCheckDigit } from '../../src/demo/vocabulary.js';
import type { Agency } from '../../src/domain/types.js';

const MONITORED = ['000.00.00.H30', '000.00.03.H30', '000.00.10.H30', '000.31.01.H30', '000.32.01.H30', '000.00.09.H30'];
const PERIOD = { start: new Date('2026-07-01T00:00:00+07:00'), end: new Date('2026-10-01T00:00:00+07:00') };

let agencies: Agency[];
let corpus: GeneratedMessage[];
/** One entry per mail (distinct Message-ID), with every copy of it. */
let mails: Map<string, GeneratedMessage[]>;
const parsed = new Map<string, ParsedMail>();

function options(over: Partial<CorpusOptions> = {}): CorpusOptions {
  // A small pool keeps the unit test quick; shares do not depend on the pool's size.
  return { count: 500, seed: 42, period: PERIOD, agencies, monitored: MONITORED, poolSize: 12, ...over };
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  if (!a) return [];
  return (Array.isArray(a) ? a : [a]).flatMap((o) => o.value.map((v) => (v.address ?? '').toLowerCase()));
}

function officialAddress(a: Agency): string | null {
  return a.addresses[0] ?? (a.domains[0] ? `vanthu@${a.domains[0]}` : null);
}

function headerBlock(raw: Buffer): string {
  const s = raw.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  return end < 0 ? s : s.slice(0, end);
}

beforeAll(async () => {
  agencies = loadSampleAgencies();
  corpus = await generateCorpusArray(options());
  mails = new Map();
  for (const m of corpus) mails.set(m.truth.messageId, [...(mails.get(m.truth.messageId) ?? []), m]);
  for (const [id, copies] of mails) {
    const first = copies[0];
    if (first && !first.truth.malformed) parsed.set(id, await simpleParser(first.raw));
  }
}, 120_000);

describe('generateCorpus', () => {
  it('yields exactly the requested number of messages, each in a monitored mailbox', () => {
    expect(corpus).toHaveLength(500);
    for (const m of corpus) expect(MONITORED).toContain(m.mailbox);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const hashOf = async (seed: number): Promise<string> => {
      const h = createHash('sha256');
      for await (const m of generateCorpus(options({ count: 40, seed, poolSize: 8 }))) h.update(m.raw).update(m.mailbox).update(m.folder);
      return h.digest('hex');
    };
    const a = await hashOf(7);
    expect(await hashOf(7)).toBe(a);
    expect(await hashOf(8)).not.toBe(a);
  }, 60_000);

  it('writes CRLF line ends only', () => {
    for (const [, copies] of mails) {
      const raw = copies[0]?.raw.toString('latin1') ?? '';
      expect(/(^|[^\r])\n/.test(raw)).toBe(false);
    }
  });

  it('produces messages that mailparser reads, with the Message-ID and Date the truth states', () => {
    for (const [id, copies] of mails) {
      const first = copies[0];
      if (!first || first.truth.malformed) continue;
      const mail = parsed.get(id);
      expect(mail?.messageId).toBe(id);
      expect(mail?.date?.getTime()).toBeGreaterThanOrEqual(PERIOD.start.getTime());
      expect(mail?.date?.getTime()).toBeLessThan(PERIOD.end.getTime());
      expect(first.internalDate.getTime()).toBeGreaterThanOrEqual(mail?.date?.getTime() ?? Infinity);
      expect(mail?.subject ?? '').not.toBe('');
    }
  });

  it('keeps malformed messages as bytes with headers, broken in structure', () => {
    const broken = [...mails.values()].map((c) => c[0]).filter((m): m is GeneratedMessage => !!m?.truth.malformed);
    expect(broken.length).toBeGreaterThan(0);
    for (const m of broken) {
      const s = m.raw.toString('latin1');
      expect(s).toMatch(/^[A-Za-z-]+: /);
      expect(s).toMatch(/\r\nMessage-ID:\s*</i);
      const boundary = /boundary="([^"]+)"/.exec(s)?.[1];
      const unclosed = boundary !== undefined && !s.includes(`--${boundary}--`);
      // Without the blank line, body lines run into the header block.
      const noSeparator = headerBlock(m.raw)
        .split('\r\n')
        .some((l) => !/^[!-9;-~]+:/.test(l) && !/^[ \t]/.test(l));
      expect(unclosed || noSeparator).toBe(true);
    }
  });

  it('mixes mail roughly in the configured shares over 500 messages', () => {
    const truths = [...mails.values()].map((c) => c[0]?.truth).filter((t) => t !== undefined);
    const share = (p: (t: (typeof truths)[number]) => boolean): number => truths.filter(p).length / truths.length;
    expect(share((t) => t.digitization !== 'none')).toBeGreaterThan(0.5);
    expect(share((t) => t.digitization !== 'none')).toBeLessThan(0.7);
    expect(share((t) => t.form === 'hybrid')).toBeGreaterThan(0.05);
    expect(share((t) => t.form === 'hybrid')).toBeLessThan(0.16);
    expect(share((t) => t.counterparty === 'enterprise')).toBeGreaterThan(0.05);
    expect(share((t) => t.counterparty === 'enterprise')).toBeLessThan(0.17);
    expect(share((t) => t.counterparty === 'individual')).toBeGreaterThan(0.03);
    expect(share((t) => t.counterparty === 'individual')).toBeLessThan(0.14);
    expect(share((t) => t.secret)).toBeGreaterThan(0);
    expect(share((t) => t.secret)).toBeLessThan(0.06);
    expect(share((t) => t.machineGenerated)).toBeGreaterThan(0);
    expect(share((t) => t.machineGenerated)).toBeLessThan(0.06);
    expect(share((t) => t.malformed)).toBeLessThan(0.04);
    // Text PDFs dominate among documents; scans and mixed files are present.
    expect(share((t) => t.digitization === 'born_digital')).toBeGreaterThan(share((t) => t.digitization === 'scanned'));
    expect(share((t) => t.digitization === 'scanned')).toBeGreaterThan(0.05);
    expect(share((t) => t.digitization === 'mixed')).toBeGreaterThan(0.02);
  });

  it('covers the flows across levels, internal mail included', () => {
    const level = new Map(agencies.map((a) => [a.code, a.level]));
    const flows = new Set<string>();
    for (const [, copies] of mails) {
      const t = copies[0]?.truth;
      if (!t?.fromAgency || !t.toAgency) continue;
      flows.add(t.fromAgency === t.toAgency ? 'internal' : `${level.get(t.fromAgency)}>${level.get(t.toAgency)}`);
    }
    expect(flows).toContain('internal');
    expect(flows).toContain('province_pc>department');
    expect(flows).toContain('department>province_pc');
    expect(flows).toContain('department>department');
    expect([...flows].some((f) => f.includes('commune_pc>department') || f.includes('department>commune_pc'))).toBe(true);
    expect(flows).toContain('commune_pc>commune_pc');
  });

  it('shows every transmitted reference in the subject, the body or an attachment file name', () => {
    let checked = 0;
    for (const [id, copies] of mails) {
      const t = copies[0]?.truth;
      const mail = parsed.get(id);
      if (!t?.documentRef || !mail) continue;
      const slugOf = (s: string): string => stripDiacritics(s).toLowerCase().replace(/[/\s_]/g, '-');
      const inText = (mail.subject ?? '').includes(t.documentRef) || (mail.text ?? '').includes(t.documentRef);
      const inName = mail.attachments.some((a) => slugOf(a.filename ?? '').includes(slugOf(t.documentRef ?? '')));
      expect(inText || inName, `${id} ${t.documentRef}`).toBe(true);
      expect(t.citedRefs).not.toContain(t.documentRef);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('names the cited references in the text it writes', () => {
    for (const [id, copies] of mails) {
      const t = copies[0]?.truth;
      const mail = parsed.get(id);
      if (!t || !mail || t.digitization !== 'none') continue;
      // Without an attachment, every cited reference must be readable in the mail itself.
      for (const ref of t.citedRefs) expect(`${mail.subject ?? ''}\n${mail.text ?? ''}`).toContain(ref);
    }
  });

  it('gives documents numbers consistent with their shapes', () => {
    const shapes = [/^\d+\/\d{4}\/[A-ZĐ][A-Za-zĐ]*-[A-ZĐ]+$/u, /^\d+\/[A-Za-zĐ]+(-[A-Za-zĐ]+)*$/u, /^\d+-[A-Z]+\/[A-ZĐ]+$/u];
    const refs = [...mails.values()].map((c) => c[0]?.truth.documentRef).filter((r): r is string => !!r);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(shapes.some((s) => s.test(r)), r).toBe(true);
    expect(refs.some((r) => r.endsWith('-UBND') || /\/UBND-/.test(r))).toBe(true);
  });

  it('attaches real files: PDFs, JPEG scans and Word documents with their magic bytes', () => {
    const seen = new Set<string>();
    for (const mail of parsed.values()) {
      for (const a of mail.attachments) {
        const magic = a.content.subarray(0, 4);
        if (a.filename?.endsWith('.pdf')) expect(magic.toString('latin1')).toBe('%PDF');
        if (a.filename?.endsWith('.jpg')) expect(magic.subarray(0, 3).toString('hex')).toBe('ffd8ff');
        if (a.filename?.endsWith('.docx')) expect(magic.toString('latin1')).toBe('PK\u0003\u0004');
        seen.add(a.filename?.split('.').pop() ?? '');
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['pdf', 'jpg', 'docx']));
  });

  it('delivers mail between monitored mailboxes to both sides, same Message-ID and same bytes', () => {
    const byAddress = new Map<string, string>();
    for (const a of agencies) {
      const addr = officialAddress(a);
      if (addr && MONITORED.includes(a.code)) byAddress.set(addr, a.code);
    }
    let pairs = 0;
    for (const [id, copies] of mails) {
      const first = copies[0];
      const mail = parsed.get(id);
      if (!first || !mail) continue;
      for (const c of copies) expect(sha(c.raw)).toBe(sha(first.raw));
      const sender = byAddress.get(addresses(mail.from)[0] ?? '');
      const receivers = [...addresses(mail.to), ...addresses(mail.cc)].map((a) => byAddress.get(a)).filter((c): c is string => !!c && c !== sender);
      const expected = [...(sender ? [`${sender}/Sent`] : []), ...new Set(receivers.map((r) => `${r}/INBOX`))];
      expect(copies.map((c) => `${c.mailbox}/${c.folder}`).sort()).toEqual(expected.sort());
      if (sender && receivers.length > 0) pairs++;
    }
    expect(pairs).toBeGreaterThan(20);
  });

  it('encodes Vietnamese headers as RFC 2047 words and bodies as UTF-8', () => {
    let vietnameseSubjects = 0;
    for (const [id, copies] of mails) {
      const first = copies[0];
      const mail = parsed.get(id);
      if (!first || !mail) continue;
      expect(/^[\x20-\x7e\t\r\n]*$/.test(headerBlock(first.raw))).toBe(true);
      if (/[\u0080-\uffff]/.test(mail.subject ?? '')) {
        vietnameseSubjects++;
        expect(headerBlock(first.raw)).toMatch(/^Subject: .*=\?UTF-8\?[QB]\?/im);
      }
    }
    expect(vietnameseSubjects).toBeGreaterThan(200);
    const bodies = [...parsed.values()].map((m) => m.text ?? '');
    expect(bodies.some((b) => b.includes('Kính gửi'))).toBe(true);
    expect(bodies.some((b) => b.includes('Trân trọng'))).toBe(true);
    expect(bodies.every((b) => !b.includes('\uFFFD'))).toBe(true);
  });

  it('writes hybrid and secret markings exactly where the truth says so', () => {
    for (const [id, copies] of mails) {
      const t = copies[0]?.truth;
      const mail = parsed.get(id);
      if (!t || !mail) continue;
      const text = `${mail.subject ?? ''}\n${mail.text ?? ''}`;
      expect(/MẬT|độ Mật/u.test(text), id).toBe(t.secret);
      if (t.form === 'hybrid') expect(text).toMatch(/bưu điện|bản giấy|giấy sẽ được gửi sau/u);
    }
  });

  it('marks machine-generated mail as auto-replies or read receipts', () => {
    let seen = 0;
    for (const [id, copies] of mails) {
      const t = copies[0]?.truth;
      const mail = parsed.get(id);
      if (!t?.machineGenerated || !mail) continue;
      seen++;
      expect(t.form).toBeNull();
      expect(t.documentRef).toBeNull();
      const receipt = mail.headers.get('content-type');
      const isReceipt = typeof receipt === 'object' && receipt !== null && 'value' in receipt && receipt.value === 'multipart/report';
      expect(isReceipt || /tự động|Out of Office|Automatic reply/iu.test(mail.subject ?? '')).toBe(true);
      expect(mail.inReplyTo ?? mail.references).toBeTruthy();
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('dates mail mostly on weekdays in office hours, Vietnam time', () => {
    const times = [...parsed.values()].map((m) => new Date((m.date?.getTime() ?? 0) + 7 * 3_600_000));
    const office = times.filter((d) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() >= 7 && d.getUTCHours() < 17);
    expect(office.length / times.length).toBeGreaterThan(0.85);
    expect(new Set(times.map((d) => d.getUTCMonth())).size).toBe(3);
  });

  it('writes enterprises with valid tax codes and citizens on free mail', () => {
    let taxCodes = 0;
    let freeMail = 0;
    for (const [id, copies] of mails) {
      const t = copies[0]?.truth;
      const mail = parsed.get(id);
      if (!t || !mail) continue;
      for (const m of (mail.text ?? '').matchAll(/MST: (\d{10}(?:-\d{3})?)/g)) {
        expect(isValidTaxCode(m[1] ?? '')).toBe(true);
        taxCodes++;
      }
      if (t.counterparty === 'individual') {
        const external = [...addresses(mail.from), ...addresses(mail.to)].find((a) => !a.endsWith('.gov.vn'));
        expect(external).toMatch(/@(gmail\.com|yahoo\.com(\.vn)?|outlook\.com)$/);
        freeMail++;
      }
    }
    expect(taxCodes).toBeGreaterThan(0);
    expect(freeMail).toBeGreaterThan(0);
  });

  it('rejects a monitored agency that is not in the directory', async () => {
    await expect(generateCorpusArray(options({ count: 3, monitored: ['999.99.99.H99'] }))).rejects.toThrow(/not in the directory/);
  });
});

describe('tax codes', () => {
  it('accepts the check digit of a real code and rejects a wrong one', () => {
    expect(taxCodeCheckDigit('010124315')).toBe(0);
    expect(isValidTaxCode('0101243150')).toBe(true);
    expect(isValidTaxCode('0101243151')).toBe(false);
    expect(isValidTaxCode('0101243150-001')).toBe(true);
  });

  it('generates only valid codes', () => {
    let x = 0.5;
    const rand = (): number => (x = (x * 9301 + 49297) % 233280 / 233280);
    for (let i = 0; i < 200; i++) expect(isValidTaxCode(makeTaxCode(rand))).toBe(true);
  });
});

describe('issuer symbols', () => {
  it('abbreviates issuers as agencies write them', () => {
    const s = (name: string): string => issuerSymbol({ name, level: 'department' }, 'Sơn Minh');
    expect(s('Sở Tài chính')).toBe('STC');
    expect(s('Sở Giáo dục và Đào tạo')).toBe('SGDĐT');
    expect(s('Sở Văn hóa, Thể thao và Du lịch')).toBe('SVHTTDL');
    expect(s('Ủy ban nhân dân tỉnh Sơn Minh')).toBe('UBND');
    expect(s('Thanh tra tỉnh')).toBe('TTr');
  });
});

describe('loadSampleAgencies', () => {
  it('maps the sample directory to agencies', () => {
    const pc = agencies.find((a) => a.code === '000.00.00.H30');
    expect(pc?.level).toBe('province_pc');
    expect(pc?.addresses).toContain('ubnd@sonminh.gov.vn');
    const merged = agencies.find((a) => a.code === '000.00.14.H30');
    expect(merged?.validTo).toBe('2025-02-28');
    expect(merged?.successor).toBe('000.00.10.H30');
  });
});
