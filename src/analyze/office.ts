// Text of office documents, for reference finding: XLSX (exceljs), OpenDocument text, spreadsheet
// and presentation (zip + content.xml), PPTX (zip + slide XML), legacy Word .doc (word-extractor),
// RTF (a small reader of our own), and DOCX (its body text read from the XML, the images-only
// check, and font-aware text when it uses legacy fonts). Legacy .xls and .ppt have no well-kept reader on npm and
// are reported `unsupported:xls` / `unsupported:ppt`.
//
// Fonts matter: text typed in `.VnTime` (TCVN3) or `VNI-Times` (VNI) is stored as the Latin-1
// characters of its bytes. Where a format says which font each run of text uses (DOCX, ODF, PPTX,
// XLSX cells, RTF), that run is converted by its font, so a document mixing Unicode and legacy
// fonts comes out whole. Text from formats without fonts (.doc) is left to the detector in
// legacy-text.ts.
//
// A file that cannot be read throws, and inspectAttachment reports it `unreadable:office: …`;
// limits hit are set as `problem` (`over_limit:unzipped`, `over_limit:depth`). No I/O.

import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import WordExtractor from 'word-extractor';
import type { AttachmentFacts, LegacyEncoding } from '../domain/types.js';
import { decodeByFont, fontEncoding } from '../domain/vn-legacy.js';

export const OFFICE_MIME = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ppsx: 'application/vnd.openxmlformats-officedocument.presentationml.slideshow',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  rtf: 'application/rtf',
} as const;

/**
 * The most a document may unpack to (the XML parts we read, or the whole XLSX for exceljs): a
 * zip bomb stops here, reported `over_limit:unzipped`, before anything is inflated.
 */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024;
/** RTF groups nest at most this deep; deeper is reported `over_limit:depth`. */
export const MAX_RTF_DEPTH = 1000;

export interface OfficeOptions {
  maxTextChars: number;
  maxUnzippedBytes?: number;
  /** Throws when the analysis must stop (deadline passed); called between pieces of work. */
  check?: () => void;
}

/** Text collected run by run, each converted by its font; counts what each legacy font gave. */
class TextSink {
  private parts: string[] = [];
  private length = 0;
  private readonly legacyChars: Record<LegacyEncoding, number> = { tcvn3: 0, vni: 0, 'windows-1258': 0 };
  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.length >= this.max;
  }

  /** Text in a font: converted when the font is a TCVN3 or VNI one. */
  add(text: string, font: string | null = null): void {
    if (!text || this.full) return;
    const f = fontEncoding(font);
    let out = text;
    if (f) {
      out = decodeByFont(text, font);
      if (out !== text.normalize('NFC')) this.legacyChars[f.encoding] += text.length;
    }
    this.parts.push(out);
    this.length += out.length;
  }

  /** Text read through a declared code page (RTF's windows-1258). */
  addDeclared(text: string, encoding: LegacyEncoding): void {
    if (!text || this.full) return;
    if (/[\u0080-\uffff]/.test(text)) this.legacyChars[encoding] += text.length;
    this.parts.push(text);
    this.length += text.length;
  }

  /** A separator (newline, tab) that never doubles. */
  sep(s: string): void {
    const last = this.parts[this.parts.length - 1];
    if (last !== undefined && !last.endsWith(s) && !this.full) {
      this.parts.push(s);
      this.length += s.length;
    }
  }

  get encoding(): LegacyEncoding | null {
    let best: LegacyEncoding | null = null;
    for (const [enc, n] of Object.entries(this.legacyChars) as Array<[LegacyEncoding, number]>) {
      if (n > 0 && (best === null || n > this.legacyChars[best])) best = enc;
    }
    return best;
  }

  text(): string {
    return this.parts
      .join('')
      .normalize('NFC')
      .replace(/ +\t/g, '\t')
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
      .slice(0, this.max);
  }
}

class OverLimit extends Error {
  constructor(readonly limit: string) {
    super(`over_limit:${limit}`);
    this.name = 'OverLimit';
  }
}

// ---------------------------------------------------------------------------------------------
// Zip and XML

interface ZipParts {
  names: string[];
  files: Record<string, Uint8Array>;
  /** A wanted part was left unread: the parts would unpack past the limit. */
  overLimit: boolean;
  /** What the whole package declares it unpacks to. */
  declaredTotal: number;
}

/** Lists a zip and inflates the wanted parts, within a budget of unpacked bytes. */
export function readZip(content: Uint8Array, wanted: (name: string) => boolean, maxUnzipped: number): ZipParts {
  const names: string[] = [];
  let budget = maxUnzipped;
  let overLimit = false;
  let declaredTotal = 0;
  const files = unzipSync(content, {
    filter: (f) => {
      names.push(f.name);
      declaredTotal += f.originalSize;
      if (!wanted(f.name)) return false;
      if (f.originalSize > budget) {
        overLimit = true;
        return false;
      }
      budget -= f.originalSize;
      return true;
    },
  });
  return { names, files, overLimit, declaredTotal };
}

type Attrs = Record<string, string>;

interface XmlHandlers {
  open?: (name: string, attrs: Attrs) => void;
  close?: (name: string) => void;
  text?: (text: string) => void;
}

/** Streams an XML document through saxes in slices, checking the deadline between them. */
function walkXml(xml: string, h: XmlHandlers, check?: () => void): void {
  const parser = new SaxesParser();
  // A malformed part still gives what was read before the fault; saxes goes on after an error.
  parser.on('error', () => undefined);
  if (h.open) {
    const open = h.open;
    parser.on('opentag', (tag: SaxesTagPlain) => open(tag.name, tag.attributes));
  }
  if (h.close) {
    const close = h.close;
    parser.on('closetag', (tag: SaxesTagPlain) => close(tag.name));
  }
  if (h.text) {
    parser.on('text', h.text);
    parser.on('cdata', h.text);
  }
  const SLICE = 1 << 20;
  for (let i = 0; i < xml.length; i += SLICE) {
    check?.();
    parser.write(xml.slice(i, i + SLICE));
  }
  parser.close();
}

function xmlOf(files: Record<string, Uint8Array>, name: string): string | null {
  const f = files[name];
  return f ? strFromU8(f) : null;
}

const IMAGE_EXT = /\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|jfif|webp)$/i;

// ---------------------------------------------------------------------------------------------
// DOCX: images-only check, and font-aware text when the document uses legacy fonts

const LEGACY_FONT_ATTR = /w:(?:ascii|hAnsi|cs)="(?:\.vn|vni[-_ ])/i;

interface DocxStyle {
  font: string | null;
  basedOn: string | null;
}

function docxStyles(xml: string | null, check?: () => void): { styles: Map<string, DocxStyle>; defaultFont: string | null; defaultPara: string | null } {
  const styles = new Map<string, DocxStyle>();
  let defaultFont: string | null = null;
  let defaultPara: string | null = null;
  if (!xml) return { styles, defaultFont, defaultPara };
  let current: DocxStyle | null = null;
  let inDefaults = false;
  walkXml(
    xml,
    {
      open: (name, a) => {
        if (name === 'w:docDefaults') inDefaults = true;
        else if (name === 'w:style') {
          current = { font: null, basedOn: null };
          const id = a['w:styleId'];
          if (id) styles.set(id, current);
          if (a['w:default'] === '1' && a['w:type'] === 'paragraph' && id) defaultPara = id;
        } else if (name === 'w:basedOn' && current) current.basedOn = a['w:val'] ?? null;
        else if (name === 'w:rFonts') {
          const font = a['w:hAnsi'] ?? a['w:ascii'] ?? null;
          if (current) current.font = font ?? current.font;
          else if (inDefaults) defaultFont = font ?? defaultFont;
        }
      },
      close: (name) => {
        if (name === 'w:style') current = null;
        else if (name === 'w:docDefaults') inDefaults = false;
      },
    },
    check,
  );
  return { styles, defaultFont, defaultPara };
}

function styleFont(styles: Map<string, DocxStyle>, id: string | null): string | null {
  for (let i = 0, s = id; s && i < 20; i++) {
    const st = styles.get(s);
    if (!st) return null;
    if (st.font) return st.font;
    s = st.basedOn;
  }
  return null;
}

/** DOCX body text with each run converted by its font (run, character style, paragraph style, defaults). */
function docxTextByFont(files: Record<string, Uint8Array>, sink: TextSink, check?: () => void): void {
  const { styles, defaultFont, defaultPara } = docxStyles(xmlOf(files, 'word/styles.xml'), check);
  const doc = xmlOf(files, 'word/document.xml');
  if (!doc) return;
  let paraFont: string | null = null;
  let runFont: string | null = null;
  let runStyleFont: string | null = null;
  let inRun = false;
  let inRunProps = false;
  let inText = false;
  let cellDepth = 0;
  const fontNow = () => runFont ?? runStyleFont ?? paraFont ?? defaultFont;
  walkXml(
    doc,
    {
      open: (name, a) => {
        switch (name) {
          case 'w:p':
            paraFont = styleFont(styles, defaultPara);
            break;
          case 'w:tc':
            cellDepth++;
            break;
          case 'w:pStyle':
            if (!inRun) paraFont = styleFont(styles, a['w:val'] ?? null) ?? styleFont(styles, defaultPara);
            break;
          case 'w:r':
            inRun = true;
            runFont = null;
            runStyleFont = null;
            break;
          case 'w:rPr':
            inRunProps = inRun;
            break;
          case 'w:rStyle':
            if (inRunProps) runStyleFont = styleFont(styles, a['w:val'] ?? null);
            break;
          case 'w:rFonts':
            if (inRunProps) runFont = a['w:hAnsi'] ?? a['w:ascii'] ?? runFont;
            break;
          case 'w:t':
            inText = inRun;
            break;
          case 'w:tab':
            if (inRun) sink.add('\t');
            break;
          case 'w:br':
          case 'w:cr':
            if (inRun) sink.add('\n');
            break;
          case 'w:sym': {
            // A symbol inserted by code: `F0B8` is the font's byte B8 in the private-use area.
            const ch = parseInt(a['w:char'] ?? '', 16);
            if (Number.isFinite(ch) && ch > 0) sink.add(String.fromCharCode(ch), a['w:font'] ?? fontNow());
            break;
          }
        }
      },
      close: (name) => {
        if (name === 'w:t') inText = false;
        else if (name === 'w:rPr') inRunProps = false;
        else if (name === 'w:r') inRun = false;
        else if (name === 'w:p') sink.add(cellDepth > 0 ? ' ' : '\n');
        else if (name === 'w:tc') {
          cellDepth--;
          sink.sep('\t');
        } else if (name === 'w:tr') sink.add('\n');
      },
      text: (t) => {
        if (inText) sink.add(t, fontNow());
      },
    },
    check,
  );
}

// The DOCX body as text, the way mammoth's extractRawText read it (mammoth is no longer used: it
// built a whole document model for this): each paragraph followed by a blank line, tabs kept,
// tables cell by cell, text boxes (VML, and DrawingML through its mc:Fallback) after the paragraph
// that anchors them, deleted text and deleted rows left out, field codes left out and field
// results kept. Elements are known by namespace, whatever prefix the file gives them. Unlike
// mammoth, a line break (w:br, w:cr) is a newline, so the lines it separates do not run together.

const NS: Readonly<Record<string, string>> = {
  'http://schemas.openxmlformats.org/wordprocessingml/2006/main': 'w',
  'http://purl.oclc.org/ooxml/wordprocessingml/main': 'w',
  'http://schemas.openxmlformats.org/markup-compatibility/2006': 'mc',
  'urn:schemas-microsoft-com:vml': 'v',
  'http://schemas.microsoft.com/office/word/2010/wordml': 'w14',
};

/** Elements whose children are read (as mammoth's body reader does); any other element is skipped whole. */
const DOCX_CONTAINERS = new Set([
  'w:body', 'w:p', 'w:r', 'w:hyperlink', 'w:tbl', 'w:tr', 'w:tc', 'w:customXml', 'w:ins', 'w:moveTo',
  'w:object', 'w:smartTag', 'w:pict', 'v:roundrect', 'v:shape', 'v:textbox', 'w:txbxContent', 'v:group', 'v:rect',
  'mc:AlternateContent',
]);

interface DocxFrame {
  name: string;
  /** read: children are read; meta: looked into for properties only; skip: nothing under it counts. */
  mode: 'read' | 'meta' | 'skip';
}

interface DocxPara {
  extras: string[];
  deleted: boolean;
}

function w(attrs: Record<string, { local: string; uri: string; value: string }>, local: string): string | undefined {
  for (const k in attrs) {
    const a = attrs[k] as { local: string; uri: string; value: string };
    if (a.local === local && (NS[a.uri] === 'w' || NS[a.uri] === 'w14')) return a.value;
  }
  return undefined;
}

/** Text of a DOCX main document part, mammoth's raw-text layout; stops after `maxChars` characters (before NFC). */
export function docxBodyText(xml: string, maxChars: number, check?: () => void): string {
  const parser = new SaxesParser({ xmlns: true });
  // A malformed part still gives what was read before the fault; saxes goes on after an error.
  parser.on('error', () => undefined);
  const stack: DocxFrame[] = [];
  const outs: string[][] = [[]];
  const paras: DocxPara[] = [];
  let length = 0;
  let textBuf: string[] | null = null;
  // A checkbox content control: mammoth put a textless checkbox in place of its first text.
  let checkboxPending = false;
  let dropRow = false;
  const emit = (t: string): void => {
    if (length >= maxChars || t === '') return;
    (outs[outs.length - 1] as string[]).push(t);
    length += t.length;
  };
  const nameOf = (tag: { uri: string; local: string; name: string }): string => {
    const p = NS[tag.uri];
    return p ? `${p}:${tag.local}` : tag.uri ? `{${tag.uri}}${tag.local}` : tag.name;
  };
  parser.on('opentag', (tag) => {
    const t = tag as unknown as { uri: string; local: string; name: string; attributes: Record<string, { local: string; uri: string; value: string }> };
    const name = nameOf(t);
    const parent = stack[stack.length - 1];
    let mode: DocxFrame['mode'] = 'skip';
    if (!parent) mode = 'meta'; // w:document: only w:body under it is read
    else if (parent.mode === 'meta') {
      mode = name === 'w:body' && parent.name === 'w:document' ? 'read' : 'meta';
      const grand = stack[stack.length - 2];
      if (name === 'w:del' && parent.name === 'w:rPr' && grand?.name === 'w:pPr' && stack[stack.length - 3]?.name === 'w:p') {
        const para = paras[paras.length - 1];
        if (para) para.deleted = true;
      } else if (name === 'w:del' && parent.name === 'w:trPr') dropRow = true;
      else if (name === 'w:vMerge' && parent.name === 'w:tcPr' && grand?.name === 'w:tc') {
        // A cell merged with the one above it: mammoth kept only the first cell of a vertical merge.
        const v = w(t.attributes, 'val');
        if (v === undefined || v === 'continue') grand.mode = 'skip';
      } else if (name === 'w14:checkbox' && stack.some((f) => f.name === 'w:sdtPr')) checkboxPending = true;
    } else if (parent.mode === 'read') {
      if (DOCX_CONTAINERS.has(name)) mode = 'read';
      else if (name === 'w:sdt') mode = 'read';
      else if (name === 'mc:Fallback') mode = parent.name === 'mc:AlternateContent' ? 'read' : 'skip';
      else if (name === 'w:sdtContent') mode = parent.name === 'w:sdt' ? 'read' : 'skip';
      else if (name === 'w:pPr' || name === 'w:trPr' || name === 'w:tcPr' || name === 'w:sdtPr') mode = 'meta';
      if (parent.name === 'mc:AlternateContent' && name !== 'mc:Fallback') mode = 'skip';
      if (parent.name === 'w:sdt' && name !== 'w:sdtContent' && name !== 'w:sdtPr') mode = 'skip';
      switch (name) {
        case 'w:p':
          paras.push({ extras: [], deleted: false });
          break;
        case 'w:pict':
          outs.push([]);
          break;
        case 'w:t':
          textBuf = [];
          break;
        case 'w:tab':
          emit('\t');
          break;
        case 'w:br':
        case 'w:cr':
          emit('\n');
          break;
        case 'w:noBreakHyphen':
          emit('\u2011');
          break;
        case 'w:softHyphen':
          emit('\u00ad');
          break;
      }
    }
    stack.push({ name, mode });
  });
  parser.on('closetag', () => {
    const frame = stack.pop();
    const parent = stack[stack.length - 1];
    if (!frame || !parent) return;
    if (frame.name === 'w:trPr' && dropRow) {
      // A deleted table row is left out whole.
      parent.mode = 'skip';
      dropRow = false;
    }
    if (parent.mode !== 'read') return;
    switch (frame.name) {
      case 'w:t': {
        const text = (textBuf ?? []).join('');
        textBuf = null;
        if (checkboxPending && text.length > 0) checkboxPending = false;
        else emit(text);
        break;
      }
      case 'w:sdt':
        checkboxPending = false;
        break;
      case 'w:pict': {
        const box = outs.pop() ?? [];
        const host = paras[paras.length - 1];
        if (host) host.extras.push(...box);
        else (outs[outs.length - 1] as string[]).push(...box);
        break;
      }
      case 'w:p': {
        const para = paras.pop();
        if (!para) break;
        // A deleted paragraph mark joins the paragraph to the next one.
        if (!para.deleted) emit('\n\n');
        (outs[outs.length - 1] as string[]).push(...para.extras);
        break;
      }
    }
  });
  parser.on('text', (text) => {
    if (textBuf) textBuf.push(text);
  });
  const SLICE = 1 << 20;
  for (let i = 0; i < xml.length && length < maxChars; i += SLICE) {
    check?.();
    parser.write(xml.slice(i, i + SLICE));
  }
  parser.close();
  while (outs.length > 1) (outs[outs.length - 2] as string[]).push(...(outs.pop() as string[]));
  return (outs[0] as string[]).join('');
}

const DOCX_MAIN = 'word/document.xml';
const DOCX_PARTS = [DOCX_MAIN, 'word/styles.xml', 'word/fontTable.xml'];

/** The main document part the package's relationships name (mammoth looked there too); word/document.xml by default. */
function docxMainPart(rels: string | null): string {
  const m = rels ? /<Relationship\b[^>]*\bType="[^"]*\/officeDocument"[^>]*>/.exec(rels) : null;
  const target = m ? /\bTarget="([^"]+)"/.exec(m[0])?.[1] : undefined;
  return target ? target.replace(/^\//, '') : DOCX_MAIN;
}

function inspectDocx(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): void {
  let zip = readZip(content, (n) => n === '_rels/.rels' || DOCX_PARTS.includes(n), o.maxUnzippedBytes);
  if (zip.overLimit) throw new OverLimit('unzipped');
  const main = docxMainPart(xmlOf(zip.files, '_rels/.rels'));
  if (main !== DOCX_MAIN && zip.names.includes(main)) {
    zip = readZip(content, (n) => n === main || DOCX_PARTS.includes(n), o.maxUnzippedBytes);
    if (zip.overLimit) throw new OverLimit('unzipped');
    const f = zip.files[main];
    if (f) zip.files[DOCX_MAIN] = f;
  }
  const doc = xmlOf(zip.files, DOCX_MAIN);
  if (doc === null) throw new Error('no main document part (word/document.xml)');
  facts.text = docxBodyText(doc.replace(/^\uFEFF/, ''), o.maxTextChars * 2, o.check).normalize('NFC').slice(0, o.maxTextChars);
  const images = zip.names.filter((n) => n.startsWith('word/media/') && IMAGE_EXT.test(n)).length;
  const legacy = DOCX_PARTS.some((n) => LEGACY_FONT_ATTR.test(xmlOf(zip.files, n) ?? ''));
  if (legacy) {
    const sink = new TextSink(o.maxTextChars);
    docxTextByFont(zip.files, sink, o.check);
    facts.text = sink.text();
    facts.encoding = sink.encoding;
  }
  markScanned(facts, images);
}

/** An office document that is only pictures (a scan pasted into Word) was digitized from paper. */
function markScanned(facts: AttachmentFacts, images: number): void {
  if (images > 0 && !/\S/.test(facts.text)) {
    facts.text = '';
    facts.digitization = 'scanned';
    facts.pages = images;
    facts.textPages = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// OpenDocument (ODT, ODS, ODP)

interface OdfStyles {
  /** Font-face name → font family. */
  faces: Map<string, string>;
  /** Style name → { font, parent }. */
  styles: Map<string, { font: string | null; parent: string | null }>;
  defaultFont: string | null;
}

function odfCollectStyles(xml: string | null, into: OdfStyles, check?: () => void): void {
  if (!xml) return;
  let current: { font: string | null; parent: string | null } | null = null;
  let inDefault = false;
  walkXml(
    xml,
    {
      open: (name, a) => {
        if (name === 'style:font-face') {
          const n = a['style:name'];
          if (n) into.faces.set(n, (a['svg:font-family'] ?? n).replace(/^['"]|['"]$/g, ''));
        } else if (name === 'style:style') {
          current = { font: null, parent: a['style:parent-style-name'] ?? null };
          const n = a['style:name'];
          if (n) into.styles.set(n, current);
        } else if (name === 'style:default-style' && (a['style:family'] === 'paragraph' || a['style:family'] === 'table-cell')) {
          inDefault = true;
        } else if (name === 'style:text-properties') {
          const face = a['style:font-name'];
          const font = face !== undefined ? (into.faces.get(face) ?? face) : (a['fo:font-family']?.replace(/^['"]|['"]$/g, '') ?? null);
          if (font && current) current.font = font;
          else if (font && inDefault) into.defaultFont ??= font;
        }
      },
      close: (name) => {
        if (name === 'style:style') current = null;
        else if (name === 'style:default-style') inDefault = false;
      },
    },
    check,
  );
}

function odfStyleFont(s: OdfStyles, name: string | undefined): string | null {
  for (let i = 0, n = name; n && i < 20; i++) {
    const st = s.styles.get(n);
    if (!st) return null;
    if (st.font) return st.font;
    n = st.parent ?? undefined;
  }
  return null;
}

const ODF_STYLE_ATTRS = ['text:style-name', 'table:style-name', 'draw:text-style-name', 'presentation:style-name'];

function inspectOdf(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): void {
  const zip = readZip(content, (n) => n === 'content.xml' || n === 'styles.xml', o.maxUnzippedBytes);
  if (zip.overLimit) throw new OverLimit('unzipped');
  const content_ = xmlOf(zip.files, 'content.xml');
  if (content_ === null) throw new Error('no content.xml');
  const styles: OdfStyles = { faces: new Map(), styles: new Map(), defaultFont: null };
  // styles.xml first: content.xml's automatic styles name its styles as parents.
  odfCollectStyles(xmlOf(zip.files, 'styles.xml'), styles, o.check);
  const bodyAt = content_.indexOf('<office:body');
  odfCollectStyles(bodyAt >= 0 ? content_.slice(0, bodyAt) : content_, styles, o.check);
  const sink = new TextSink(o.maxTextChars);
  // A stack of fonts along the open elements: a span's style overrides its paragraph's.
  const fonts: Array<string | null> = [styles.defaultFont];
  let inBody = false;
  let textDepth = 0;
  let skipDepth = 0;
  let cellDepth = 0;
  let images = 0;
  walkXml(
    content_,
    {
      open: (name, a) => {
        const outer = fonts[fonts.length - 1] ?? null;
        let font = outer;
        for (const attr of ODF_STYLE_ATTRS) {
          const f = odfStyleFont(styles, a[attr]);
          if (f) font = f;
        }
        fonts.push(font);
        if (name === 'office:body') inBody = true;
        if (!inBody) return;
        if (name === 'text:tracked-changes' || name === 'office:annotation' || name === 'text:note-citation') skipDepth++;
        if (skipDepth > 0) return;
        if (name === 'text:p' || name === 'text:h') textDepth++;
        else if (name === 'table:table-cell' || name === 'table:covered-table-cell') cellDepth++;
        else if (name === 'text:s') sink.add(' '.repeat(Math.min(100, Number(a['text:c'] ?? '1') || 1)));
        else if (name === 'text:tab') sink.add('\t');
        else if (name === 'text:line-break') sink.add('\n');
        else if (name === 'draw:image') images++;
      },
      close: (name) => {
        fonts.pop();
        if (!inBody) return;
        if (name === 'text:tracked-changes' || name === 'office:annotation' || name === 'text:note-citation') {
          skipDepth--;
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'text:p' || name === 'text:h') {
          textDepth--;
          sink.add(cellDepth > 0 ? ' ' : '\n');
        } else if (name === 'table:table-cell' || name === 'table:covered-table-cell') {
          cellDepth--;
          sink.sep('\t');
        }
        else if (name === 'table:table-row') sink.add('\n');
      },
      text: (t) => {
        if (inBody && skipDepth === 0 && textDepth > 0) sink.add(t, fonts[fonts.length - 1] ?? null);
      },
    },
    o.check,
  );
  facts.text = sink.text();
  facts.encoding = sink.encoding;
  if (facts.sniffedType === OFFICE_MIME.odt) markScanned(facts, images);
}

// ---------------------------------------------------------------------------------------------
// PPTX

function inspectPptx(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): void {
  const slideRe = /^ppt\/slides\/slide(\d+)\.xml$/;
  const zip = readZip(content, (n) => slideRe.test(n), o.maxUnzippedBytes);
  if (zip.overLimit) throw new OverLimit('unzipped');
  const slides = Object.keys(zip.files).sort((a, b) => Number(slideRe.exec(a)?.[1]) - Number(slideRe.exec(b)?.[1]));
  facts.pages = slides.length;
  const sink = new TextSink(o.maxTextChars);
  for (const name of slides) {
    if (sink.full) break;
    let runFont: string | null = null;
    let inText = false;
    walkXml(
      xmlOf(zip.files, name) ?? '',
      {
        open: (n, a) => {
          if (n === 'a:r' || n === 'a:fld') runFont = null;
          else if (n === 'a:latin') runFont = a['typeface'] ?? null;
          else if (n === 'a:t') inText = true;
          else if (n === 'a:br') sink.add('\n');
        },
        close: (n) => {
          if (n === 'a:t') inText = false;
          else if (n === 'a:p') sink.add('\n');
          else if (n === 'a:tc') sink.sep('\t');
        },
        text: (t) => {
          if (inText) sink.add(t, runFont);
        },
      },
      o.check,
    );
    sink.sep('\n\n');
  }
  facts.text = sink.text();
  facts.encoding = sink.encoding;
  facts.textPages = null;
}

// ---------------------------------------------------------------------------------------------
// XLSX

function cellText(value: ExcelJS.CellValue, cellFont: string | null, sink: TextSink, fallback: () => string): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') sink.add(value, cellFont);
  else if (typeof value === 'object' && 'richText' in value) {
    for (const run of value.richText) sink.add(run.text, run.font?.name ?? cellFont);
  } else if (typeof value === 'object' && 'hyperlink' in value) sink.add(String(value.text), cellFont);
  else if (typeof value === 'object' && 'formula' in value && typeof value.result === 'string') sink.add(value.result, cellFont);
  else if (typeof value === 'object' && 'sharedFormula' in value && typeof value.result === 'string') sink.add(value.result, cellFont);
  else sink.add(fallback());
}

/** The workbook's default font (the first of styles.xml): cells without a style of their own use it. */
function xlsxDefaultFont(stylesXml: string | null, check?: () => void): string | null {
  if (!stylesXml) return null;
  let inFont = false;
  let done = false;
  let name: string | null = null;
  walkXml(
    stylesXml,
    {
      open: (n, a) => {
        if (done) return;
        if (n === 'font') inFont = true;
        else if (inFont && n === 'name') name = a['val'] ?? null;
      },
      close: (n) => {
        if (n === 'font') {
          inFont = false;
          done = true;
        }
      },
    },
    check,
  );
  return name;
}

async function inspectXlsx(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): Promise<void> {
  // exceljs inflates the whole package: its declared size must fit the budget first.
  const zip = readZip(content, (n) => n === 'xl/styles.xml', o.maxUnzippedBytes);
  if (zip.overLimit || zip.declaredTotal > o.maxUnzippedBytes) throw new OverLimit('unzipped');
  const defaultFont = xlsxDefaultFont(xmlOf(zip.files, 'xl/styles.xml'), o.check);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as unknown as ExcelJS.Buffer);
  o.check();
  const sink = new TextSink(o.maxTextChars);
  let sheets = 0;
  wb.eachSheet((ws) => {
    sheets++;
    if (sink.full) return;
    sink.add(ws.name);
    sink.add('\n');
    ws.eachRow({ includeEmpty: false }, (row) => {
      if (sink.full) return;
      row.eachCell({ includeEmpty: false }, (cell) => {
        if (cell.type === ExcelJS.ValueType.Merge) return;
        cellText(cell.value, cell.font?.name ?? defaultFont, sink, () => cell.text);
        sink.sep('\t');
      });
      sink.add('\n');
    });
    sink.add('\n');
  });
  facts.pages = sheets;
  facts.text = sink.text();
  facts.encoding = sink.encoding;
}

// ---------------------------------------------------------------------------------------------
// Legacy Word (.doc)

async function inspectDoc(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): Promise<void> {
  const doc = await new WordExtractor().extract(content);
  o.check();
  const parts = [
    doc.getHeaders({ includeFooters: true }),
    doc.getBody(),
    doc.getFootnotes(),
    doc.getEndnotes(),
    doc.getTextboxes({ includeHeadersAndFooters: true, includeBody: true }),
  ];
  facts.text = parts
    .filter((p) => p && /\S/.test(p))
    .join('\n')
    .normalize('NFC')
    .trim()
    .slice(0, o.maxTextChars);
}

// ---------------------------------------------------------------------------------------------
// RTF

/** Windows code page of an RTF \fcharset. */
const RTF_CHARSET_CP: Readonly<Record<number, number>> = {
  0: 1252, 1: 1252, 2: 1252, 77: 10000, 128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254,
  163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250, 254: 437,
};

/** Destinations whose content is not document text. */
const RTF_SKIP = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'objdata', 'themedata', 'colorschememapping',
  'latentstyles', 'datastore', 'xmlnstbl', 'rsidtbl', 'generator', 'listtable', 'listoverridetable', 'fldinst',
  'bkmkstart', 'bkmkend', 'filetbl', 'revtbl', 'pgdsctbl', 'mmathpr', 'wgrffmtfilter', 'shpinst', 'sp', 'sn', 'sv',
  'nonshppict', 'blipuid', 'defchp', 'defpap', 'pn', 'pntext', 'listtext', 'template', 'userprops', 'docvar',
  'header', 'footer', 'headerl', 'headerr', 'headerf', 'footerl', 'footerr', 'footerf', 'xe', 'tc', 'annotation',
  'atnid', 'atnauthor', 'protusertbl', 'ftnsep', 'ftnsepc', 'aftnsep', 'aftnsepc', 'passwordhash', 'fchars', 'lchars',
]);

const RTF_SYMBOLS: Readonly<Record<string, string>> = {
  par: '\n', line: '\n', sect: '\n', page: '\n', row: '\n', cell: '\t', tab: '\t', emdash: '—', endash: '–',
  emspace: ' ', enspace: ' ', qmspace: ' ', bullet: '•', lquote: '‘', rquote: '’', ldblquote: '“', rdblquote: '”',
};

interface RtfState {
  font: number | null;
  uc: number;
  skip: boolean;
}

/** Text of an RTF document: groups, fonts and code pages followed; each font's text decoded by it. */
export function rtfToText(rtf: Buffer, sink: TextSink, check?: () => void): { overDepth: boolean } {
  const fonts = new Map<number, { name: string; cp: number | null }>();
  let defaultCp = 1252;
  let defaultFont: number | null = null;
  const stack: RtfState[] = [];
  let st: RtfState = { font: null, uc: 1, skip: false };
  let overDepth = false;
  // Bytes of text waiting to be decoded with the current font's code page.
  let pending: number[] = [];
  let inFontTable = 0;
  let fontEntry: { n: number | null; name: string; cp: number | null } | null = null;
  let skipChars = 0;
  let destinationNext = false;

  const flush = () => {
    if (pending.length === 0) return;
    const f = st.font ?? defaultFont;
    const font = f === null ? undefined : fonts.get(f);
    const cp = font?.cp ?? defaultCp;
    const bytes = Buffer.from(pending);
    pending = [];
    if (cp === 1258) sink.addDeclared(iconv.decode(bytes, 'windows-1258').normalize('NFC'), 'windows-1258');
    else if (fontEncoding(font?.name)) sink.add(bytes.toString('latin1'), font?.name ?? null);
    else sink.add(iconv.encodingExists(`cp${cp}`) ? iconv.decode(bytes, `cp${cp}`) : bytes.toString('latin1'), font?.name ?? null);
  };
  const saveFont = () => {
    if (fontEntry?.n != null) fonts.set(fontEntry.n, { name: fontEntry.name.trim(), cp: fontEntry.cp });
    fontEntry = null;
  };
  const emitByte = (b: number) => {
    if (skipChars > 0) {
      skipChars--;
      return;
    }
    if (st.skip) return;
    if (fontEntry) {
      fontEntry.name += String.fromCharCode(b);
      return;
    }
    pending.push(b);
  };
  const emitText = (s: string) => {
    if (st.skip) return;
    if (fontEntry) {
      fontEntry.name += s;
      return;
    }
    flush();
    sink.add(s);
  };

  const n = rtf.length;
  let i = 0;
  let steps = 0;
  while (i < n && !sink.full) {
    if (++steps % 65536 === 0) check?.();
    const c = rtf[i] as number;
    if (c === 0x7b) {
      // {
      flush();
      if (stack.length >= MAX_RTF_DEPTH) {
        overDepth = true;
        break;
      }
      stack.push(st);
      st = { ...st };
      destinationNext = true;
      i++;
      continue;
    }
    if (c === 0x7d) {
      // }
      flush();
      if (fontEntry && inFontTable > 0 && stack.length === inFontTable + 1) saveFont();
      if (inFontTable > 0 && stack.length === inFontTable) {
        saveFont();
        inFontTable = 0;
      }
      st = stack.pop() ?? st;
      destinationNext = false;
      i++;
      continue;
    }
    if (c === 0x5c) {
      // backslash
      const next = rtf[i + 1];
      if (next === undefined) break;
      if (next === 0x27) {
        // \'hh
        const hex = rtf.toString('latin1', i + 2, i + 4);
        const b = parseInt(hex, 16);
        if (Number.isFinite(b)) emitByte(b);
        i += 4;
        destinationNext = false;
        continue;
      }
      if (next === 0x2a) {
        // \* : an optional destination; skipped unless we know it
        st.skip = true;
        i += 2;
        continue;
      }
      const isLetter = (x: number | undefined) => x !== undefined && ((x >= 0x61 && x <= 0x7a) || (x >= 0x41 && x <= 0x5a));
      if (!isLetter(next)) {
        // control symbol
        i += 2;
        destinationNext = false;
        if (next === 0x5c || next === 0x7b || next === 0x7d) emitText(String.fromCharCode(next));
        else if (next === 0x7e) emitText('\u00a0');
        else if (next === 0x5f) emitText('\u2011');
        else if (next === 0x0a || next === 0x0d) emitText('\n');
        continue;
      }
      let j = i + 1;
      while (j < n && isLetter(rtf[j])) j++;
      const word = rtf.toString('latin1', i + 1, j).toLowerCase();
      let k = j;
      if (rtf[k] === 0x2d) k++;
      while (k < n && (rtf[k] as number) >= 0x30 && (rtf[k] as number) <= 0x39 && k - j < 11) k++;
      const param = k > j && !(k === j + 1 && rtf[j] === 0x2d) ? Number(rtf.toString('latin1', j, k)) : null;
      i = rtf[k] === 0x20 ? k + 1 : k;
      const first = destinationNext;
      destinationNext = false;
      if (first && word === 'fonttbl') {
        inFontTable = stack.length;
        continue;
      }
      if (first && RTF_SKIP.has(word)) {
        st.skip = true;
        continue;
      }
      if (inFontTable > 0) {
        if (word === 'f' && param !== null) fontEntry = { n: param, name: '', cp: null };
        else if (word === 'fcharset' && fontEntry && param !== null) fontEntry.cp = RTF_CHARSET_CP[param] ?? null;
        else if (word === 'cpg' && fontEntry && param !== null) fontEntry.cp = param;
        continue;
      }
      if (st.skip) continue;
      switch (word) {
        case 'ansicpg':
          if (param !== null) defaultCp = param;
          break;
        case 'deff':
          defaultFont = param;
          break;
        case 'f':
          flush();
          st.font = param;
          break;
        case 'uc':
          st.uc = param ?? 1;
          break;
        case 'u':
          if (param !== null) {
            emitText(String.fromCharCode(param < 0 ? param + 65536 : param));
            skipChars = st.uc;
          }
          break;
        case 'bin':
          i += Math.max(0, param ?? 0);
          break;
        default: {
          const sym = RTF_SYMBOLS[word];
          if (sym !== undefined) emitText(sym);
        }
      }
      continue;
    }
    if (c === 0x0d || c === 0x0a) {
      i++;
      continue;
    }
    destinationNext = false;
    if (inFontTable > 0 && fontEntry && c === 0x3b) saveFont();
    else emitByte(c);
    i++;
  }
  flush();
  return { overDepth };
}

function inspectRtf(content: Buffer, facts: AttachmentFacts, o: Required<OfficeOptions>): void {
  const sink = new TextSink(o.maxTextChars);
  const { overDepth } = rtfToText(content, sink, o.check);
  facts.text = sink.text();
  facts.encoding = sink.encoding;
  if (overDepth) facts.problem = 'over_limit:depth';
}

// ---------------------------------------------------------------------------------------------

/** Whether inspectOffice reads this type. */
export function isOfficeType(mime: string): boolean {
  return (Object.values(OFFICE_MIME) as string[]).includes(mime);
}

/**
 * Reads an office attachment's text into `facts` (text, encoding, pages; digitization `scanned`
 * for a DOCX or ODT that is only pictures). Limits hit go to `facts.problem`;
 * a file it cannot read throws (the caller reports it unreadable).
 */
export async function inspectOffice(content: Buffer, facts: AttachmentFacts, opts: OfficeOptions): Promise<void> {
  const o: Required<OfficeOptions> = {
    maxTextChars: opts.maxTextChars,
    maxUnzippedBytes: opts.maxUnzippedBytes ?? MAX_UNZIPPED_BYTES,
    check: opts.check ?? (() => undefined),
  };
  try {
    switch (facts.sniffedType) {
      case OFFICE_MIME.docx:
        return inspectDocx(content, facts, o);
      case OFFICE_MIME.xlsx:
        return await inspectXlsx(content, facts, o);
      case OFFICE_MIME.odt:
      case OFFICE_MIME.ods:
      case OFFICE_MIME.odp:
        return inspectOdf(content, facts, o);
      case OFFICE_MIME.pptx:
      case OFFICE_MIME.ppsx:
        return inspectPptx(content, facts, o);
      case OFFICE_MIME.doc:
        return await inspectDoc(content, facts, o);
      case OFFICE_MIME.rtf:
        return inspectRtf(content, facts, o);
      case OFFICE_MIME.xls:
        facts.problem = 'unsupported:xls';
        return;
      case OFFICE_MIME.ppt:
        facts.problem = 'unsupported:ppt';
        return;
    }
  } catch (err) {
    if (err instanceof OverLimit) {
      facts.problem = err.message;
      return;
    }
    throw err;
  }
}
