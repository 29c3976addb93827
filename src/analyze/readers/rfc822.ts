// A forwarded message attached whole (message/rfc822, an .eml): parsed with mailparser like the
// mail itself. Its subject and body are its own text (the references of the original mail are
// found there); its attachments are its entries, each analyzed like an attachment, so a forward
// of a forward is opened in turn, down to the depth limit. Images the HTML body shows inline
// (logos, signatures) are not documents and are left out, as for the mail itself.

import { simpleParser } from 'mailparser';
import type { ContainerReader, ListedEntry } from './reader.js';
import { cleanPath } from '../entry-names.js';

interface PartEntry extends ListedEntry {
  content: Buffer;
}

/** The same parser options as the message analysis (src/analyze/message.ts). */
const PARSER_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: 2_000_000 } as const;

export function rfc822Reader(content: Buffer): ContainerReader<PartEntry> {
  return {
    format: 'rfc822',
    async list(maxListed) {
      const parsed = await simpleParser(content, PARSER_OPTIONS);
      const body = parsed.text ?? (typeof parsed.html === 'string' ? parsed.html.replace(/<[^>]+>/g, ' ') : '');
      const text = [parsed.subject ?? '', body].filter(Boolean).join('\n');
      const parts = parsed.attachments.filter((a) => !(a.related && /^image\//i.test(a.contentType ?? '')));
      const entries: PartEntry[] = parts.slice(0, maxListed).map((a, i) => ({
        path: cleanPath(a.filename ?? `part-${i + 1}`),
        declaredType: a.contentType ?? null,
        declaredSize: a.content.length,
        compressedSize: null,
        encrypted: false,
        unreadable: null,
        content: a.content,
      }));
      return { entries, total: parts.length, text, problem: null };
    },
    read(entry) {
      return Promise.resolve(entry.content);
    },
  };
}
