// The evaluation set's records (eval/*.yaml, described in eval/README.md): reference cases (text →
// the exact list of canonical references) and label cases (a small message → its labels). Parsing
// and validation only: the files are read by src/eval/evaluate.ts. A record that does not follow
// the schema is an EvalCasesError naming the file, the record and the field — never a silent skip.

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EvalCasesError } from '../errors.js';
import { DIGITIZATIONS, FLOWS, FORMS } from '../domain/types.js';
import type { Digitization, DocRef, Flow, Form } from '../domain/types.js';

/** One expected reference, as an analyst writes it; number, year and symbol follow from `ref`. */
export interface ExpectedRef extends Omit<DocRef, 'span'> {
  role: 'transmitted' | 'cited' | null;
}

export interface RefCase {
  id: string;
  source: string;
  noisy: boolean;
  noise: string[];
  text: string;
  refs: ExpectedRef[];
}

export const ATTACHMENT_FIXTURES = ['pdf_text', 'pdf_scan', 'jpg_scan', 'docx', 'p7s', 'zip_scan', 'zip_text', 'logo'] as const;
export type AttachmentFixture = (typeof ATTACHMENT_FIXTURES)[number];

export interface ExpectedLabels {
  form?: Form | null;
  flow?: Flow;
  digitization?: Digitization;
  signed?: boolean;
  secret?: boolean;
}

export interface LabelCase {
  id: string;
  source: string;
  /** ISO date-time with offset; the Date header. */
  date: string;
  agency: string | null;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  headers: Record<string, string>;
  attachments: Array<{ file: string; as: AttachmentFixture }>;
  expect: ExpectedLabels;
}

/** Mail of this date falls after the 2025 merger (two-tier local government). */
export const DEFAULT_LABEL_DATE = '2026-03-10T08:30:00+07:00';

// The canonical shapes of DESIGN.md: n/yyyy/SYMBOL (legal normative, laws), n/SYMBOL
// (administrative) and n-TYPE/ISSUER (Party documents).
const CANONICAL_REF = /^(?:(?<num>\d{1,5})\/(?:(?<year>(?:19|20)\d\d)\/)?(?<sym>[^/\s]+)|(?<pnum>\d{1,5})-(?<psym>[^/\s-][^/\s]*\/[^/\s]+))$/u;

/** number, year and symbol of a canonical reference, or null when `ref` is not canonical. */
export function partsOfRef(ref: string): { number: string; year: number | null; symbol: string } | null {
  const m = CANONICAL_REF.exec(ref);
  const g = m?.groups;
  if (!g) return null;
  if (g.pnum !== undefined) return { number: g.pnum, year: null, symbol: g.psym ?? '' };
  return { number: g.num ?? '', year: g.year === undefined ? null : Number(g.year), symbol: g.sym ?? '' };
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
// YAML reads an unquoted 2013-12-12 as a Date; take it back to the day it names.
const dateField = z.preprocess((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v), isoDate.nullable());

const expectedRefSchema = z
  .object({
    ref: z.string().min(1),
    kind: z.string().min(1).nullable(),
    date: dateField.optional(),
    role: z.enum(['transmitted', 'cited']).optional(),
  })
  .strict();

const refCaseSchema = z
  .object({
    id: z.string().regex(/^[a-z]{2}\d{3}$/, 'two letters and three digits, e.g. rc001'),
    source: z.string().min(3),
    noise: z.array(z.string().min(1)).optional(),
    text: z.string(),
    refs: z.array(expectedRefSchema),
  })
  .strict();

const address = z.string().min(3);
const labelCaseSchema = z
  .object({
    id: z.string().regex(/^[a-z]{2}\d{3}$/, 'two letters and three digits, e.g. lb001'),
    source: z.string().min(3),
    date: z.preprocess((v) => (v instanceof Date ? v.toISOString() : v), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time')).optional(),
    agency: z.string().min(1).optional(),
    from: address,
    to: z.array(address),
    cc: z.array(address).optional(),
    subject: z.string(),
    body: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    attachments: z.array(z.object({ file: z.string().min(1), as: z.enum(ATTACHMENT_FIXTURES) }).strict()).optional(),
    expect: z
      .object({
        form: z.enum(FORMS).nullable().optional(),
        flow: z.enum(FLOWS).optional(),
        digitization: z.enum(DIGITIZATIONS).optional(),
        signed: z.boolean().optional(),
        secret: z.boolean().optional(),
      })
      .strict()
      .refine((e) => e.form !== undefined && e.flow !== undefined, 'every label case states form and flow'),
  })
  .strict();

function parseList(text: string, file: string): unknown[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new EvalCasesError(`${file}: YAML không hợp lệ / not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(doc)) throw new EvalCasesError(`${file}: cần một danh sách bản ghi / must be a list of records`);
  return doc;
}

function problem(file: string, index: number, record: unknown, issues: z.core.$ZodIssue[]): EvalCasesError {
  const id = typeof record === 'object' && record !== null && 'id' in record ? String((record as { id: unknown }).id) : `#${index + 1}`;
  const lines = issues.map((i) => `  ${i.path.join('.') || '(record)'}: ${i.message}`);
  return new EvalCasesError(`${file}: bản ghi ${id} không hợp lệ / record ${id} is invalid\n${lines.join('\n')}`);
}

function checkUniqueIds(ids: string[], file: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new EvalCasesError(`${file}: mã ca trùng / duplicate case id ${id}`);
    seen.add(id);
  }
}

/** The reference cases of one file; `noisy` says which half of the set it holds. */
export function parseRefCases(text: string, file: string, noisy: boolean): RefCase[] {
  const out: RefCase[] = [];
  parseList(text, file).forEach((record, i) => {
    const r = refCaseSchema.safeParse(record);
    if (!r.success) throw problem(file, i, record, r.error.issues);
    const c = r.data;
    const refs: ExpectedRef[] = c.refs.map((e, k) => {
      const parts = partsOfRef(e.ref);
      if (parts === null) {
        throw new EvalCasesError(`${file}: bản ghi ${c.id}, refs.${k}: "${e.ref}" không phải số ký hiệu chuẩn / is not a canonical reference (n/SYMBOL, n/yyyy/SYMBOL or n-TYPE/ISSUER)`);
      }
      return { ref: e.ref, ...parts, kind: e.kind, date: e.date ?? null, role: e.role ?? null };
    });
    const dup = refs.find((e, k) => refs.findIndex((o) => o.ref === e.ref) !== k);
    if (dup) throw new EvalCasesError(`${file}: bản ghi ${c.id}: ${dup.ref} ghi hai lần / listed twice (one entry per distinct reference)`);
    out.push({ id: c.id, source: c.source, noisy, noise: c.noise ?? [], text: c.text, refs });
  });
  checkUniqueIds(out.map((c) => c.id), file);
  return out;
}

export function parseLabelCases(text: string, file: string): LabelCase[] {
  const out: LabelCase[] = [];
  parseList(text, file).forEach((record, i) => {
    const r = labelCaseSchema.safeParse(record);
    if (!r.success) throw problem(file, i, record, r.error.issues);
    const c = r.data;
    out.push({
      id: c.id,
      source: c.source,
      date: c.date ?? DEFAULT_LABEL_DATE,
      agency: c.agency ?? null,
      from: c.from,
      to: c.to,
      cc: c.cc ?? [],
      subject: c.subject,
      body: c.body,
      headers: c.headers ?? {},
      attachments: c.attachments ?? [],
      expect: c.expect,
    });
  });
  checkUniqueIds(out.map((c) => c.id), file);
  return out;
}
