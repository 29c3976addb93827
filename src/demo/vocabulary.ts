// Vietnamese vocabulary of the demo mail corpus: document kinds and their type codes, topics,
// cited central documents, personal names, titles, enterprises, organizations, and the phrases of
// official mail (hybrid and secret markings, auto-replies). Pure data and small pure helpers; no I/O.
// The generator (corpus.ts) draws from these lists with a seeded PRNG. Phrases that the analyzer
// reads as labels (paper copy, secret marking) live only in the lists named for them, so that a
// message carries such a phrase exactly when the generator intends the label.

import type { Agency } from '../domain/types.js';

/** A kind of administrative document and the code that its number carries (`QĐ` in 45/QĐ-UBND). */
export interface DocumentKind {
  name: string;
  /** Type code in the symbol; null for a Công văn, whose symbol is ISSUER-UNIT. */
  code: string | null;
  /** ASCII abbreviation used in file names and terse subjects ("CV 2888 UBND-VX.pdf"). */
  abbr: string;
  weight: number;
  /** Only a People's Committee issues it (Chỉ thị, legal Quyết định). */
  pcOnly?: boolean;
}

export const DOCUMENT_KINDS: readonly DocumentKind[] = [
  { name: 'Công văn', code: null, abbr: 'CV', weight: 46 },
  { name: 'Kế hoạch', code: 'KH', abbr: 'KH', weight: 10 },
  { name: 'Báo cáo', code: 'BC', abbr: 'BC', weight: 12 },
  { name: 'Quyết định', code: 'QĐ', abbr: 'QD', weight: 9 },
  { name: 'Thông báo', code: 'TB', abbr: 'TB', weight: 7 },
  { name: 'Tờ trình', code: 'TTr', abbr: 'TTr', weight: 5 },
  { name: 'Giấy mời', code: 'GM', abbr: 'GM', weight: 5 },
  { name: 'Hướng dẫn', code: 'HD', abbr: 'HD', weight: 3 },
  { name: 'Chỉ thị', code: 'CT', abbr: 'CT', weight: 1, pcOnly: true },
];

/** Units (phòng) whose code follows the issuer in a Công văn symbol: 2888/UBND-VX, 125/STC-NS. */
export const UNIT_CODES: Readonly<Record<string, readonly string[]>> = {
  UBND: ['VX', 'KT', 'NC', 'TH', 'KGVX', 'XD', 'NNMT'],
  STC: ['NS', 'QLG', 'TCDN', 'HCSN', 'ĐT'],
  SNV: ['TCBC', 'CCVC', 'CQĐP', 'VTLT'],
  SYT: ['NVY', 'NVD', 'KHTC', 'TCCB'],
  SGDĐT: ['GDTrH', 'GDTH', 'KHTC', 'TCCB'],
  SKHCN: ['CĐS', 'QLKH', 'BCVT', 'VP'],
  SXD: ['QLXD', 'QHKT', 'HTKT', 'VP'],
  SNNMT: ['TNN', 'MT', 'QLĐĐ', 'TTr'],
  VPUBND: ['TH', 'KT', 'KGVX', 'HCTC'],
};
export const GENERIC_UNIT_CODES: readonly string[] = ['VP', 'NV', 'KHTC', 'TH'];

/** A central or earlier document that official mail cites ("Thực hiện Chỉ thị số 15/CT-TTg ..."). */
export interface CentralDocument {
  kind: string;
  ref: string;
  /** ISO date. */
  date: string;
  issuer: string;
  about: string;
}

export const CENTRAL_DOCUMENTS: readonly CentralDocument[] = [
  { kind: 'Chỉ thị', ref: '15/CT-TTg', date: '2012-05-22', issuer: 'Thủ tướng Chính phủ', about: 'tăng cường sử dụng văn bản điện tử trong hoạt động của cơ quan nhà nước' },
  { kind: 'Nghị định', ref: '43/2011/NĐ-CP', date: '2011-06-13', issuer: 'Chính phủ', about: 'cung cấp thông tin và dịch vụ công trực tuyến trên trang thông tin điện tử hoặc cổng thông tin điện tử của cơ quan nhà nước' },
  { kind: 'Nghị định', ref: '30/2020/NĐ-CP', date: '2020-03-05', issuer: 'Chính phủ', about: 'công tác văn thư' },
  { kind: 'Nghị định', ref: '45/2020/NĐ-CP', date: '2020-04-08', issuer: 'Chính phủ', about: 'thực hiện thủ tục hành chính trên môi trường điện tử' },
  { kind: 'Nghị định', ref: '42/2022/NĐ-CP', date: '2022-06-24', issuer: 'Chính phủ', about: 'cung cấp thông tin và dịch vụ công trực tuyến của cơ quan nhà nước trên môi trường mạng' },
  { kind: 'Quyết định', ref: '28/2018/QĐ-TTg', date: '2018-07-12', issuer: 'Thủ tướng Chính phủ', about: 'gửi, nhận văn bản điện tử giữa các cơ quan trong hệ thống hành chính nhà nước' },
  { kind: 'Quyết định', ref: '749/QĐ-TTg', date: '2020-06-03', issuer: 'Thủ tướng Chính phủ', about: 'phê duyệt Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030' },
  { kind: 'Quyết định', ref: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ', about: 'phê duyệt Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử' },
  { kind: 'Thông tư', ref: '01/2011/TT-BNV', date: '2011-01-19', issuer: 'Bộ Nội vụ', about: 'hướng dẫn thể thức và kỹ thuật trình bày văn bản hành chính' },
  { kind: 'Chỉ thị', ref: '02/CT-TTg', date: '2019-01-23', issuer: 'Thủ tướng Chính phủ', about: 'tăng cường sử dụng văn bản điện tử' },
];

/**
 * Subjects of official business, as the noun phrase after "về", "triển khai", "báo cáo". `{year}`,
 * `{next}`, `{prev}`, `{period}` and `{province}` are filled in from the document's date.
 */
export const TOPICS: readonly string[] = [
  'công tác chuyển đổi số năm {year}',
  'sử dụng văn bản điện tử trong hoạt động của cơ quan nhà nước',
  'xây dựng dự toán ngân sách nhà nước năm {next}',
  'công tác quyết toán ngân sách năm {prev}',
  'công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}',
  'Chương trình mục tiêu quốc gia xây dựng nông thôn mới',
  'công tác cải cách hành chính {period}',
  'kỳ thi tốt nghiệp trung học phổ thông năm {year}',
  'công tác phòng, chống dịch bệnh truyền nhiễm',
  'công tác bồi thường, giải phóng mặt bằng dự án đường tỉnh 291',
  'Đề án 06 về phát triển ứng dụng dữ liệu dân cư trên địa bàn tỉnh',
  'công tác thu ngân sách nhà nước {period}',
  'kế hoạch đầu tư công trung hạn giai đoạn 2026-2030',
  'công tác tiếp công dân, giải quyết khiếu nại, tố cáo {period}',
  'công tác bảo vệ môi trường trên địa bàn tỉnh {province}',
  'công tác phòng cháy, chữa cháy rừng mùa khô năm {year}',
  'cung cấp dịch vụ công trực tuyến toàn trình',
  'chế độ báo cáo thống kê ngành',
  'công tác thi đua, khen thưởng năm {year}',
  'sắp xếp, kiện toàn tổ chức bộ máy các cơ quan chuyên môn',
  'tuyển dụng viên chức năm {year}',
  'công tác tiêm chủng mở rộng năm {year}',
  'quản lý chất lượng công trình xây dựng trên địa bàn tỉnh',
  'cấp giấy chứng nhận quyền sử dụng đất lần đầu',
  'Tháng hành động vì an toàn thực phẩm năm {year}',
  'phát triển du lịch dịp hè năm {year}',
  'phổ biến, giáo dục pháp luật năm {year}',
  'phát triển kinh tế tập thể, hợp tác xã kiểu mới',
  'quản lý giá các mặt hàng thiết yếu dịp cuối năm',
  'công tác văn thư, lưu trữ năm {year}',
  'thực hiện chính sách đối với người có công với cách mạng',
  'công tác phòng, chống tham nhũng, tiêu cực {period}',
  'bảo đảm an toàn thông tin mạng trong cơ quan nhà nước',
  'xây dựng chính quyền số tỉnh {province}',
  'tổng điều tra kinh tế năm {year}',
  'hỗ trợ doanh nghiệp nhỏ và vừa năm {year}',
];

/** How each kind's title (trích yếu) is phrased around a topic. `{topic}`, `{cited}`. */
export const TITLE_PATTERNS: Readonly<Record<string, readonly string[]>> = {
  'Công văn': [
    'V/v triển khai {topic}',
    'V/v tăng cường {topic}',
    'V/v góp ý dự thảo văn bản về {topic}',
    'V/v đề nghị báo cáo kết quả {topic}',
    'V/v đôn đốc thực hiện {topic}',
    'V/v triển khai {cited}',
  ],
  'Kế hoạch': ['Triển khai {topic}', 'Thực hiện {topic}', 'Kiểm tra {topic}'],
  'Báo cáo': ['Tình hình thực hiện {topic}', 'Kết quả {topic}', 'Sơ kết {topic}'],
  'Quyết định': ['Về việc phê duyệt kế hoạch {topic}', 'Về việc thành lập Tổ công tác {topic}', 'Về việc ban hành Quy chế {topic}'],
  'Thông báo': ['Kết luận của lãnh đạo tại cuộc họp về {topic}', 'Về việc tổ chức {topic}'],
  'Tờ trình': ['Đề nghị phê duyệt kế hoạch {topic}', 'Đề nghị bổ sung kinh phí {topic}'],
  'Giấy mời': ['Dự hội nghị về {topic}', 'Dự cuộc họp về {topic}'],
  'Hướng dẫn': ['Thực hiện {topic}'],
  'Chỉ thị': ['Về việc tăng cường {topic}'],
};

export const FAMILY_NAMES: readonly string[] = [
  'Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng',
  'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Đinh', 'Trịnh', 'Lương', 'Mai',
];
export const MIDDLE_NAMES_MALE: readonly string[] = ['Văn', 'Hữu', 'Đức', 'Minh', 'Quốc', 'Thanh', 'Xuân', 'Công'];
export const MIDDLE_NAMES_FEMALE: readonly string[] = ['Thị', 'Ngọc', 'Thu', 'Hồng', 'Thanh', 'Minh', 'Thùy', 'Kim'];
export const GIVEN_NAMES_MALE: readonly string[] = [
  'An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hiếu', 'Hùng', 'Khánh', 'Long', 'Nam',
  'Phong', 'Quân', 'Sơn', 'Thắng', 'Trung', 'Tuấn', 'Việt', 'Đạt', 'Thành', 'Lâm',
];
export const GIVEN_NAMES_FEMALE: readonly string[] = [
  'Hà', 'Hạnh', 'Hoa', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Phương', 'Tâm',
  'Thảo', 'Trang', 'Vân', 'Yến', 'Huyền', 'Ngân', 'Oanh', 'Thủy', 'Dung', 'Nhung',
];

/** Titles of staff who write official mail, under the signature. */
export const STAFF_TITLES: readonly string[] = ['Chuyên viên', 'Chuyên viên chính', 'Phó Trưởng phòng', 'Trưởng phòng', 'Cán bộ phụ trách'];
/** Titles in an agency's office (Văn phòng), where the clerk (văn thư) sends most official mail. */
export const OFFICE_TITLES: readonly string[] = ['Văn thư', 'Văn thư', 'Chuyên viên', 'Phó Chánh Văn phòng', 'Chánh Văn phòng'];
export const DEPARTMENT_UNITS: readonly string[] = [
  'Văn phòng', 'Phòng Tổng hợp', 'Phòng Kế hoạch - Tài chính', 'Phòng Nghiệp vụ', 'Phòng Tổ chức cán bộ', 'Phòng Hành chính - Tổng hợp',
];

/** Requests that close the body of a document mail. */
export const REQUESTS: readonly string[] = [
  'Đề nghị các cơ quan, đơn vị nghiên cứu, triển khai thực hiện.',
  'Đề nghị Quý cơ quan quan tâm, phối hợp thực hiện.',
  'Kính đề nghị Quý cơ quan xem xét, cho ý kiến.',
  'Đề nghị các đơn vị báo cáo kết quả trước ngày {deadline}.',
  'Kính trình Ủy ban nhân dân tỉnh xem xét, quyết định.',
  'Kính chuyển Quý cơ quan để biết và thực hiện.',
];

/** Closings of official mail. */
export const CLOSINGS: readonly string[] = ['Trân trọng./.', 'Trân trọng!', 'Trân trọng cảm ơn./.', 'Trân trọng.'];

/**
 * Statements that a paper original accompanies or follows the electronic copy: the text of a
 * hybrid exchange (DESIGN.md, "form"). Used only when the generator intends `hybrid`.
 */
export const HYBRID_PHRASES: readonly string[] = [
  'Bản chính gửi qua đường bưu điện.',
  'Bản giấy gửi qua đường bưu điện.',
  'Văn bản giấy sẽ được gửi sau.',
  '(Bản chính văn bản gửi qua đường bưu điện)',
  'Hồ sơ gửi kèm bản giấy qua bộ phận văn thư.',
];

/**
 * What agencies write on purely electronic mail. The last one denies a paper copy: it names
 * "bản giấy" without meaning hybrid, as real mail does.
 */
export const ELECTRONIC_NOTES: readonly string[] = [
  'Văn bản đã được ký số, gửi qua hệ thống thư điện tử công vụ.',
  'Văn bản điện tử được ký số theo quy định.',
  'Văn bản điện tử, không gửi bản giấy.',
];

/** Secret markings (độ mật) and the sentence that goes with them. Used only for secret mail. */
export const SECRET_SUBJECT_MARKS: readonly string[] = ['MẬT - ', '[MẬT] ', 'MẬT: '];
export const SECRET_BODY_LINES: readonly string[] = [
  'ĐỘ MẬT: MẬT',
  'Văn bản có độ Mật, đề nghị quản lý, sử dụng theo quy định về bảo vệ bí mật nhà nước.',
];

/** Subject prefixes of replies and forwards, as Outlook, Zimbra and Vietnamese clients write them. */
export const REPLY_PREFIXES: readonly string[] = ['Re: ', 'RE: ', 'TL: ', 'Trả lời: '];
export const FORWARD_PREFIXES: readonly string[] = ['Fw: ', 'FW: ', 'Fwd: ', 'Chuyển tiếp: '];

export const REPLY_BODIES: readonly string[] = [
  '{to} đã nhận được văn bản. Trân trọng cảm ơn.',
  'Đã nhận văn bản, {from} sẽ tổng hợp và báo cáo theo đúng thời gian quy định.',
  'Đề nghị Quý cơ quan gửi lại file mềm (định dạng .docx) để tiện tổng hợp.',
  'File đính kèm bị lỗi, không mở được. Đề nghị Quý cơ quan gửi lại giúp.',
  '{from} xin gửi ý kiến góp ý theo đề nghị của Quý cơ quan.',
];

export const AUTO_REPLY_SUBJECTS: readonly string[] = ['Trả lời tự động: ', 'Tự động trả lời: ', 'Out of Office: ', 'Automatic reply: '];
export const AUTO_REPLY_BODIES: readonly string[] = [
  'Tôi hiện đang đi công tác từ ngày {from} đến ngày {to}, sẽ trả lời thư của anh/chị khi trở lại cơ quan. Việc gấp xin liên hệ Văn phòng.',
  'Cảm ơn anh/chị đã gửi thư. Tôi đang nghỉ phép đến ngày {to}. Mọi công việc xin liên hệ bộ phận văn thư.',
  'Hộp thư đã nhận được thư của Quý cơ quan. Đây là thư trả lời tự động, vui lòng không trả lời thư này.',
];
export const READ_RECEIPT_SUBJECTS: readonly string[] = ['Đã đọc: ', 'Read: ', 'Thông báo đã đọc: '];

/** Plain mail without a transmitted document: reminders, notices, coordination. */
export const PLAIN_SUBJECTS: readonly string[] = [
  'V/v đôn đốc báo cáo {topic}',
  'Thông báo lịch họp giao ban tuần',
  'V/v cung cấp thông tin {topic}',
  'Đăng ký danh sách tham dự tập huấn {topic}',
  'V/v cử cán bộ đầu mối phối hợp {topic}',
  'Xin số liệu {topic}',
];
export const PLAIN_BODIES: readonly string[] = [
  'Để kịp tổng hợp báo cáo UBND tỉnh, đề nghị Quý cơ quan khẩn trương gửi báo cáo về {topic}.',
  'Đề nghị Quý cơ quan cung cấp số liệu về {topic} theo biểu mẫu đã gửi.',
  'Đề nghị Quý cơ quan cử 01 cán bộ đầu mối phối hợp thực hiện {topic}, gửi danh sách qua thư điện tử này.',
  'Thời gian: 08 giờ 00 phút, ngày {deadline}. Địa điểm: Hội trường tầng 3, trụ sở cơ quan.',
];

/** Citizens' petitions (đơn kiến nghị, phản ánh) sent from free mail. */
export const PETITION_SUBJECTS: readonly string[] = [
  'Đơn kiến nghị về việc cấp giấy chứng nhận quyền sử dụng đất',
  'Phản ánh tình trạng ô nhiễm môi trường tại thôn {village}',
  'Đề nghị giải quyết chế độ trợ cấp cho gia đình tôi',
  'Kiến nghị sửa chữa đường giao thông liên thôn {village}',
  'Hỏi về thủ tục đăng ký hộ kinh doanh',
  'Đơn đề nghị xác nhận hồ sơ',
];
export const PETITION_BODIES: readonly string[] = [
  'Tôi tên là {name}, sinh năm {born}, thường trú tại thôn {village}, {commune}. Tôi làm đơn này kính đề nghị Quý cơ quan xem xét, giải quyết cho gia đình tôi.',
  'Kính gửi lãnh đạo cơ quan. Hiện nay tại thôn {village} xảy ra tình trạng như trên đã lâu nhưng chưa được xử lý. Kính mong Quý cơ quan quan tâm, giải quyết.',
  'Tôi đã nộp hồ sơ tại Trung tâm Phục vụ hành chính công từ tháng trước nhưng đến nay chưa nhận được kết quả. Kính đề nghị Quý cơ quan kiểm tra, trả lời cho tôi.',
];
export const VILLAGES: readonly string[] = ['Đông', 'Trung Hòa', 'Bản Mướng', 'Phú Lợi', 'Tân Thành', 'Khe Sanh', 'Đồng Tâm', 'Yên Phú'];

export const FREE_MAIL_DOMAINS: readonly string[] = ['gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com.vn', 'yahoo.com', 'outlook.com'];

/** Parts of enterprise names; the generator draws a few enterprises per corpus from them. */
export const ENTERPRISE_FORMS: readonly { name: string; slug: string }[] = [
  { name: 'Công ty TNHH', slug: 'congty' },
  { name: 'Công ty Cổ phần', slug: 'congtycp' },
  { name: 'Công ty TNHH MTV', slug: 'congty' },
  { name: 'Doanh nghiệp tư nhân', slug: 'dntn' },
];
export const ENTERPRISE_TRADES: readonly string[] = [
  'Xây dựng', 'Thương mại và Dịch vụ', 'Đầu tư và Phát triển', 'Tư vấn Thiết kế', 'Vận tải', 'Môi trường Xanh', 'Công nghệ Thông tin', 'Dược phẩm', 'Nông sản',
];
export const ENTERPRISE_NAMES: readonly string[] = [
  'Hoàng Phát', 'Minh Long', 'Thành Đạt', 'An Khang', 'Phú Gia', 'Sao Việt', 'Tân Tiến', 'Đại Dương', 'Hưng Thịnh', 'Việt Á', 'Trường Sơn', 'Bình Minh',
];
export const ENTERPRISE_SUBJECTS: readonly string[] = [
  'Hồ sơ đề nghị cấp giấy phép xây dựng',
  'Báo cáo tình hình sử dụng lao động 6 tháng đầu năm {year}',
  'Đề nghị hướng dẫn thủ tục đầu tư dự án',
  'Hồ sơ dự thầu gói thầu tư vấn',
  'Báo cáo công tác bảo vệ môi trường năm {year}',
  'Đề nghị gia hạn thời hạn nộp thuế',
];

/** Organizations outside the directory: associations, universities, international NGOs. */
export const ORGANIZATIONS: readonly { name: string; domain: string }[] = [
  { name: 'Hiệp hội Doanh nghiệp tỉnh {province}', domain: 'hiephoidoanhnghiep{slug}.org.vn' },
  { name: 'Trường Đại học {province}', domain: 'dh{slug}.edu.vn' },
  { name: 'Hội Chữ thập đỏ tỉnh {province}', domain: 'chuthapdo{slug}.org.vn' },
  { name: 'Tổ chức Plan International Việt Nam', domain: 'plan-international.org' },
  { name: 'Hội Luật gia tỉnh {province}', domain: 'hoiluatgia{slug}.org.vn' },
];

/** Mail clients that agencies and citizens use, for the X-Mailer header and Message-ID shape. */
export const MAILERS: readonly { name: string; xMailer: string | null }[] = [
  { name: 'zimbra', xMailer: 'Zimbra 8.8.15_GA_4545 (ZimbraWebClient - GC120 (Win)/8.8.15_GA_4545)' },
  { name: 'outlook', xMailer: 'Microsoft Outlook 16.0' },
  { name: 'eoffice', xMailer: 'eOffice 5.0 - He thong quan ly van ban va dieu hanh' },
];

/** Removes Vietnamese diacritics (đ → d) for addresses, domains and ASCII file names. */
export function stripDiacritics(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

/** Lower-case ASCII letters and digits only: "Hoàng Phát" → "hoangphat". */
export function slug(s: string): string {
  return stripDiacritics(s).toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The check digit of a 10-digit Vietnamese tax code (mã số thuế) from its first nine digits:
 * 10 − (Σ dᵢ·wᵢ mod 11) with weights 31, 29, 23, 19, 17, 13, 7, 5, 3; a remainder of 10 gives 0.
 * Null when the remainder is 0: no valid code has those nine digits.
 */
export function taxCodeCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) throw new Error(`tax code prefix must be 9 digits: ${first9}`);
  const weights = [31, 29, 23, 19, 17, 13, 7, 5, 3];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (weights[i] ?? 0);
  const r = sum % 11;
  if (r === 0) return null;
  return (10 - r) % 10;
}

export function isValidTaxCode(code: string): boolean {
  const m = /^(\d{9})(\d)(?:-(\d{3}))?$/.exec(code);
  if (!m?.[1]) return false;
  return taxCodeCheckDigit(m[1]) === Number(m[2]);
}

/** "Ủy ban nhân dân xã Tân Lập" → "UBND xã Tân Lập"; the short name used in running text. */
export function shortAgencyName(name: string): string {
  return name.replace(/^Ủy ban nhân dân/u, 'UBND').replace(/^Ủy ban Mặt trận Tổ quốc Việt Nam/u, 'Ủy ban MTTQ Việt Nam');
}

/** The place name of a province PC ("Ủy ban nhân dân tỉnh Sơn Minh" → "Sơn Minh"). */
export function placeOf(name: string): string {
  const m = /(?:tỉnh|thành phố|xã|phường|thị xã|huyện|thị trấn)\s+(.+)$/u.exec(name);
  return m?.[1] ?? name;
}

const SYMBOL_STOP_WORDS = new Set(['và', 'tỉnh', 'của']);

/**
 * The issuer part of a document symbol (ký hiệu), as agencies write it: UBND for every People's
 * Committee, STC for Sở Tài chính, SGDĐT for Sở Giáo dục và Đào tạo (initials keep Đ), TTr for the
 * provincial inspectorate. `province` is dropped from names such as "Bệnh viện Đa khoa tỉnh Sơn Minh".
 */
export function issuerSymbol(agency: Pick<Agency, 'name' | 'level'>, province: string): string {
  const name = agency.name;
  if (/^Ủy ban nhân dân/u.test(name)) return 'UBND';
  if (/^Văn phòng Ủy ban nhân dân/u.test(name)) return 'VPUBND';
  if (/^Thanh tra/u.test(name)) return 'TTr';
  if (/Mặt trận Tổ quốc/u.test(name)) return 'MTTQ-BTT';
  if (/^Tỉnh đoàn/u.test(name)) return 'TĐTN';
  if (/^Hội Liên hiệp Phụ nữ/u.test(name)) return 'HPN';
  const words = name
    .replace(province, '')
    .replace(/[,.]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !SYMBOL_STOP_WORDS.has(w.toLowerCase()));
  const initials = words.map((w) => w.charAt(0).toUpperCase()).join('');
  return initials === '' ? 'VP' : initials;
}

/** Party-style numbering ("59-CV/TĐTN") rather than the administrative "59/TĐTN-VP". */
export function usesPartyNumbering(symbol: string): boolean {
  return symbol === 'TĐTN';
}

/** The title of a head of agency, as printed above the signature. */
export function headTitle(agency: Pick<Agency, 'name' | 'level'>): { full: string; deputy: string } {
  const n = agency.name;
  if (/^Ủy ban nhân dân/u.test(n)) return { full: 'CHỦ TỊCH', deputy: 'PHÓ CHỦ TỊCH' };
  if (/^Thanh tra/u.test(n)) return { full: 'CHÁNH THANH TRA', deputy: 'PHÓ CHÁNH THANH TRA' };
  if (/^Văn phòng/u.test(n)) return { full: 'CHÁNH VĂN PHÒNG', deputy: 'PHÓ CHÁNH VĂN PHÒNG' };
  if (/^Trường/u.test(n)) return { full: 'HIỆU TRƯỞNG', deputy: 'PHÓ HIỆU TRƯỞNG' };
  if (/^Tỉnh đoàn/u.test(n)) return { full: 'BÍ THƯ', deputy: 'PHÓ BÍ THƯ' };
  if (/^(Hội|Ủy ban Mặt trận)/u.test(n)) return { full: 'CHỦ TỊCH', deputy: 'PHÓ CHỦ TỊCH' };
  return { full: 'GIÁM ĐỐC', deputy: 'PHÓ GIÁM ĐỐC' };
}

/** The line printed on top of a People's Committee's signature: "TM. ỦY BAN NHÂN DÂN". */
export function collectiveSignPrefix(agency: Pick<Agency, 'name'>): string | null {
  if (/^Ủy ban nhân dân/u.test(agency.name)) return 'TM. ỦY BAN NHÂN DÂN';
  if (/^Tỉnh đoàn/u.test(agency.name)) return 'TM. BAN THƯỜNG VỤ';
  if (/^(Hội|Ủy ban Mặt trận)/u.test(agency.name)) return 'TM. BAN THƯỜNG TRỰC';
  return null;
}

const ROMAN = ['I', 'II', 'III', 'IV'] as const;

/** "quý III năm 2026" and the other period phrases that reports name. */
export function periodPhrase(year: number, month: number, pick: number): string {
  const q = Math.floor((month - 1) / 3);
  switch (pick % 4) {
    case 0:
      return `quý ${ROMAN[q] ?? 'I'} năm ${year}`;
    case 1:
      return month <= 6 ? `6 tháng đầu năm ${year}` : `9 tháng năm ${year}`;
    case 2:
      return `tháng ${month} năm ${year}`;
    default:
      return `năm ${year}`;
  }
}
