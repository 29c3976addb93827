import { describe, expect, it } from 'vitest';
import { checkStructure, isMalformed } from '../../src/analyze/structure.js';

const ok = Buffer.from(
  'From: a@b.vn\r\nTo: c@d.vn\r\nDate: Mon, 3 Aug 2026 09:00:00 +0700\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n',
);

describe('structural checks of raw MIME', () => {
  it('finds nothing wrong with a well-formed multipart message', () => {
    expect(checkStructure(ok).problems).toEqual([]);
  });

  it('flags a multipart whose closing boundary is missing', () => {
    const cut = Buffer.from(ok.toString('latin1').replace('--XX--\r\n', ''), 'latin1');
    const r = checkStructure(cut);
    expect(r.problems).toContain('unclosed_multipart:XX');
    expect(isMalformed(r.problems)).toBe(true);
  });

  it('flags a message without a header/body separator', () => {
    const r = checkStructure(Buffer.from('From: a@b.vn\r\nSubject: x\r\nDate: Mon, 3 Aug 2026 09:00:00 +0700\r\n'));
    expect(r.problems).toContain('no_header_body_separator');
    expect(isMalformed(r.problems)).toBe(true);
  });

  it('flags a multipart declared without a boundary', () => {
    const r = checkStructure(Buffer.from('From: a@b.vn\r\nDate: Mon, 3 Aug 2026 09:00:00 +0700\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n'));
    expect(r.problems).toEqual(['multipart_without_boundary']);
  });

  it('reads folded Content-Type parameters and unquoted boundaries', () => {
    const raw = 'From: a@b.vn\nDate: Mon, 3 Aug 2026 09:00:00 +0700\nContent-Type: multipart/alternative;\n\tboundary=abc123\n\n--abc123\n\nx\n--abc123--\n';
    expect(checkStructure(Buffer.from(raw)).problems).toEqual([]);
  });

  it('flags a body that ran into the headers (the blank line after them is missing)', () => {
    const raw = 'From: a@b.vn\r\nDate: Mon, 3 Aug 2026 09:00:00 +0700\r\nContent-Type: multipart/mixed; boundary="b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n';
    const r = checkStructure(Buffer.from(raw));
    expect(r.problems).toContain('invalid_header_line');
    expect(isMalformed(r.problems)).toBe(true);
  });

  it('finds multipart headers in any case, nested in parts too', () => {
    const raw = 'From: a@b.vn\r\nDate: Mon, 3 Aug 2026 09:00:00 +0700\r\nContent-Type: MULTIPART/MIXED; BOUNDARY="o"\r\n\r\n--o\r\nContent-Type: Multipart/Alternative; boundary=i\r\n\r\n--i\r\n\r\nx\r\n--i--\r\n--o\r\n';
    expect(checkStructure(Buffer.from(raw)).problems).toEqual(['unclosed_multipart:o']);
  });

  it('does not call a message malformed only for a missing Date', () => {
    const r = checkStructure(Buffer.from('From: a@b.vn\r\nSubject: x\r\n\r\nbody'));
    expect(r.problems).toEqual(['missing_date']);
    expect(isMalformed(r.problems)).toBe(false);
  });

  it('flags an empty message and text that has no header fields', () => {
    expect(checkStructure(Buffer.alloc(0)).problems).toEqual(['empty']);
    expect(checkStructure(Buffer.from('just some text\n\nmore')).problems).toContain('no_header_fields');
  });
});
