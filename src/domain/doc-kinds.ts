// Document kinds (thể loại văn bản) and their type codes, as written in the symbol of a document
// reference: `QĐ` ↔ Quyết định, `TTr` ↔ Tờ trình, … (Nghị định 30/2020/NĐ-CP, Appendix III, plus the
// normative and Party kinds seen in real mail). Pure data and lookups: no I/O.

export interface DocKind {
  /** Canonical type code as it appears in a symbol (`QĐ`, `TTr`, `TTLT`). */
  code: string;
  /** Kind name with diacritics, as the `refs` JSON reports it. */
  name: string;
}

export const DOC_KINDS: readonly DocKind[] = [
  { code: 'NQ', name: 'Nghị quyết' },
  { code: 'NQLT', name: 'Nghị quyết liên tịch' },
  { code: 'QĐ', name: 'Quyết định' },
  { code: 'CT', name: 'Chỉ thị' },
  { code: 'QC', name: 'Quy chế' },
  { code: 'QyĐ', name: 'Quy định' },
  { code: 'TC', name: 'Thông cáo' },
  { code: 'TB', name: 'Thông báo' },
  { code: 'HD', name: 'Hướng dẫn' },
  { code: 'CTr', name: 'Chương trình' },
  { code: 'KH', name: 'Kế hoạch' },
  { code: 'PA', name: 'Phương án' },
  { code: 'ĐA', name: 'Đề án' },
  { code: 'DA', name: 'Dự án' },
  { code: 'BC', name: 'Báo cáo' },
  { code: 'BB', name: 'Biên bản' },
  { code: 'TTr', name: 'Tờ trình' },
  { code: 'HĐ', name: 'Hợp đồng' },
  { code: 'CĐ', name: 'Công điện' },
  { code: 'BGN', name: 'Bản ghi nhớ' },
  { code: 'BTT', name: 'Bản thỏa thuận' },
  { code: 'GUQ', name: 'Giấy ủy quyền' },
  { code: 'GM', name: 'Giấy mời' },
  { code: 'GGT', name: 'Giấy giới thiệu' },
  { code: 'GNP', name: 'Giấy nghỉ phép' },
  { code: 'PG', name: 'Phiếu gửi' },
  { code: 'PC', name: 'Phiếu chuyển' },
  { code: 'PB', name: 'Phiếu báo' },
  { code: 'CV', name: 'Công văn' },
  { code: 'NĐ', name: 'Nghị định' },
  { code: 'TT', name: 'Thông tư' },
  { code: 'TTLT', name: 'Thông tư liên tịch' },
  // Laws carry the legislature and its term (`67/2006/QH11`); `kindForCode` accepts the suffix.
  { code: 'QH', name: 'Luật' },
  { code: 'L', name: 'Lệnh' },
  { code: 'SL', name: 'Sắc lệnh' },
  { code: 'KL', name: 'Kết luận' },
  { code: 'VBHN', name: 'Văn bản hợp nhất' },
];

/** Kind words that introduce a reference in prose but have no type code of their own. */
const NAME_ONLY_KINDS: readonly string[] = ['Pháp lệnh'];

/** Every kind name that can introduce a reference in text ("Công văn số …"). */
export const KIND_NAMES: readonly string[] = [
  ...new Set([...DOC_KINDS.map((k) => k.name), ...NAME_ONLY_KINDS]),
];

const KIND_BY_CODE = new Map(DOC_KINDS.map((k) => [k.code, k.name]));
const CODE_BY_KIND = new Map(DOC_KINDS.map((k) => [k.name.normalize('NFC'), k.code]));

/** Codes whose canonical form keeps lower-case letters; the key is the all-upper spelling. */
const MIXED_CASE_BY_UPPER = new Map(
  ['TTg', 'TTr', 'CTr', 'QyĐ'].map((code) => [code.toUpperCase(), code]),
);

/**
 * Codes written with a plain `D` for `Đ` (keyboards and filenames without Vietnamese). Only codes
 * whose D-spelling is not itself a code: `HD` (Hướng dẫn) and `DA` (Dự án) are real codes and stay.
 */
const PLAIN_D_CODES = new Map([
  ['QD', 'QĐ'],
  ['ND', 'NĐ'],
  ['CD', 'CĐ'],
  ['QYD', 'QyĐ'],
  ['HDND', 'HĐND'],
  ['GDDT', 'GDĐT'],
  ['BGDDT', 'BGDĐT'],
  ['SGDDT', 'SGDĐT'],
]);

const LAW_CODE = /^QH\d{0,2}$/;

/**
 * Canonical spelling of one upper-cased symbol segment: a plain-D spelling of a known code gets
 * its `Đ` back and known mixed-case codes get their lower-case letters back (`TTG` → `TTg`).
 */
export function canonicalCode(upperSegment: string): string {
  const withD = PLAIN_D_CODES.get(upperSegment) ?? upperSegment;
  return MIXED_CASE_BY_UPPER.get(withD.toUpperCase()) ?? withD;
}

/** True for a segment whose upper-case form is a known mixed-case code (`TTG`, `QYD`). */
export function isMixedCaseCode(segment: string): boolean {
  const upper = segment.toUpperCase();
  return MIXED_CASE_BY_UPPER.has(PLAIN_D_CODES.get(upper) ?? upper);
}

/** The kind a canonical type code implies (`NĐ` → Nghị định, `QH11` → Luật), else null. */
export function kindForCode(code: string): string | null {
  if (LAW_CODE.test(code)) return 'Luật';
  return KIND_BY_CODE.get(code) ?? null;
}

/** The type code of a kind name (`Quyết định` → `QĐ`), else null. */
export function codeForKind(name: string): string | null {
  return CODE_BY_KIND.get(name.normalize('NFC')) ?? null;
}

/** True when a canonical segment is a document type code rather than an issuer or unit. */
export function isTypeCode(code: string): boolean {
  return kindForCode(code) !== null;
}
