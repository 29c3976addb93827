// Structural checks of raw MIME, our own and independent of the parser: mailparser is lenient and
// reads almost anything, so "malformed" must not depend on whether it throws (DESIGN.md, Message).
// Pure: bytes in, list of problems out.

const MAX_SCAN = 64 * 1024 * 1024;

export interface StructureReport {
  problems: string[];
  headerBytes: number;
}

/**
 * The first blank line: the earlier of the first CRLF CRLF and the first LF LF, or -1. Once a CRLF
 * CRLF is found at c, an LF LF matters only before c, so the rest of a large message is not
 * searched a second time. Pure.
 */
export function blankLine(raw: Buffer): { at: number; crlf: boolean } {
  const crlf = raw.indexOf('\r\n\r\n');
  // An LF LF ending before c lies within raw[0 .. c]; raw[c] is CR, so none is found across c.
  const lf = (crlf === -1 ? raw : raw.subarray(0, crlf + 1)).indexOf('\n\n');
  if (lf !== -1) return { at: lf, crlf: false };
  return { at: crlf, crlf: crlf !== -1 };
}

/** Where the header block ends (index of the blank line), searched in the bytes. */
function headerEnd(raw: Buffer): number {
  return blankLine(raw).at;
}

const BOUNDARY_RE = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/i;
const MULTIPART_HEADER = /^content-type\s*:\s*multipart\/[a-z0-9.+-]+([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/i;

/**
 * The boundary of every `Content-Type: multipart/…` header anywhere in the message (null for one
 * without a boundary). Works on the bytes: only the header lines found are decoded, so a large
 * message is never copied into a string whole.
 */
function multipartBoundaries(raw: Buffer): Array<string | null> {
  const out: Array<string | null> = [];
  let pos = 0;
  // "ultipart/" matches Multipart/, multipart/ and MULTIPART/ alike once lower-cased below. Each
  // spelling's next occurrence is searched again only once `pos` has passed it: a message with
  // many lower-case headers and no upper-case one is not scanned to its end for each of them.
  let lower = raw.indexOf('ultipart/');
  let upper = raw.indexOf('ULTIPART/');
  for (;;) {
    if (lower !== -1 && lower < pos) lower = raw.indexOf('ultipart/', pos);
    if (upper !== -1 && upper < pos) upper = raw.indexOf('ULTIPART/', pos);
    const at = lower === -1 ? upper : upper === -1 ? lower : Math.min(lower, upper);
    if (at === -1) break;
    pos = at + 9;
    const lineStart = raw.lastIndexOf(0x0a, at) + 1;
    if (at - lineStart > 200) continue;
    const chunk = raw.subarray(lineStart, Math.min(raw.length, lineStart + 4000)).toString('latin1');
    const m = MULTIPART_HEADER.exec(chunk);
    if (!m) continue;
    const b = BOUNDARY_RE.exec(m[1] ?? '');
    out.push(b ? (b[1] ?? b[2] ?? '').trim() : null);
  }
  return out;
}

export function checkStructure(raw: Buffer): StructureReport {
  const problems: string[] = [];
  if (raw.length === 0) return { problems: ['empty'], headerBytes: 0 };
  const end = headerEnd(raw);
  // latin1 maps every byte to one code unit: the header block as a string, nothing lost.
  const head = raw.subarray(0, end === -1 ? Math.min(raw.length, MAX_SCAN) : end).toString('latin1');
  if (end === -1) problems.push('no_header_body_separator');
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(firstLine) && !/^From /.test(firstLine)) problems.push('no_header_fields');
  // Every line of the header block is a field or a folded continuation; anything else means the
  // blank line that ends the headers is missing and the body ran into them (or the headers are
  // damaged). The first line may be an mbox "From " line.
  const lines = head.split(/\r?\n/);
  if (lines.some((l, i) => l !== '' && !/^[\t ]/.test(l) && !/^[!-9;-~]+[\t ]*:/.test(l) && !(i === 0 && /^From /.test(l))))
    problems.push('invalid_header_line');
  if (!/^from\s*:/im.test(head)) problems.push('missing_from');
  if (!/^date\s*:/im.test(head)) problems.push('missing_date');

  // Every multipart boundary declared anywhere must be opened and closed.
  const declared = new Set<string>();
  for (const b of multipartBoundaries(raw)) {
    if (b === null) problems.push('multipart_without_boundary');
    else declared.add(b);
  }
  for (const b of declared) {
    if (raw.indexOf(`--${b}`, 0, 'latin1') === -1) problems.push(`multipart_never_opened:${b}`);
    else if (raw.indexOf(`--${b}--`, 0, 'latin1') === -1) problems.push(`unclosed_multipart:${b}`);
  }
  return { problems: [...new Set(problems)], headerBytes: end === -1 ? head.length : end };
}

/** Problems that make the message `malformed` (missing Date alone does not). */
export function isMalformed(problems: string[]): boolean {
  return problems.some((p) => p !== 'missing_date' && p !== 'missing_from');
}
