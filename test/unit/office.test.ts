// Office attachments (src/analyze/office.ts through inspectAttachment): text of XLSX, ODT, ODS, ODP,
// PPTX, DOC and RTF; legacy-font text (.VnTime, .VnTimeH, VNI-Times) converted run by run; a DOCX or
// ODT that is only a picture marked scanned; limits and broken files reported, never thrown.
// Every fixture is a real file made here by the library that writes that format (docx, exceljs,
// pptxgenjs, an OpenDocument package zipped with fflate, RTF written out), except the legacy
// binary formats, which are small real files from a public test suite (test/fixtures/office).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { AlignmentType, Document, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun, VerticalMergeType } from 'docx';
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import pptxgenImport from 'pptxgenjs';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment } from '../../src/analyze/attachment.js';
import { docxBodyText, inspectOffice } from '../../src/analyze/office.js';
import { renderJpegScan, type DocSpec } from '../../src/demo/documents.js';
import { encodeTcvn3, encodeVni, encodeWindows1258 } from '../../src/domain/vn-legacy.js';
import { extractRefs, splitRefs } from '../../src/domain/refs.js';
import type { AttachmentFacts } from '../../src/domain/types.js';

// pptxgenjs's types are read as CommonJS under NodeNext (the class under `.default`), while at run
// time its ES build's default export is the class itself.
type Pptx = typeof pptxgenImport.default;
const PptxGenJS: Pptx = (pptxgenImport as unknown as { default?: Pptx }).default ?? (pptxgenImport as unknown as Pptx);

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/office');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

const MIME = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
};

const spec: DocSpec = {
  issuer: 'Sở Khoa học và Công nghệ',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '412/SKHCN-CĐS',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 8, 14)),
  kind: 'Công văn',
  title: 'V/v báo cáo tình hình sử dụng thư điện tử công vụ',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: ['Đề nghị các cơ quan báo cáo tình hình gửi, nhận văn bản điện tử.'],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Lê Thị Hoa',
};

const refsIn = (text: string) => splitRefs(text).transmitted.map((r) => ({ ref: r.ref, kind: r.kind }));

// ---------------------------------------------------------------------------------------------
// Fixture makers

/** A Word document typed in the legacy fonts, as a 2005 agency document converted to DOCX keeps them. */
async function legacyDocx(): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({
            alignment: AlignmentType.CENTER,
            children: [new TextRun({ text: encodeTcvn3('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { upper: true }), font: '.VnTimeH', bold: true })],
          }),
          new Paragraph({ children: [new TextRun({ text: encodeTcvn3('Độc lập - Tự do - Hạnh phúc'), font: '.VnTime' })] }),
          new Paragraph({ children: [new TextRun({ text: encodeTcvn3('Công văn số 123/UBND-VX về việc báo cáo tình hình'), font: '.VnTime' })] }),
          new Paragraph({
            children: [
              new TextRun({ text: encodeVni('Kính gửi: '), font: 'VNI-Times' }),
              new TextRun({ text: 'Sở Tài chính', font: 'Times New Roman' }),
            ],
          }),
          new Paragraph({ children: [new TextRun({ text: 'Người ký: Lê Thị Hoa', font: 'Times New Roman' })] }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/** A DOCX whose default font (not its runs) is .VnTime: the runs inherit it. */
async function defaultFontDocx(): Promise<Buffer> {
  const doc = new Document({
    styles: { default: { document: { run: { font: '.VnTime' } } } },
    sections: [{ children: [new Paragraph({ children: [new TextRun(encodeTcvn3('Quyết định số 15/QĐ-UBND ngày 02/01/2026'))] })] }],
  });
  return Packer.toBuffer(doc);
}

/** A scan pasted into Word: one picture of the page, no text. */
async function pictureDocx(jpeg: Buffer): Promise<Buffer> {
  const doc = new Document({
    sections: [{ children: [new Paragraph({ children: [new ImageRun({ type: 'jpg', data: jpeg, transformation: { width: 595, height: 842 } })] })] }],
  });
  return Packer.toBuffer(doc);
}

async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Danh sách');
  ws.getCell('A1').value = 'Số, ký hiệu';
  const b1 = ws.getCell('B1');
  b1.value = encodeTcvn3('Công văn số 123/UBND-VX ngày 14/9/2026');
  b1.font = { name: '.VnTime' };
  const c1 = ws.getCell('C1');
  c1.value = encodeTcvn3('ủy ban nhân dân tỉnh', { upper: true });
  c1.font = { name: '.VnTimeH' };
  ws.getCell('A2').value = {
    richText: [
      { text: encodeVni('Quyết định số '), font: { name: 'VNI-Times' } },
      { text: '15/QĐ-UBND', font: { name: 'Arial' } },
    ],
  };
  ws.getCell('B2').value = 42;
  ws.getCell('C2').value = { formula: 'B2*2', result: 84 };
  ws.getCell('D2').value = { formula: '"Tờ trình "&"45/TTr-SNV"', result: 'Tờ trình 45/TTr-SNV' };
  ws.getCell('A3').value = { text: 'Cổng thông tin điện tử', hyperlink: 'https://sonminh.gov.vn' };
  wb.addWorksheet('Trống');
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ' +
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
  'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" ' +
  'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" ' +
  'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" office:version="1.3"';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An OpenDocument package: mimetype first and stored, manifest, content, styles (and pictures). */
function odfPackage(mimetype: string, content: string, styles: string, pictures: Record<string, Buffer> = {}): Buffer {
  const manifest =
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">' +
    `<manifest:file-entry manifest:full-path="/" manifest:media-type="${mimetype}"/>` +
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>' +
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>' +
    Object.keys(pictures)
      .map((p) => `<manifest:file-entry manifest:full-path="${p}" manifest:media-type="image/jpeg"/>`)
      .join('') +
    '</manifest:manifest>';
  const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {
    mimetype: [strToU8(mimetype), { level: 0 }],
    'META-INF/manifest.xml': strToU8(manifest),
    'content.xml': strToU8(content),
    'styles.xml': strToU8(styles),
  };
  for (const [p, data] of Object.entries(pictures)) files[p] = new Uint8Array(data);
  return Buffer.from(zipSync(files));
}

const ODF_STYLES =
  `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles ${ODF_NS}>` +
  '<office:font-face-decls><style:font-face style:name=".VnTime" svg:font-family="\'.VnTime\'"/>' +
  '<style:font-face style:name=".VnTimeH" svg:font-family="\'.VnTimeH\'"/>' +
  '<style:font-face style:name="Times New Roman" svg:font-family="\'Times New Roman\'"/></office:font-face-decls>' +
  '<office:styles><style:default-style style:family="paragraph"><style:text-properties style:font-name="Times New Roman"/></style:default-style>' +
  '<style:style style:name="Standard" style:family="paragraph"/>' +
  '<style:style style:name="Tieu_de" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties style:font-name=".VnTimeH"/></style:style>' +
  '</office:styles></office:document-styles>';

function odt(): Buffer {
  const content =
    `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ${ODF_NS}>` +
    '<office:font-face-decls><style:font-face style:name=".VnTime" svg:font-family="\'.VnTime\'"/></office:font-face-decls>' +
    '<office:automatic-styles><style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties style:font-name=".VnTime"/></style:style>' +
    '<style:style style:name="T1" style:family="text"><style:text-properties style:font-name="Times New Roman"/></style:style></office:automatic-styles>' +
    '<office:body><office:text>' +
    `<text:h text:style-name="Tieu_de" text:outline-level="1">${xmlText(encodeTcvn3('ỦY BAN NHÂN DÂN TỈNH SƠN MINH', { upper: true }))}</text:h>` +
    `<text:p text:style-name="P1">${xmlText(encodeTcvn3('Số: 2888/UBND-VX'))}<text:tab/>${xmlText(encodeTcvn3('Sơn Minh, ngày 12 tháng 12 năm 2013'))}</text:p>` +
    `<text:p text:style-name="P1">${xmlText(encodeTcvn3('Kính gửi:'))}<text:s text:c="2"/><text:span text:style-name="T1">Sở Tài chính &amp; Sở Nội vụ</text:span></text:p>` +
    '<text:p>Lê Thị Hoa<text:line-break/>GIÁM ĐỐC</text:p>' +
    '<text:tracked-changes><text:changed-region><text:deletion><text:p>Đã xoá 999/XX-YY</text:p></text:deletion></text:changed-region></text:tracked-changes>' +
    '</office:text></office:body></office:document-content>';
  return odfPackage(MIME.odt, content, ODF_STYLES);
}

function pictureOdt(jpeg: Buffer): Buffer {
  const content =
    `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ${ODF_NS}><office:body><office:text>` +
    '<text:p><draw:frame draw:name="scan" svg:width="21cm" svg:height="29.7cm"><draw:image xlink:href="Pictures/scan.jpg" xlink:type="simple"/></draw:frame></text:p>' +
    '</office:text></office:body></office:document-content>';
  return odfPackage(MIME.odt, content, ODF_STYLES, { 'Pictures/scan.jpg': jpeg });
}

function ods(): Buffer {
  const content =
    `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ${ODF_NS}>` +
    '<office:automatic-styles><style:style style:name="ce1" style:family="table-cell"><style:text-properties style:font-name=".VnTime"/></style:style></office:automatic-styles>' +
    '<office:body><office:spreadsheet><table:table table:name="Sổ văn bản">' +
    '<table:table-row><table:table-cell office:value-type="string"><text:p>Số, ký hiệu</text:p></table:table-cell>' +
    `<table:table-cell table:style-name="ce1" office:value-type="string"><text:p>${xmlText(encodeTcvn3('Báo cáo số 77/BC-STC'))}</text:p></table:table-cell>` +
    '<table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell></table:table-row>' +
    '</table:table></office:spreadsheet></office:body></office:document-content>';
  return odfPackage(MIME.ods, content, ODF_STYLES);
}

function odp(): Buffer {
  const content =
    `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ${ODF_NS}>` +
    '<office:body><office:presentation><draw:page draw:name="page1">' +
    '<draw:frame svg:width="20cm" svg:height="3cm"><draw:text-box><text:p>Kế hoạch số 99/KH-UBND</text:p><text:p>triển khai chuyển đổi số</text:p></draw:text-box></draw:frame>' +
    '</draw:page></office:presentation></office:body></office:document-content>';
  return odfPackage(MIME.odp, content, ODF_STYLES);
}

async function pptx(): Promise<Buffer> {
  const pres = new PptxGenJS();
  const s1 = pres.addSlide();
  s1.addText(encodeTcvn3('Thông báo số 31/TB-VP'), { x: 0.5, y: 0.5, w: 9, h: 1, fontFace: '.VnTime' });
  s1.addText('Kết luận của Chủ tịch UBND tỉnh', { x: 0.5, y: 1.6, w: 9, h: 1, fontFace: 'Arial' });
  const s2 = pres.addSlide();
  s2.addText(encodeVni('Kế hoạch năm 2027'), { x: 0.5, y: 0.5, w: 9, h: 1, fontFace: 'VNI-Times' });
  return (await pres.write({ outputType: 'nodebuffer' })) as Buffer;
}

/** RTF with escapes of each character's byte in its font's code page. */
function rtfRun(text: string, cp: 'latin1' | 'windows-1258' = 'latin1'): string {
  if (cp === 'windows-1258') return [...encodeWindows1258(text)].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\'${b.toString(16)}`)).join('');
  return [...text].map((c) => (c.charCodeAt(0) < 0x80 ? c.replace(/[\\{}]/g, (m) => `\\${m}`) : `\\'${c.charCodeAt(0).toString(16)}`)).join('');
}
const rtfUnicode = (text: string) => [...text].map((c) => (c.charCodeAt(0) < 0x80 ? c : `\\u${c.charCodeAt(0)}?`)).join('');

function rtf(): Buffer {
  return Buffer.from(
    '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}{\\f1\\fnil\\fcharset0 .VnTime;}' +
      '{\\f2\\fnil\\fcharset0 VNI-Times;}{\\f3\\froman\\fcharset163 Times New Roman;}{\\f4\\fnil\\fcharset0 .VnTimeH{\\*\\falt VnTimeH};}}\r\n' +
      '{\\colortbl ;\\red0\\green0\\blue0;}{\\*\\generator Riched20 10.0.19041;}{\\info{\\title 999/ZZ-INFO}}\\viewkind4\\uc1\r\n' +
      `\\pard\\qc\\f4\\fs26 ${rtfRun(encodeTcvn3('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { upper: true }))}\\par\r\n` +
      `\\pard\\f1 ${rtfRun(encodeTcvn3('Công văn số 123/UBND-VX'))}\\par\r\n` +
      `\\f2 ${rtfRun(encodeVni('Kính gửi: Sở Tài chính'))}\\par\r\n` +
      `\\f0 ${rtfUnicode('Người ký: Lê Thị Hoa')}\\tab {\\b GIÁM ĐỐC}\\par\r\n`.replace('GIÁM ĐỐC', rtfUnicode('GIÁM ĐỐC')) +
      `\\f3 ${rtfRun('Việt Nam', 'windows-1258')}\\par\r\n` +
      '{\\*\\bkmkstart x}{\\field{\\*\\fldinst HYPERLINK "https://example.vn"}{\\fldrslt Trang}}\\par\r\n' +
      '{\\pict\\pngblip 89504e470d0a1a0a}\\par}',
    'latin1',
  );
}

const files: Record<string, Buffer> = {};
beforeAll(async () => {
  files.jpeg = await renderJpegScan(spec);
  files.legacyDocx = await legacyDocx();
  files.defaultFontDocx = await defaultFontDocx();
  files.pictureDocx = await pictureDocx(files.jpeg);
  files.xlsx = await workbook();
  files.pptx = await pptx();
});
const file = (name: string): Buffer => {
  const f = files[name];
  if (!f) throw new Error(`fixture ${name} missing`);
  return f;
};

// ---------------------------------------------------------------------------------------------

describe('DOCX', () => {
  it('converts legacy-font runs by their font, keeps Unicode runs, and finds the reference', async () => {
    const facts = await inspectAttachment(file('legacyDocx'), { filename: 'cong-van.docx', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.docx);
    expect(facts.digitization).toBe('born_digital');
    expect(facts.encoding).toBe('tcvn3');
    expect(facts.text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(facts.text).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(facts.text).toContain('Công văn số 123/UBND-VX về việc báo cáo tình hình');
    expect(facts.text).toContain('Kính gửi: Sở Tài chính');
    expect(facts.text).toContain('Người ký: Lê Thị Hoa');
    expect(refsIn(facts.text)).toEqual([{ ref: '123/UBND-VX', kind: 'Công văn' }]);
    expect(facts.problem).toBeNull();
  });

  it('follows the document default font when runs name none', async () => {
    const facts = await inspectAttachment(file('defaultFontDocx'), { filename: 'qd.docx', declaredType: null });
    expect(facts.encoding).toBe('tcvn3');
    expect(facts.text).toBe('Quyết định số 15/QĐ-UBND ngày 02/01/2026');
    expect(splitRefs(facts.text).transmitted[0]).toMatchObject({ ref: '15/QĐ-UBND', kind: 'Quyết định', date: '2026-01-02' });
  });

  it('marks a DOCX that is only a picture of a page as scanned', async () => {
    const facts = await inspectAttachment(file('pictureDocx'), { filename: 'scan.docx', declaredType: null });
    expect(facts.kind).toBe('office');
    expect(facts.text).toBe('');
    expect(facts.digitization).toBe('scanned');
    expect(facts.pages).toBe(1);
    expect(facts.textPages).toBe(0);
  });
});

describe('DOCX body text (read from the XML, in mammoth\'s raw-text layout)', () => {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const doc = (body: string, prefix = 'w', ns = W) =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><${prefix}:document xmlns:${prefix}="${ns}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"><${prefix}:body>${body.replace(/w:/g, `${prefix}:`)}</${prefix}:body></${prefix}:document>`;
  const p = (inner: string) => `<w:p><w:pPr><w:jc w:val="center"/></w:pPr>${inner}</w:p>`;
  const r = (t: string) => `<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">${t}</w:t></w:r>`;

  it('reads a DOCX written by the docx library: paragraphs, tabs, line breaks, a table with a merged cell', async () => {
    const cell = (text: string, merge?: 'restart' | 'continue') =>
      new TableCell({ children: [new Paragraph(text)], ...(merge ? { verticalMerge: merge === 'restart' ? VerticalMergeType.RESTART : VerticalMergeType.CONTINUE } : {}) });
    const d = new Document({
      sections: [
        {
          children: [
            new Paragraph({ children: [new TextRun('ỦY BAN NHÂN DÂN'), new TextRun({ text: 'Số: 77/UBND-VP', break: 1 }), new TextRun('\tHà Nội')] }),
            new Table({
              rows: [
                new TableRow({ children: [cell('Nơi nhận:', 'restart'), cell('KT. CHỦ TỊCH')] }),
                new TableRow({ children: [cell('', 'continue'), cell('Lê Văn An')] }),
              ],
            }),
            new Paragraph('Kính gửi: Sở Tài chính'),
          ],
        },
      ],
    });
    const facts = await inspectAttachment(await Packer.toBuffer(d), { filename: 'cv.docx', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.docx);
    expect(facts.problem).toBeNull();
    expect(facts.encoding).toBeNull();
    // mammoth ran the break's two lines together ("…DÂNSố: 77/…"); they stay apart here.
    expect(facts.text).toBe('ỦY BAN NHÂN DÂN\nSố: 77/UBND-VP\tHà Nội\n\nNơi nhận:\n\nKT. CHỦ TỊCH\n\nLê Văn An\n\nKính gửi: Sở Tài chính\n\n');
    expect(refsIn(facts.text)).toEqual([{ ref: '77/UBND-VP', kind: null }]);
  });

  it('leaves out deleted text, deleted rows and field codes; keeps inserted text and field results', () => {
    const xml = doc(
      p(`${r('Công văn số ')}<w:del w:id="1"><w:r><w:delText>99/XX</w:delText></w:r></w:del><w:ins w:id="2">${r('12/STC-NS')}</w:ins>`) +
        p(`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>${r('3')}<w:r><w:fldChar w:fldCharType="end"/></w:r>`) +
        `<w:tbl><w:tblPr/><w:tr><w:trPr><w:del w:id="3"/></w:trPr><w:tc>${p(r('hàng đã xóa'))}</w:tc></w:tr><w:tr><w:tc><w:tcPr/>${p(r('ô'))}</w:tc></w:tr></w:tbl>` +
        `<w:sectPr/>`,
    );
    expect(docxBodyText(xml, 1000)).toBe('Công văn số 12/STC-NS\n\n3\n\nô\n\n');
  });

  it('joins a paragraph whose mark is deleted to the next one, and puts a text box after its paragraph', () => {
    const box = `<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>${p(r('CHOICE'))}</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>${p(r('Khung: 5/TB'))}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>`;
    const xml = doc(`<w:p><w:pPr><w:rPr><w:del w:id="9"/></w:rPr></w:pPr>${r('Một ')}</w:p>${p(`${r('hai')}${box}${r(' ba')}`)}${p(r('bốn'))}`);
    expect(docxBodyText(xml, 1000)).toBe('Một hai ba\n\nKhung: 5/TB\n\nbốn\n\n');
  });

  it('knows the elements by namespace, not by prefix, in transitional and strict documents', () => {
    expect(docxBodyText(doc(p(r('a')) + p(r('b')), 'ns0'), 1000)).toBe('a\n\nb\n\n');
    expect(docxBodyText(doc(p(r('strict')), 'w', 'http://purl.oclc.org/ooxml/wordprocessingml/main'), 1000)).toBe('strict\n\n');
    // A foreign element and what it holds are skipped, as mammoth did.
    expect(docxBodyText(doc(p(`<x:y xmlns:x="urn:other">${r('no')}</x:y>${r('yes')}`)), 1000)).toBe('yes\n\n');
  });

  it('drops the first text of a checkbox content control, and stops at the character limit', () => {
    const sdt = `<w:sdt><w:sdtPr><w14:checkbox/></w:sdtPr><w:sdtContent>${r('☐')}${r(' đồng ý')}</w:sdtContent></w:sdt>`;
    expect(docxBodyText(doc(p(sdt)), 1000)).toBe(' đồng ý\n\n');
    const long = doc(Array.from({ length: 500 }, (_, i) => p(r(`đoạn ${i}`))).join(''));
    const text = docxBodyText(long, 100);
    expect(text.length).toBeGreaterThanOrEqual(100);
    expect(text.length).toBeLessThan(120);
    expect(text.startsWith('đoạn 0\n\nđoạn 1\n\n')).toBe(true);
  });

  it('reads the main part the package relationships name, and reports a package without one', async () => {
    const ct = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/main2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
    const rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/main2.xml"/></Relationships>';
    const pkg = (parts: Record<string, string>) => Buffer.from(zipSync(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, strToU8(v)]))));
    const ok = await inspectAttachment(pkg({ '[Content_Types].xml': ct, '_rels/.rels': rels, 'word/main2.xml': doc(p(r('Tờ trình số 8/TTr-SNV'))) }), { filename: 'tt.docx', declaredType: null });
    expect(ok.sniffedType).toBe(MIME.docx);
    expect(ok.text).toBe('Tờ trình số 8/TTr-SNV\n\n');
    const none = await inspectAttachment(pkg({ '[Content_Types].xml': ct, '_rels/.rels': rels, 'word/other.xml': doc(p(r('x'))) }), { filename: 'tt.docx', declaredType: null });
    expect(none.sniffedType).toBe(MIME.docx);
    expect(none.problem).toMatch(/^unreadable:docx: no main document part/);
  });
});

describe('XLSX (exceljs)', () => {
  it('reads every sheet and cell kind, converting cells and rich-text runs by their font', async () => {
    const facts = await inspectAttachment(file('xlsx'), { filename: 'so-van-ban.xlsx', declaredType: 'application/octet-stream' });
    expect(facts.sniffedType).toBe(MIME.xlsx);
    expect(facts.kind).toBe('office');
    expect(facts.digitization).toBe('born_digital');
    expect(facts.pages).toBe(2);
    expect(facts.encoding).toBe('tcvn3');
    const lines = facts.text.split('\n');
    expect(lines[0]).toBe('Danh sách');
    expect(lines[1]).toBe('Số, ký hiệu\tCông văn số 123/UBND-VX ngày 14/9/2026\tỦY BAN NHÂN DÂN TỈNH');
    expect(lines[2]).toBe('Quyết định số 15/QĐ-UBND\t42\t84\tTờ trình 45/TTr-SNV');
    expect(facts.text).toContain('Cổng thông tin điện tử');
    expect(facts.text).toContain('Trống');
    expect(splitRefs(facts.text).transmitted.map((r) => r.ref)).toEqual(['123/UBND-VX', '15/QĐ-UBND', '45/TTr-SNV']);
  });

  it('reads cells without a style of their own in the workbook\'s default font (.VnTime)', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('S').getCell('A1').value = encodeTcvn3('Báo cáo số 77/BC-STC');
    const parts = unzipSync(new Uint8Array(await wb.xlsx.writeBuffer()));
    const styles = parts['xl/styles.xml'];
    if (!styles) throw new Error('exceljs wrote no styles.xml');
    // As a workbook made in Excel with .VnTime as its standard font has it.
    parts['xl/styles.xml'] = strToU8(strFromU8(styles).replace(/<name val="[^"]*"\/>/, '<name val=".VnTime"/>'));
    const facts = await inspectAttachment(Buffer.from(zipSync(parts)), { filename: 'bc.xlsx', declaredType: null });
    expect(facts.text).toBe('S\nBáo cáo số 77/BC-STC');
    expect(facts.encoding).toBe('tcvn3');
  });

  it('refuses a workbook that would unpack past the limit', async () => {
    const facts: AttachmentFacts = {
      filename: 'x.xlsx', declaredType: null, sniffedType: MIME.xlsx, size: 0, sha256: '', kind: 'office',
      digitization: 'born_digital', pages: null, textPages: null, text: '', encoding: null, problem: null,
    };
    await inspectOffice(file('xlsx'), facts, { maxTextChars: 1000, maxUnzippedBytes: 2000 });
    expect(facts.problem).toBe('over_limit:unzipped');
  });

  it('truncates the text to the limit', async () => {
    const facts = await inspectAttachment(file('xlsx'), { filename: 'a.xlsx', declaredType: null }, { ...DEFAULT_ATTACHMENT_LIMITS, maxTextChars: 30 });
    expect(facts.text.length).toBeLessThanOrEqual(30);
    expect(facts.problem).toBeNull();
  });

  it('reports a truncated workbook as unreadable instead of throwing', async () => {
    const facts = await inspectAttachment(file('xlsx').subarray(0, 2000), { filename: 'hong.xlsx', declaredType: MIME.xlsx });
    expect(facts.problem).toMatch(/^unreadable:/);
  });
});

describe('OpenDocument', () => {
  it('reads an ODT: styles from styles.xml and content.xml, spans, spaces, tabs and line breaks; not deleted text', async () => {
    const facts = await inspectAttachment(odt(), { filename: 'cong-van.odt', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.odt);
    expect(facts.kind).toBe('office');
    expect(facts.encoding).toBe('tcvn3');
    expect(facts.text.split('\n')).toEqual([
      'ỦY BAN NHÂN DÂN TỈNH SƠN MINH',
      'Số: 2888/UBND-VX\tSơn Minh, ngày 12 tháng 12 năm 2013',
      'Kính gửi:  Sở Tài chính & Sở Nội vụ',
      'Lê Thị Hoa',
      'GIÁM ĐỐC',
    ]);
    expect(facts.text).not.toContain('999/XX-YY');
    expect(splitRefs(facts.text).transmitted[0]).toMatchObject({ ref: '2888/UBND-VX', date: '2013-12-12' });
  });

  it('marks an ODT that is only a picture as scanned', async () => {
    const facts = await inspectAttachment(pictureOdt(file('jpeg')), { filename: 'scan.odt', declaredType: null });
    expect(facts.digitization).toBe('scanned');
    expect(facts.text).toBe('');
  });

  it('reads an ODS by cells, with the cell style font', async () => {
    const facts = await inspectAttachment(ods(), { filename: 'so.ods', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.ods);
    expect(facts.text).toBe('Số, ký hiệu\tBáo cáo số 77/BC-STC\t42');
    expect(facts.encoding).toBe('tcvn3');
  });

  it('reads an ODP text box', async () => {
    const facts = await inspectAttachment(odp(), { filename: 'trinh-chieu.odp', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.odp);
    expect(facts.text).toBe('Kế hoạch số 99/KH-UBND\ntriển khai chuyển đổi số');
    expect(facts.encoding).toBeNull();
  });

  it('stops before inflating past the unzipped-size limit', async () => {
    const facts: AttachmentFacts = {
      filename: 'x.odt', declaredType: null, sniffedType: MIME.odt, size: 0, sha256: '', kind: 'office',
      digitization: 'born_digital', pages: null, textPages: null, text: '', encoding: null, problem: null,
    };
    await inspectOffice(odt(), facts, { maxTextChars: 1000, maxUnzippedBytes: 500 });
    expect(facts.problem).toBe('over_limit:unzipped');
    expect(facts.text).toBe('');
  });

  it('stops when the deadline check says so', async () => {
    const facts: AttachmentFacts = {
      filename: 'x.odt', declaredType: null, sniffedType: MIME.odt, size: 0, sha256: '', kind: 'office',
      digitization: 'born_digital', pages: null, textPages: null, text: '', encoding: null, problem: null,
    };
    const stop = new Error('deadline');
    await expect(inspectOffice(odt(), facts, { maxTextChars: 1000, check: () => { throw stop; } })).rejects.toBe(stop);
  });

  it('reports a zip that is no OpenDocument as unreadable', async () => {
    const notOdf = Buffer.from(zipSync({ mimetype: [strToU8(MIME.odt), { level: 0 }], 'other.txt': strToU8('x') }));
    const facts = await inspectAttachment(notOdf, { filename: 'x.odt', declaredType: null });
    expect(facts.problem).toBe('unreadable:office: no content.xml');
  });
});

describe('PPTX (pptxgenjs)', () => {
  it('reads the slides in order, each run by its font', async () => {
    const facts = await inspectAttachment(file('pptx'), { filename: 'bao-cao.pptx', declaredType: null });
    expect(facts.sniffedType).toBe(MIME.pptx);
    expect(facts.pages).toBe(2);
    expect(facts.text).toBe('Thông báo số 31/TB-VP\nKết luận của Chủ tịch UBND tỉnh\n\nKế hoạch năm 2027');
    expect(['tcvn3', 'vni']).toContain(facts.encoding);
    expect(splitRefs(facts.text).transmitted[0]).toMatchObject({ ref: '31/TB-VP', kind: 'Thông báo' });
  });
});

describe('legacy binary formats', () => {
  it('reads a Word 97–2003 .doc (made by LibreOffice Writer) with word-extractor', async () => {
    const facts = await inspectAttachment(fixture('libreoffice-writer.doc'), { filename: 'van-ban.doc', declaredType: 'application/msword' });
    expect(facts.sniffedType).toBe('application/msword');
    expect(facts.kind).toBe('office');
    expect(facts.digitization).toBe('born_digital');
    expect(facts.text).toBe('Simple doc from Libre Writer v7.4.1.2');
    expect(facts.problem).toBeNull();
  });

  it('says legacy .xls and .ppt are unsupported, with no reader to trust', async () => {
    const xls = await inspectAttachment(fixture('excel-mac.xls'), { filename: 'bang.xls', declaredType: null });
    expect(xls.sniffedType).toBe('application/vnd.ms-excel');
    expect(xls.problem).toBe('unsupported:xls');
    expect(xls.kind).toBe('office');
    const ppt = await inspectAttachment(fixture('powerpoint-mac.ppt'), { filename: 'slide.ppt', declaredType: null });
    expect(ppt.problem).toBe('unsupported:ppt');
  });

  it('reports a broken .doc as unreadable', async () => {
    const facts = await inspectAttachment(fixture('libreoffice-writer.doc').subarray(0, 3000), { filename: 'hong.doc', declaredType: null });
    expect(facts.problem).toMatch(/^unreadable:office: /);
  });
});

describe('RTF', () => {
  it('follows the font table: TCVN3, .VnTimeH, VNI, \\u escapes and windows-1258; skips info, fields and pictures', async () => {
    const facts = await inspectAttachment(rtf(), { filename: 'cong-van.rtf', declaredType: null });
    expect(facts.sniffedType).toBe('application/rtf');
    expect(facts.kind).toBe('office');
    expect(facts.text.split('\n')).toEqual([
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Công văn số 123/UBND-VX',
      'Kính gửi: Sở Tài chính',
      'Người ký: Lê Thị Hoa\tGIÁM ĐỐC',
      'Việt Nam',
      'Trang',
    ]);
    expect(facts.encoding).toBe('tcvn3');
    expect(facts.text).not.toContain('999/ZZ-INFO');
    expect(refsIn(facts.text)).toEqual([{ ref: '123/UBND-VX', kind: 'Công văn' }]);
  });

  it('records windows-1258 when that is the code page of the text', async () => {
    const body = `{\\rtf1\\ansi\\ansicpg1258\\deff0{\\fonttbl{\\f0\\fcharset163 Times New Roman;}}\\f0 ${rtfRun('Công văn số 5/SNV-TCBC', 'windows-1258')}\\par}`;
    const facts = await inspectAttachment(Buffer.from(body, 'latin1'), { filename: 'a.rtf', declaredType: null });
    expect(facts.text).toBe('Công văn số 5/SNV-TCBC');
    expect(facts.encoding).toBe('windows-1258');
  });

  it('stops at the nesting limit and says so', async () => {
    const deep = Buffer.from(`{\\rtf1 Số 1/A-B ${'{'.repeat(1500)}x${'}'.repeat(1500)}}`, 'latin1');
    const facts = await inspectAttachment(deep, { filename: 'sau.rtf', declaredType: null });
    expect(facts.problem).toBe('over_limit:depth');
  });
});

describe('plain text files in legacy encodings', () => {
  const text = 'Kính gửi: Sở Tài chính\nĐề nghị xem xét Công văn số 2888/UBND-VX ngày 12/12/2013 của UBND tỉnh.\n';
  it.each([
    ['TCVN3', Buffer.from(encodeTcvn3(text), 'latin1'), 'tcvn3'],
    ['VNI', Buffer.from(encodeVni(text), 'latin1'), 'vni'],
    ['windows-1258', encodeWindows1258(text), 'windows-1258'],
  ])('converts a %s text file', async (_name, bytes, encoding) => {
    const facts = await inspectAttachment(bytes, { filename: 'ghi-chu.txt', declaredType: 'text/plain' });
    expect(facts.kind).toBe('text');
    expect(facts.encoding).toBe(encoding);
    expect(facts.text).toBe(text);
    expect(extractRefs(facts.text)[0]).toMatchObject({ ref: '2888/UBND-VX', kind: 'Công văn', date: '2013-12-12' });
  });

  it('leaves UTF-8 and Latin-1 text files alone', async () => {
    const utf8 = await inspectAttachment(Buffer.from(text, 'utf8'), { filename: 'a.txt', declaredType: null });
    expect(utf8.encoding).toBeNull();
    expect(utf8.text).toBe(text);
    const french = 'Réunion à Hanoï : où est le dossier ? Très bien, merci.\n';
    const latin1 = await inspectAttachment(Buffer.from(french, 'latin1'), { filename: 'b.txt', declaredType: null });
    expect(latin1.encoding).toBeNull();
    expect(latin1.text).toBe(french);
  });
});
