// An enveloping CMS signature (a `.p7m`, an S/MIME `application/pkcs7-mime; smime-type=signed-data`):
// a container of one entry, the signed content it carries. `cong-van.pdf.p7m` holds `cong-van.pdf`;
// S/MIME signed-data holds a MIME entity, opened in turn as a message (readers/rfc822.ts). The
// signature itself is checked by src/analyze/signatures/cms.ts. No I/O.

import { encapsulatedContent } from '../signatures/cms.js';
import { looksLikeMessage } from '../sniff-message.js';
import type { ContainerReader, ListedEntry } from './reader.js';

interface CmsEntry extends ListedEntry {
  content: Buffer;
}

/** The name of the file a signature envelops: its own name without `.p7m`/`.p7s`, when that leaves a name. */
export function envelopedName(filename: string | null): string | null {
  const m = /^(.+\.[A-Za-z0-9]{1,8})\.p7[ms]$/i.exec(filename?.trim() ?? '');
  return m?.[1] ?? null;
}

export function cmsReader(content: Buffer, filename: string | null): ContainerReader<CmsEntry> {
  return {
    format: 'cms',
    list() {
      const inner = encapsulatedContent(content);
      if (!inner) return Promise.resolve({ entries: [], total: 0, text: '', problem: 'unreadable:cms: không có nội dung được ký bên trong' });
      const mime = /^content-type\s*:/i.test(inner.subarray(0, 64).toString('latin1')) || looksLikeMessage(inner);
      const name = envelopedName(filename) ?? (mime ? 'smime.eml' : 'noi-dung-da-ky');
      const entry: CmsEntry = {
        path: name,
        declaredType: mime ? 'message/rfc822' : null,
        declaredSize: inner.length,
        compressedSize: null,
        encrypted: false,
        unreadable: null,
        content: inner,
      };
      return Promise.resolve({ entries: [entry], total: 1, text: '', problem: null });
    },
    read(entry) {
      return Promise.resolve(entry.content);
    },
  };
}
