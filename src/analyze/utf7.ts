// UTF-7 text, which mailparser deliberately leaves undecoded (in a mail client, UTF-7 can smuggle
// markup past an HTML filter). edocwatch only reads text for references and never renders it, so
// it decodes what Outlook 2000-era mail still carries: `=?utf-7?Q?…?=` encoded words in the
// subject and text parts declared `charset=utf-7`. Pure.
import iconv from 'iconv-lite';
import libmime from 'libmime';

const UTF7_WORD = /=\?utf-7(?:\*[^?]*)?\?([QqBb])\?([^?]*)\?=/gi;

/** The bytes of one encoded word's text (RFC 2047 Q or B). */
function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64');
  return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

/**
 * The subject decoded from its raw header when it holds UTF-7 encoded words (each re-encoded as
 * UTF-8, then the whole header decoded as usual); `decoded` (mailparser's) otherwise.
 */
export function subjectWithUtf7(rawHeader: string | null, decoded: string): string {
  if (!rawHeader || !/=\?utf-7/i.test(rawHeader)) return decoded;
  const unfolded = rawHeader.replace(/\r?\n[ \t]+/g, ' ');
  const asUtf8 = unfolded.replace(UTF7_WORD, (_m, enc: string, text: string) => {
    const s = iconv.decode(wordBytes(enc, text), 'utf7');
    return `=?utf-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
  });
  return libmime.decodeWords(asUtf8).trim();
}

/** Whether a header block declares `charset=utf-7` on a text part. */
export function declaresUtf7Text(headerBlocks: string): boolean {
  // The lazy scan below can run to the end of the text from every text part's header: not without "utf-7".
  if (!/utf-7/i.test(headerBlocks)) return false;
  return /content-type:\s*text\/[a-z]+;[^]*?charset\s*=\s*"?(?:unicode-1-1-)?utf-7"?/i.test(headerBlocks);
}

/** UTF-7 text (already out of its transfer encoding) as Unicode. */
export function decodeUtf7(text: string): string {
  return iconv.decode(Buffer.from(text, 'latin1'), 'utf7');
}
