// A mail's Message-ID as edocwatch keys it (DESIGN.md "Message"): read from the header section by
// one function for every way mail comes in — `sync` (the `Message-ID` header field fetched with
// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) and `import` (the archived message) — so that both give the
// same key for the same mail. Pure.

/** At most this much of a message is taken as its header section. */
export const HEAD_CAP = 256 * 1024;

/** The header section with the blank line that ends it (what IMAP BODY[HEADER] returns); at most HEAD_CAP bytes. */
export function headerSection(buf: Buffer): Buffer {
  const lim = buf.subarray(0, HEAD_CAP);
  if (lim[0] === 0x0a) return Buffer.from(lim.subarray(0, 1));
  if (lim[0] === 0x0d && lim[1] === 0x0a) return Buffer.from(lim.subarray(0, 2));
  // The first blank line ends the header, with CRLF or bare LF line ends. '\n\n' is looked for only
  // before the first CRLF blank line: in CRLF mail it never occurs, and a search of the whole
  // message for it would read every byte of a large one.
  const j = lim.indexOf('\n\r\n');
  const i = (j >= 0 ? lim.subarray(0, j + 2) : lim).indexOf('\n\n');
  const ends = [i >= 0 ? i + 2 : -1, j >= 0 ? j + 3 : -1].filter((x) => x > 0);
  return Buffer.from(ends.length > 0 ? lim.subarray(0, Math.min(...ends)) : lim);
}

/** The Message-ID header's value (unfolded, `<…>` kept), or null; reads the header section only. */
export function messageIdOf(raw: Buffer): string | null {
  const head = headerSection(raw).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id[ \t]*:(.*)$/im.exec(head);
  if (!m) return null;
  const v = (m[1] ?? '').trim();
  const bracketed = /<[^<>]*>/.exec(v);
  const id = bracketed ? bracketed[0] : (v.split(/\s+/)[0] ?? '');
  return id.length > 0 ? id : null;
}
