// edXML packages (QCVN 102:2016/BTTTT) built here the way document-exchange software writes them
// (the element names of the standard's namespace, the files base64 in AttachmentEncoded), with a
// real PDF inside: the envelope parsed, the PDF inspected as an attachment, and the envelope's
// code and OrganIds taken as ground truth by the message analysis.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectAttachment } from '../../src/analyze/attachment.js';
import { edxmlCode, edxmlDate, edxmlDocRef, looksLikeEdxml, parseEdxml } from '../../src/analyze/edxml.js';
import { analyzeMessage } from '../../src/analyze/message.js';
import { renderTextPdf, type DocSpec } from '../../src/demo/documents.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));

const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface PackageSpec {
  ns?: string;
  from: { code: string; name: string };
  to: Array<{ code: string; name: string }>;
  number: string;
  notation: string;
  typeName: string;
  date: string;
  subject: string;
  files: Array<{ name: string; type: string; content: Buffer }>;
}

/** An edXML package as the standard lays it out (prefix `edXML:` on the envelope, plain AttachmentEncoded). */
function edxmlPackage(p: PackageSpec): Buffer {
  const ns = p.ns ?? NS;
  const organ = (tag: string, o: { code: string; name: string }) =>
    `<edXML:${tag}><edXML:OrganId>${esc(o.code)}</edXML:OrganId><edXML:OrganizationInCharge>${esc(o.name)}</edXML:OrganizationInCharge><edXML:OrganName>${esc(o.name)}</edXML:OrganName></edXML:${tag}>`;
  const refs = p.files
    .map((f, i) => `<edXML:Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:f${i}" xlink:type="simple"><edXML:ContentId>cid:f${i}</edXML:ContentId><edXML:ContentType>${f.type}</edXML:ContentType><edXML:AttachmentName>${esc(f.name)}</edXML:AttachmentName></edXML:Reference>`)
    .join('');
  const enc = p.files
    .map((f, i) => `<Attachment><ContentType>${f.type}</ContentType><ContentId>f${i}</ContentId><ContentTransferEncoded>${f.content.toString('base64').replace(/.{76}/g, '$&\n')}</ContentTransferEncoded><AttachmentName>${esc(f.name)}</AttachmentName></Attachment>`)
    .join('');
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="${ns}">
<edXML:edXMLEnvelope xmlns:edXML="${ns}">
<edXML:edXMLHeader>
<edXML:MessageHeader>
${organ('From', p.from)}
${p.to.map((t) => organ('To', t)).join('\n')}
<edXML:Code><edXML:CodeNumber>${esc(p.number)}</edXML:CodeNumber><edXML:CodeNotation>${esc(p.notation)}</edXML:CodeNotation></edXML:Code>
<edXML:PromulgationInfo><edXML:Place>Sơn Minh</edXML:Place><edXML:PromulgationDate>${p.date}</edXML:PromulgationDate></edXML:PromulgationInfo>
<edXML:DocumentType><edXML:Type>1</edXML:Type><edXML:TypeName>${esc(p.typeName)}</edXML:TypeName></edXML:DocumentType>
<edXML:Subject>${esc(p.subject)}</edXML:Subject>
<edXML:Content>Thực hiện Chỉ thị số 15/CT-TTg của Thủ tướng Chính phủ về sử dụng văn bản điện tử.</edXML:Content>
<edXML:SignerInfo><edXML:Competence>KT. CHỦ TỊCH</edXML:Competence><edXML:Position>PHÓ CHỦ TỊCH</edXML:Position><edXML:FullName>Nguyễn Văn An</edXML:FullName></edXML:SignerInfo>
<edXML:SteeringType>0</edXML:SteeringType>
<edXML:DocumentId>${esc(p.from.code)},${p.date},${esc(p.number)}/${esc(p.notation)}</edXML:DocumentId>
</edXML:MessageHeader>
<edXML:TraceHeaderList><edXML:TraceHeader><edXML:OrganId>${esc(p.from.code)}</edXML:OrganId><edXML:Timestamp>${p.date} 08:30:00</edXML:Timestamp></edXML:TraceHeader></edXML:TraceHeaderList>
</edXML:edXMLHeader>
<edXML:edXMLBody><edXML:edXMLManifest version="1.0">${refs}</edXML:edXMLManifest></edXML:edXMLBody>
</edXML:edXMLEnvelope>
<AttachmentEncoded>${enc}</AttachmentEncoded>
</edXML>
`;
  return Buffer.from(xml, 'utf8');
}

const spec: DocSpec = {
  issuer: 'Ủy ban nhân dân tỉnh Sơn Minh',
  number: '2888/UBND-VX',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 7, 5)),
  kind: 'Công văn',
  title: 'V/v triển khai chuyển đổi số trong trao đổi văn bản',
  recipients: ['Sở Tài chính', 'Sở Nội vụ'],
  paragraphs: ['Thực hiện Chỉ thị số 15/CT-TTg, UBND tỉnh đề nghị các sở gửi văn bản điện tử qua trục liên thông.'],
  signerTitle: 'KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH',
  signer: 'Nguyễn Văn An',
};

let pdf: Buffer;
let pkg: Buffer;
const basePackage = (): PackageSpec => ({
  from: { code: '000.00.00.H30', name: 'Ủy ban nhân dân tỉnh Sơn Minh' },
  to: [
    { code: '000.00.03.H30', name: 'Sở Tài chính' },
    { code: '000.00.02.H30', name: 'Sở Nội vụ' },
  ],
  number: '2888',
  notation: 'UBND-VX',
  typeName: 'Công văn',
  date: '2026/08/05',
  subject: 'V/v triển khai chuyển đổi số trong trao đổi văn bản',
  files: [{ name: '2888-UBND-VX.pdf', type: 'application/pdf', content: pdf }],
});

beforeAll(async () => {
  pdf = await renderTextPdf(spec);
  pkg = edxmlPackage(basePackage());
});

describe('reading an edXML envelope', () => {
  it('takes sender, receivers, code, type, date, subject, signer and files from the standard elements', () => {
    const r = parseEdxml(pkg.toString('utf8'));
    if (!('envelope' in r)) throw new Error(r.problem);
    expect(r.problem).toBeNull();
    expect(r.envelope).toMatchObject({
      namespace: NS,
      from: { code: '000.00.00.H30', name: 'Ủy ban nhân dân tỉnh Sơn Minh' },
      to: [
        { code: '000.00.03.H30', name: 'Sở Tài chính' },
        { code: '000.00.02.H30', name: 'Sở Nội vụ' },
      ],
      code: '2888/UBND-VX',
      codeNumber: '2888',
      codeNotation: 'UBND-VX',
      type: 'Công văn',
      place: 'Sơn Minh',
      date: '2026-08-05',
      subject: 'V/v triển khai chuyển đổi số trong trao đổi văn bản',
      signer: { competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
      documentId: '000.00.00.H30,2026/08/05,2888/UBND-VX',
      attachments: [{ name: '2888-UBND-VX.pdf', contentType: 'application/pdf', size: pdf.length }],
      signaturePresent: false,
    });
    expect(r.files).toHaveLength(1);
    expect(r.files[0]?.content.equals(pdf)).toBe(true);
    expect(r.text).toContain('15/CT-TTg');
  });

  it('reads the older go.vn/eDoc namespace with the same elements', () => {
    const r = parseEdxml(edxmlPackage({ ...basePackage(), ns: 'http://www.go.vn/eDoc' }).toString('utf8'));
    if (!('envelope' in r)) throw new Error(r.problem);
    expect(r.envelope.namespace).toBe('http://www.go.vn/eDoc');
    expect(r.envelope.code).toBe('2888/UBND-VX');
  });

  it('reads a prefixed ContentTransferEncoded, and takes the name of a file from the manifest by ContentId', () => {
    const body = Buffer.from('%PDF-1.4 tệp & <thử>').toString('base64');
    const xml = `<edXML xmlns="${NS}"><edXML:edXMLEnvelope xmlns:edXML="${NS}"><edXML:edXMLHeader><edXML:MessageHeader>
<edXML:From><edXML:OrganId>000.00.03.H30</edXML:OrganId></edXML:From>
<edXML:Code><edXML:CodeNumber>12</edXML:CodeNumber><edXML:CodeNotation>STC-NS</edXML:CodeNotation></edXML:Code>
</edXML:MessageHeader></edXML:edXMLHeader><edXML:edXMLBody><edXML:edXMLManifest><edXML:Reference><edXML:ContentId>cid:abc</edXML:ContentId>
<edXML:ContentType>application/pdf</edXML:ContentType><edXML:AttachmentName>12-STC-NS.pdf</edXML:AttachmentName></edXML:Reference></edXML:edXMLManifest></edXML:edXMLBody></edXML:edXMLEnvelope>
<AttachmentEncoded><Attachment><ContentId>abc</ContentId><edXML:ContentTransferEncoded xmlns:edXML="${NS}">${body}</edXML:ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>`;
    const r = parseEdxml(xml);
    if (!('envelope' in r)) throw new Error(r.problem);
    expect(r.envelope).toMatchObject({ code: '12/STC-NS', from: { code: '000.00.03.H30', name: null }, to: [], type: null, date: null });
    expect(r.files.map((f) => [f.name, f.contentType, f.content.toString('utf8')])).toEqual([['12-STC-NS.pdf', 'application/pdf', '%PDF-1.4 tệp & <thử>']]);
  });

  it('says what is wrong with XML that is no package, or no XML', () => {
    expect(parseEdxml('<?xml version="1.0"?><root><a>1</a></root>')).toEqual({ problem: 'unreadable:edxml: no edXMLEnvelope/edXMLHeader/MessageHeader' });
    const cut = parseEdxml(pkg.toString('utf8').slice(0, 900));
    expect('problem' in cut && !('envelope' in cut) ? cut.problem : 'parsed').toMatch(/^unreadable:edxml: /);
  });

  it('tells an edXML package from other XML by its root, envelope or namespace', () => {
    expect(looksLikeEdxml(pkg.toString('utf8'))).toBe(true);
    expect(looksLikeEdxml('<?xml version="1.0"?><edXMLEnvelope><x/></edXMLEnvelope>')).toBe(true);
    expect(looksLikeEdxml('<?xml version="1.0"?><invoice xmlns="urn:x"><edXMLish/></invoice>')).toBe(false);
  });

  it('makes the số/ký hiệu from CodeNumber and CodeNotation, however the sender split them', () => {
    expect(edxmlCode('2888', 'UBND-VX')).toBe('2888/UBND-VX');
    expect(edxmlCode('43', '2011/NĐ-CP')).toBe('43/2011/NĐ-CP');
    expect(edxmlCode('2888/UBND-VX', 'UBND-VX')).toBe('2888/UBND-VX');
    expect(edxmlCode('2888', '/UBND-VX')).toBe('2888/UBND-VX');
    expect(edxmlCode(null, '2888/UBND-VX')).toBe('2888/UBND-VX');
    expect(edxmlCode(null, null)).toBeNull();
    // Not a reference by the finder's rules: kept as the sender wrote it.
    expect(edxmlCode('X', 'Y')).toBe('X/Y');
  });

  it('reads PromulgationDate in the forms senders write, and rejects impossible dates', () => {
    expect(edxmlDate('2026/08/05')).toBe('2026-08-05');
    expect(edxmlDate('2026-08-05T08:30:00')).toBe('2026-08-05');
    expect(edxmlDate('05/08/2026')).toBe('2026-08-05');
    expect(edxmlDate('2026/02/30')).toBeNull();
    expect(edxmlDate('ngày 5')).toBeNull();
    expect(edxmlDate(null)).toBeNull();
  });

  it('gives the transmitted document with the kind and date of the envelope', () => {
    const r = parseEdxml(pkg.toString('utf8'));
    if (!('envelope' in r)) throw new Error(r.problem);
    expect(edxmlDocRef(r.envelope)).toMatchObject({ ref: '2888/UBND-VX', number: '2888', symbol: 'UBND-VX', kind: 'Công văn', date: '2026-08-05' });
  });
});

describe('an edXML attachment', () => {
  it('carries the envelope as facts, its words as text, and its PDF as an inspected part', async () => {
    const facts = await inspectAttachment(pkg, { filename: 'goi-tin.edxml', declaredType: 'application/octet-stream' });
    expect(facts.kind).toBe('text');
    expect(facts.sniffedType).toBe('application/xml');
    expect(facts.edxml?.code).toBe('2888/UBND-VX');
    expect(facts.text).not.toContain('ContentTransferEncoded');
    expect(facts.text.length).toBeLessThan(500);
    expect(facts.problem).toBeNull();
    expect(facts.parts).toHaveLength(1);
    expect(facts.parts?.[0]).toMatchObject({ filename: '2888-UBND-VX.pdf', kind: 'pdf', digitization: 'born_digital', pages: 1 });
    expect(facts.parts?.[0]?.text).toContain('2888/UBND-VX');
  });

  it('does not open a package inside a package', async () => {
    const outer = edxmlPackage({ ...basePackage(), files: [{ name: 'inner.edxml', type: 'application/xml', content: pkg }] });
    const facts = await inspectAttachment(outer, { filename: 'outer.edxml', declaredType: null });
    expect(facts.parts?.[0]?.edxml).toBeUndefined();
    expect(facts.parts?.[0]?.kind).toBe('text');
    expect(facts.parts?.[0]?.parts).toBeUndefined();
  });
});

describe('edXML as ground truth in the message analysis', () => {
  // Sent from the province's shared mail system: an address the directory does not know.
  const mail = (attachment: Buffer, subject = 'Gui van ban qua truc lien thong'): Buffer =>
    Buffer.from(
      [
        'From: hethong.lienthong@sonminh.gov.vn',
        'To: stc@sonminh.gov.vn, vanthu.snv@sonminh.gov.vn',
        `Subject: ${subject}`,
        'Message-ID: <edxml-1@sonminh.gov.vn>',
        'Date: Wed, 05 Aug 2026 09:00:00 +0700',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Thuc hien Cong van so 15/UBND-KT, gui kem goi tin.',
        '--b1',
        'Content-Type: application/xml; name="goi-tin.edxml"',
        'Content-Disposition: attachment; filename="goi-tin.edxml"',
        'Content-Transfer-Encoding: base64',
        '',
        attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
  const analyze = (raw: Buffer, monitored: string | null) =>
    analyzeMessage(raw, { directory, monitored, internalDate: null, receivedAt: new Date('2026-08-05T03:00:00Z') });

  it('transmits the document of the envelope, with its kind, before what the text names', async () => {
    const a = await analyze(mail(pkg), '000.00.03.H30');
    expect(a.refs[0]).toMatchObject({ ref: '2888/UBND-VX', role: 'transmitted', source: 'attachment:0:edxml', kind: 'Công văn', date: '2026-08-05' });
    expect(a.refs.find((r) => r.ref === '15/UBND-KT')?.role).toBe('cited');
    expect(a.exchanges.every((e) => e.documentRef === '2888/UBND-VX')).toBe(true);
  });

  it('lists the files of the package as attachments of the mail, labelled by them', async () => {
    const a = await analyze(mail(pkg), '000.00.03.H30');
    expect(a.attachments.map((x) => [x.filename, x.kind, x.container])).toEqual([
      ['goi-tin.edxml', 'text', undefined],
      ['2888-UBND-VX.pdf', 'pdf', 0],
    ]);
    expect(a.attachments[0]?.parts).toBeUndefined();
    expect(a.labels.digitization).toBe('born_digital');
  });

  it('takes sender and receivers from the OrganIds over the addresses, with rule edxml in the evidence', async () => {
    const a = await analyze(mail(pkg), '000.00.03.H30');
    const from = a.parties.find((p) => p.roles.includes('from'));
    expect(from).toMatchObject({ address: 'hethong.lienthong@sonminh.gov.vn', kind: 'agency', agencyCode: '000.00.00.H30', matchedBy: 'edxml' });
    expect(a.message.direction).toBe('inbound');
    // STC by its address; SNV by the envelope: the unlisted address it was mailed to is taken as
    // its alias and dropped, not counted as a third, unknown receiver.
    expect(a.exchanges.map((e) => [e.receiver.agencyCode, e.receiver.matchedBy])).toEqual([
      ['000.00.03.H30', 'address'],
      ['000.00.02.H30', 'edxml'],
    ]);
    expect(a.exchanges.map((e) => e.sender.agencyCode)).toEqual(['000.00.00.H30', '000.00.00.H30']);
    expect(a.labels.flow).toBe('inter_agency');
    const rules = a.evidence.filter((e) => e.rule === 'edxml');
    expect(rules.map((e) => e.label).sort()).toEqual(['document', 'parties']);
    expect(rules.find((e) => e.label === 'parties')?.value).toBe('000.00.00.H30 → 000.00.03.H30 → 000.00.02.H30');
    expect(rules.find((e) => e.label === 'document')?.detail).toContain('2888/UBND-VX');
  });

  it('keeps address resolution, and says so, when the envelope names agencies the directory does not know', async () => {
    const foreign = edxmlPackage({ ...basePackage(), from: { code: '000.00.00.G06', name: 'Bộ Nội vụ' }, to: [{ code: '000.00.00.G99', name: 'Cơ quan khác' }] });
    const a = await analyze(mail(foreign), '000.00.03.H30');
    expect(a.refs[0]?.ref).toBe('2888/UBND-VX');
    expect(a.parties.find((p) => p.roles.includes('from'))?.matchedBy).not.toBe('edxml');
    expect(a.evidence.some((e) => e.rule === 'edxml' && e.label === 'parties')).toBe(false);
    expect(a.evidence.some((e) => e.rule === 'edxml' && e.label === 'document')).toBe(true);
  });

  it('survives a broken package: the mail is analyzed and the attachment says what is wrong', async () => {
    const broken = Buffer.from(pkg.toString('utf8').replace('<edXML:MessageHeader>', '<edXML:Header>'), 'utf8');
    const a = await analyze(mail(broken), '000.00.03.H30');
    expect(a.message.state).toBe('analyzed');
    expect(a.attachments[0]?.problem).toBe('unreadable:edxml: no edXMLEnvelope/edXMLHeader/MessageHeader');
    expect(a.attachments[0]?.edxml).toBeUndefined();
  });
});
