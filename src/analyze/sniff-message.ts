// Mail inside mail, from its bytes: Outlook's winmail.dat (TNEF, by its signature, whatever it is
// called) and a forwarded message attached whole (message/rfc822 or .eml, when the bytes start
// with header fields). Pure; used by sniff.ts.

import { isTnef } from './readers/tnef.js';

/** A header field line: a name of printable ASCII without a colon, then a colon. */
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]{1,76}:/;

/** Whether the bytes start like an Internet message: header lines up to the first blank line. */
export function looksLikeMessage(content: Buffer): boolean {
  const head = content.subarray(0, 4096).toString('latin1');
  const lines = head.split(/\r?\n/);
  let fields = 0;
  for (const line of lines.slice(0, -1)) {
    if (line === '') return fields > 0;
    if (/^[ \t]/.test(line) && fields > 0) continue; // folded
    if (fields === 0 && line.startsWith('From ')) continue; // an mbox "From " line
    if (!HEADER_LINE.test(line)) return false;
    fields++;
  }
  return fields >= 2;
}

/** `application/vnd.ms-tnef`, `message/rfc822`, or null. */
export function sniffMessage(content: Buffer, declared: string | null, ext: string | null): string | null {
  if (isTnef(content)) return 'application/vnd.ms-tnef';
  if ((declared === 'message/rfc822' || ext === 'eml') && looksLikeMessage(content)) return 'message/rfc822';
  return null;
}
