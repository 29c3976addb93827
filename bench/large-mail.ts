// The large-attachment mailbox of the sync benchmark: official mails, each carrying one scanned
// dossier (hồ sơ) as a real PDF of about `attachmentBytes` — A4 pages scanned at 300 dpi, each page a
// baseline JPEG (the demo's page raster with paper tone, speckle and sensor grain) embedded with
// pdf-lib, the way a multi-function copier writes a scan. Every page is distinct (its own document
// number, paragraphs and grain), so no two attachments or messages share bytes.
import { mulberry32 as prng } from '../src/demo/random.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import jpeg from 'jpeg-js';
import { PDFDocument } from 'pdf-lib';
import { renderPageImage, type DocSpec } from '../src/demo/documents.js';
import type { Agency } from '../src/domain/types.js';
import type { GeneratedMail } from './mailbox.js';

const PAGE_W = 595.28; // A4 in points
const PAGE_H = 841.89;
const SCAN_WIDTH = 2480; // A4 at 300 dpi
const SCAN_QUALITY = 85;
const GRAIN = 10; // amplitude of the sensor noise, in grey levels


function strip(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

/** The ký hiệu of an agency: UBND for a People's Committee, else the initials (Sở Tài chính → STC). */
function abbreviation(a: Agency): string {
  if (/^Ủy ban nhân dân/i.test(a.name)) return 'UBND';
  return strip(a.name)
    .split(/\s+/)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
}

function addressOf(a: Agency): string {
  return a.addresses[0] ?? `vanthu@${a.domains[0] ?? 'sonminh.gov.vn'}`;
}

async function scannedPage(spec: DocSpec, rand: () => number): Promise<Buffer> {
  const img = await renderPageImage(spec, { width: SCAN_WIDTH, noise: true });
  const px = img.rgba;
  for (let i = 0; i < px.length; i += 4) {
    const n = (rand() + rand() + rand() - 1.5) * GRAIN;
    px[i] = Math.max(0, Math.min(255, (px[i] ?? 0) + n));
    px[i + 1] = Math.max(0, Math.min(255, (px[i + 1] ?? 0) + n));
    px[i + 2] = Math.max(0, Math.min(255, (px[i + 2] ?? 0) + n));
  }
  return Buffer.from(jpeg.encode({ data: px, width: img.width, height: img.height }, SCAN_QUALITY).data);
}

const PARAGRAPHS = [
  'Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015; Nghị định số 163/2016/NĐ-CP ngày 21 tháng 12 năm 2016 của Chính phủ quy định chi tiết thi hành một số điều của Luật Ngân sách nhà nước.',
  'Thực hiện Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ về việc tăng cường sử dụng văn bản điện tử trong hoạt động của cơ quan nhà nước.',
  'Hồ sơ gồm báo cáo thuyết minh, các biểu tổng hợp dự toán thu, chi ngân sách và các phụ lục chi tiết theo từng đơn vị sử dụng ngân sách, đã được thủ trưởng đơn vị ký và đóng dấu.',
  'Đề nghị các cơ quan, đơn vị rà soát số liệu, đối chiếu với sổ kế toán và gửi ý kiến bằng văn bản trước ngày 15 của tháng tiếp theo để tổng hợp, trình cấp có thẩm quyền xem xét, quyết định.',
  'Số liệu tại biểu này là số liệu đã được kiểm tra, đối chiếu với Kho bạc Nhà nước; các khoản chi chuyển nguồn sang năm sau được thuyết minh chi tiết theo từng nhiệm vụ.',
  'Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về cơ quan chủ trì để được hướng dẫn giải quyết theo quy định.',
];

/** `count` mails, two of three inbound (INBOX) and one outbound (Sent), each with a ~attachmentBytes scanned PDF. */
export async function* generateLargeMail(o: {
  count: number;
  attachmentBytes: number;
  seed: number;
  agency: string;
  agencies: Agency[];
  period: { start: Date; end: Date };
}): AsyncGenerator<GeneratedMail> {
  const self = o.agencies.find((a) => a.code === o.agency);
  if (!self) throw new Error(`agency ${o.agency} is not in the directory`);
  const peers = o.agencies.filter((a) => a.code !== o.agency && a.validTo === null && (a.addresses.length > 0 || a.domains.length > 0)).slice(0, 8);
  const rand = prng(o.seed ^ 0x1a2b3c);
  const span = o.period.end.getTime() - o.period.start.getTime();
  for (let m = 0; m < o.count; m++) {
    const inbound = m % 3 !== 2;
    const peer = peers[m % peers.length] as Agency;
    const from = inbound ? peer : self;
    const to = inbound ? self : peer;
    const date = new Date(o.period.start.getTime() + Math.floor(((m + rand()) / o.count) * span * 0.95));
    const number = `${150 + m * 7}/${abbreviation(from)}-KHTC`;
    const title = `V/v gửi hồ sơ quyết toán ngân sách năm 2025 (bản scan, hồ sơ ${m + 1})`;
    const pdf = await PDFDocument.create();
    pdf.setTitle(`${number} ${title}`);
    pdf.setProducer('edocwatch bench: 300 dpi JPEG scan (pdf-lib)');
    pdf.setCreationDate(date);
    let bytes = 0;
    for (let p = 0; bytes < o.attachmentBytes; p++) {
      const spec: DocSpec = {
        issuer: from.name.toUpperCase(),
        parentIssuer: 'UBND TỈNH SƠN MINH',
        number: p === 0 ? number : `${number}-PL${p}`,
        place: 'Sơn Minh',
        date,
        kind: p === 0 ? 'Công văn' : 'Phụ lục',
        title: p === 0 ? title : `Biểu số ${p}: tổng hợp quyết toán chi ngân sách, đơn vị ${m + 1}.${p}`,
        recipients: [to.name],
        paragraphs: Array.from({ length: 3 + Math.floor(rand() * 4) }, () => PARAGRAPHS[Math.floor(rand() * PARAGRAPHS.length)] as string),
        signerTitle: 'GIÁM ĐỐC',
        signer: 'Nguyễn Văn Bình',
      };
      const jpg = await scannedPage(spec, prng(o.seed * 7919 + m * 131 + p));
      const page = pdf.addPage([PAGE_W, PAGE_H]);
      page.drawImage(await pdf.embedJpg(jpg), { x: 0, y: 0, width: PAGE_W, height: PAGE_H });
      bytes += jpg.length;
    }
    const content = Buffer.from(await pdf.save({ useObjectStreams: true }));
    const fromDomain = addressOf(from).split('@')[1] ?? 'sonminh.gov.vn';
    const raw = await new MailComposer({
      from: { name: from.name, address: addressOf(from) },
      to: [{ name: to.name, address: addressOf(to) }],
      subject: `${number} ${title}`,
      date,
      messageId: `<bench-large-${o.seed}-${m}@${fromDomain}>`,
      text: [
        `Kính gửi: ${to.name}`,
        '',
        `${from.name} gửi kèm theo đây Công văn số ${number} và hồ sơ quyết toán ngân sách năm 2025 (bản scan có chữ ký, đóng dấu, ${pdf.getPageCount()} trang).`,
        'Đề nghị quý cơ quan xem xét, cho ý kiến.',
        '',
        '--',
        `Văn thư ${from.name}`,
      ].join('\n'),
      attachments: [{ filename: `${number.replace(/\//g, '-')}-ho-so-quyet-toan.pdf`, content, contentType: 'application/pdf' }],
      newline: 'win',
    })
      .compile()
      .build();
    yield { raw, folder: inbound ? 'INBOX' : 'Sent', internalDate: new Date(date.getTime() + (inbound ? 60_000 : 2_000)), attachments: true };
  }
}
