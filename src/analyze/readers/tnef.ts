// Outlook's winmail.dat (application/ms-tnef, [MS-OXTNEF]): the attachments and plain body that
// Outlook and Exchange wrap into one part. A small reader of our own: the one TNEF package on npm
// (node-tnef) is a command-line tool that copies the file into a JavaScript array of numbers, logs
// to the console, reads past the end of the data and parses only titles and data; nothing else
// there is maintained. The format is simple: a signature, then attributes (level, id, length,
// data, checksum); attachments start at attAttachRendData and carry their title, data and MAPI
// properties (long file name, MIME type, the data again, or an embedded message). Every length is
// checked against the bytes that are there; nothing is decompressed (a compressed RTF body is
// left as it is), so an attachment's size is its real size.

import iconv from 'iconv-lite';
import type { ContainerReader, ListedEntry } from './reader.js';
import { cleanPath, strictUtf8 } from '../entry-names.js';

export const TNEF_SIGNATURE = 0x223e9f78;

const LVL_MESSAGE = 1;
const LVL_ATTACHMENT = 2;

// Attribute ids (type in the high word, name in the low word).
const ATT_BODY = 0x0002800c;
const ATT_SUBJECT = 0x00018004;
const ATT_MAPI_PROPS = 0x00069003;
const ATT_OEM_CODEPAGE = 0x00069007;
const ATT_ATTACH_REND_DATA = 0x00069002;
const ATT_ATTACH_TITLE = 0x00018010;
const ATT_ATTACH_DATA = 0x0006800f;
const ATT_ATTACHMENT = 0x00069005;

// MAPI property types and the ids we read.
const PT_SHORT = 0x0002;
const PT_LONG = 0x0003;
const PT_FLOAT = 0x0004;
const PT_DOUBLE = 0x0005;
const PT_CURRENCY = 0x0006;
const PT_APPTIME = 0x0007;
const PT_ERROR = 0x000a;
const PT_BOOLEAN = 0x000b;
const PT_OBJECT = 0x000d;
const PT_I8 = 0x0014;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_SYSTIME = 0x0040;
const PT_CLSID = 0x0048;
const PT_BINARY = 0x0102;
const MV_FLAG = 0x1000;

const PR_SUBJECT = 0x0037;
const PR_BODY = 0x1000;
const PR_BODY_HTML = 0x1013;
const PR_INTERNET_CPID = 0x3fde;
const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_DISPLAY_NAME = 0x3001;

const FIXED_SIZE: Record<number, number> = {
  [PT_SHORT]: 2,
  [PT_LONG]: 4,
  [PT_FLOAT]: 4,
  [PT_DOUBLE]: 8,
  [PT_CURRENCY]: 8,
  [PT_APPTIME]: 8,
  [PT_ERROR]: 4,
  [PT_BOOLEAN]: 2,
  [PT_I8]: 8,
  [PT_SYSTIME]: 8,
  [PT_CLSID]: 16,
};
const VARIABLE = new Set([PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT]);

/** One MAPI property: its id, type and raw value (the first value of a multi-valued one). */
export interface MapiProp {
  id: number;
  type: number;
  value: Buffer;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** A MAPI property list ([MS-OXTNEF] 2.1.3.4). Stops, keeping what it read, at anything it cannot size. */
export function readMapiProps(data: Buffer): MapiProp[] {
  const props: MapiProp[] = [];
  if (data.length < 4) return props;
  const count = data.readUInt32LE(0);
  let at = 4;
  for (let i = 0; i < count && at + 4 <= data.length; i++) {
    const type = data.readUInt16LE(at);
    const id = data.readUInt16LE(at + 2);
    at += 4;
    if (id >= 0x8000) {
      // A named property: GUID, kind, then an id or a UTF-16 name.
      if (at + 20 > data.length) break;
      const kind = data.readUInt32LE(at + 16);
      at += 20;
      if (kind === 1) {
        if (at + 4 > data.length) break;
        at += 4 + pad4(data.readUInt32LE(at));
      } else at += 4;
    }
    const base = type & ~MV_FLAG;
    const multi = (type & MV_FLAG) !== 0;
    let values = 1;
    if (multi || VARIABLE.has(base)) {
      if (at + 4 > data.length) break;
      values = data.readUInt32LE(at);
      at += 4;
    }
    let first: Buffer | null = null;
    for (let v = 0; v < values; v++) {
      let size: number;
      if (VARIABLE.has(base)) {
        if (at + 4 > data.length) return props;
        size = data.readUInt32LE(at);
        at += 4;
      } else if (FIXED_SIZE[base] !== undefined) size = FIXED_SIZE[base];
      else return props; // unknown type: its size is unknown, and so is everything after it
      if (at + size > data.length) return props;
      first ??= data.subarray(at, at + size);
      at += pad4(size);
    }
    props.push({ id, type: base, value: first ?? Buffer.alloc(0) });
  }
  return props;
}

/** An 8-bit string in the message's code page, else Windows-1252; NULs at the end dropped. */
function string8(value: Buffer, codepage: number | null): string {
  const end = value.indexOf(0);
  const bytes = end >= 0 ? value.subarray(0, end) : value;
  const name = codepage === 65001 ? 'utf8' : codepage ? `cp${codepage}` : 'cp1252';
  return (iconv.encodingExists(name) ? iconv.decode(bytes, name) : (strictUtf8(bytes) ?? iconv.decode(bytes, 'cp1252'))).normalize('NFC');
}

function propString(p: MapiProp | undefined, codepage: number | null): string | null {
  if (!p) return null;
  if (p.type === PT_UNICODE) return p.value.toString('utf16le').replace(/\0+$/, '').normalize('NFC');
  if (p.type === PT_STRING8) return string8(p.value, codepage);
  if (p.type === PT_BINARY) return string8(p.value, codepage);
  return null;
}

interface TnefAttachment {
  title: string | null;
  longName: string | null;
  mimeType: string | null;
  data: Buffer | null;
}

export interface TnefContent {
  subject: string | null;
  body: string | null;
  /** The HTML body's visible text when there is no plain body. */
  htmlBody: string | null;
  attachments: Array<{ name: string; mimeType: string | null; data: Buffer }>;
}

/** Whether the bytes start with the TNEF signature. */
export function isTnef(content: Buffer): boolean {
  return content.length >= 6 && content.readUInt32LE(0) === TNEF_SIGNATURE;
}

/** Reads a TNEF stream. Throws only when it is not one (bad signature); a truncated one gives what it had. */
export function readTnef(content: Buffer): TnefContent {
  if (!isTnef(content)) throw new Error('not a TNEF stream (bad signature)');
  let at = 6; // signature, legacy key
  let codepage: number | null = null;
  let subject: string | null = null;
  let body: string | null = null;
  let htmlBody: string | null = null;
  let messageProps: MapiProp[] = [];
  const attachments: TnefAttachment[] = [];
  let current: TnefAttachment | null = null;
  while (at + 9 <= content.length) {
    const level = content[at] ?? 0;
    const id = content.readUInt32LE(at + 1);
    const length = content.readUInt32LE(at + 5);
    at += 9;
    if (length > content.length - at) break; // truncated: keep what was read
    const data = content.subarray(at, at + length);
    at += length + 2; // data, checksum
    if (id === ATT_OEM_CODEPAGE && length >= 4) codepage = data.readUInt32LE(0);
    else if (level === LVL_MESSAGE && id === ATT_SUBJECT) subject = string8(data, codepage);
    else if (level === LVL_MESSAGE && id === ATT_BODY) body = string8(data, codepage);
    else if (level === LVL_MESSAGE && id === ATT_MAPI_PROPS) messageProps = readMapiProps(data);
    else if (id === ATT_ATTACH_REND_DATA) {
      current = { title: null, longName: null, mimeType: null, data: null };
      attachments.push(current);
    } else if (level === LVL_ATTACHMENT && current) {
      if (id === ATT_ATTACH_TITLE) current.title = string8(data, codepage);
      else if (id === ATT_ATTACH_DATA) current.data = data;
      else if (id === ATT_ATTACHMENT) {
        const props = readMapiProps(data);
        const get = (pid: number) => props.find((p) => p.id === pid);
        current.longName = propString(get(PR_ATTACH_LONG_FILENAME), codepage) ?? propString(get(PR_DISPLAY_NAME), codepage) ?? propString(get(PR_ATTACH_FILENAME), codepage);
        current.mimeType = propString(get(PR_ATTACH_MIME_TAG), codepage);
        const dataProp = get(PR_ATTACH_DATA);
        // An embedded message (PT_OBJECT) is the 16-byte interface id, then its own TNEF stream;
        // attAttachData then only says "This attachment is a MAPI 1.0 embedded message…".
        if (dataProp?.type === PT_OBJECT && dataProp.value.length > 16) current.data = dataProp.value.subarray(16);
        else if (!current.data && dataProp) current.data = dataProp.value;
      }
    }
  }
  const cpid = messageProps.find((p) => p.id === PR_INTERNET_CPID);
  const messageCodepage = cpid && cpid.value.length >= 4 ? cpid.value.readUInt32LE(0) : codepage;
  const get = (pid: number) => messageProps.find((p) => p.id === pid);
  body ??= propString(get(PR_BODY), messageCodepage);
  subject ??= propString(get(PR_SUBJECT), messageCodepage);
  const html = propString(get(PR_BODY_HTML), messageCodepage);
  if (html && !body) htmlBody = html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&nbsp;/gi, ' ').replace(/[ \t]+/g, ' ').trim();
  return {
    subject,
    body,
    htmlBody,
    attachments: attachments
      .filter((a): a is TnefAttachment & { data: Buffer } => a.data !== null)
      .map((a, i) => ({ name: a.longName || a.title || `attachment-${i + 1}`, mimeType: a.mimeType, data: a.data })),
  };
}

interface TnefEntry extends ListedEntry {
  content: Buffer;
}

export function tnefReader(content: Buffer): ContainerReader<TnefEntry> {
  return {
    format: 'tnef',
    list(maxListed) {
      const tnef = readTnef(content);
      const text = [tnef.subject ?? '', tnef.body ?? tnef.htmlBody ?? ''].filter(Boolean).join('\n');
      const entries: TnefEntry[] = tnef.attachments.slice(0, maxListed).map((a) => ({
        path: cleanPath(a.name),
        declaredType: a.mimeType,
        declaredSize: a.data.length,
        compressedSize: null,
        encrypted: false,
        unreadable: null,
        content: a.data,
      }));
      return Promise.resolve({ entries, total: tnef.attachments.length, text, problem: null });
    },
    read(entry) {
      return Promise.resolve(entry.content);
    },
  };
}
