// Structural checks of raw MIME, our own and independent of the parser: mailparser is lenient and
// reads almost anything, so "malformed" must not depend on whether it throws (DESIGN.md, Message).
// Pure: bytes in, list of problems out.

const MAX_SCAN = 64 * 1024 * 1024;

export interface StructureReport {
  problems: string[];
  headerBytes: number;
}

/** Finds where the header block ends (index of the blank line), or -1. */
function headerEnd(s: string): { end: number; sepLen: number } {
  const crlf = s.indexOf('\r\n\r\n');
  const lf = s.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return { end: -1, sepLen: 0 };
  if (crlf !== -1 && (lf === -1 || crlf <= lf)) return { end: crlf, sepLen: 4 };
  return { end: lf, sepLen: 2 };
}

const BOUNDARY_RE = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;

export function checkStructure(raw: Buffer): StructureReport {
  const problems: string[] = [];
  // latin1 maps every byte to one code unit: indices stay byte offsets, nothing is lost.
  const s = raw.subarray(0, MAX_SCAN).toString('latin1');
  if (raw.length === 0) return { problems: ['empty'], headerBytes: 0 };
  const { end } = headerEnd(s);
  const head = end === -1 ? s : s.slice(0, end);
  if (end === -1) problems.push('no_header_body_separator');
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(firstLine) && !/^From /.test(firstLine)) problems.push('no_header_fields');
  if (!/^from\s*:/im.test(head)) problems.push('missing_from');
  if (!/^date\s*:/im.test(head)) problems.push('missing_date');

  // Every multipart boundary declared anywhere must be opened and closed.
  const declared = new Set<string>();
  const multipartDecl = /content-type\s*:\s*multipart\/[a-z0-9.+-]+([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/gi;
  let m: RegExpExecArray | null;
  while ((m = multipartDecl.exec(s)) !== null) {
    const params = m[1] ?? '';
    BOUNDARY_RE.lastIndex = 0;
    const b = BOUNDARY_RE.exec(params);
    if (!b) {
      problems.push('multipart_without_boundary');
      continue;
    }
    declared.add((b[1] ?? b[2] ?? '').trim());
  }
  for (const b of declared) {
    if (!s.includes(`--${b}`)) problems.push(`multipart_never_opened:${b}`);
    else if (!s.includes(`--${b}--`)) problems.push(`unclosed_multipart:${b}`);
  }
  return { problems: [...new Set(problems)], headerBytes: end === -1 ? s.length : end };
}

/** Problems that make the message `malformed` (missing Date alone does not). */
export function isMalformed(problems: string[]): boolean {
  return problems.some((p) => p !== 'missing_date' && p !== 'missing_from');
}
