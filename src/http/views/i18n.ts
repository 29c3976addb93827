// Operator-facing text of the web pages: Vietnamese first, English on request (`?lang=en`, kept
// in a cookie). Pure: one dictionary, one lookup; a missing English text falls back to Vietnamese.

export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export function pickLang(query: unknown, cookie: unknown): Lang {
  if (query === 'en' || query === 'vi') return query;
  if (cookie === 'en' || cookie === 'vi') return cookie;
  return 'vi';
}

const TEXT: Record<string, { vi: string; en: string }> = {
  'nav.overview': { vi: 'Tổng quan tỉnh', en: 'Province overview' },
  'nav.myAgency': { vi: 'Cơ quan của tôi', en: 'My agency' },
  'nav.exchanges': { vi: 'Văn bản trao đổi', en: 'Exchanges' },
  'nav.mailboxes': { vi: 'Hộp thư', en: 'Mailboxes' },
  'nav.reports': { vi: 'Lưu trữ báo cáo', en: 'Report archive' },
  'nav.queues': { vi: 'Hàng đợi', en: 'Queues' },
  'nav.logout': { vi: 'Đăng xuất', en: 'Sign out' },
  'role.admin': { vi: 'quản trị', en: 'admin' },
  'role.analyst': { vi: 'chuyên viên Sở', en: 'analyst' },
  'role.agency': { vi: 'cơ quan', en: 'agency' },
  'login.title': { vi: 'Đăng nhập', en: 'Sign in' },
  'login.name': { vi: 'Tên đăng nhập', en: 'User name' },
  'login.password': { vi: 'Mật khẩu', en: 'Password' },
  'login.submit': { vi: 'Đăng nhập', en: 'Sign in' },
  'login.failed': { vi: 'Sai tên đăng nhập hoặc mật khẩu.', en: 'Wrong user name or password.' },
  'login.limited': { vi: 'Quá nhiều lần đăng nhập sai; thử lại sau ít phút.', en: 'Too many failed sign-ins; try again in a few minutes.' },
  'overview.title': { vi: 'Tổng quan toàn tỉnh', en: 'Province overview' },
  'agency.title': { vi: 'Cơ quan', en: 'Agency' },
  'period': { vi: 'Kỳ', en: 'Period' },
  'show': { vi: 'Xem', en: 'Show' },
  'kpi': { vi: 'Chỉ tiêu', en: 'KPI' },
  'value': { vi: 'Tỷ lệ', en: 'Ratio' },
  'numerator': { vi: 'Tử số', en: 'Numerator' },
  'denominator': { vi: 'Mẫu số', en: 'Denominator' },
  'target': { vi: 'Chỉ tiêu giao', en: 'Target' },
  'status': { vi: 'Đánh giá', en: 'Status' },
  'met': { vi: 'Đạt', en: 'Met' },
  'below': { vi: 'Chưa đạt', en: 'Below target' },
  'paper': { vi: 'Cần sổ văn bản giấy', en: 'Needs a paper register' },
  'ranking': { vi: 'Xếp hạng cơ quan', en: 'Agencies ranked' },
  'rankBy': { vi: 'Xếp theo', en: 'Ranked by' },
  'rank': { vi: 'Hạng', en: 'Rank' },
  'agency': { vi: 'Cơ quan', en: 'Agency' },
  'level': { vi: 'Cấp', en: 'Level' },
  'trend': { vi: 'Xu hướng', en: 'Trend' },
  'counterparties': { vi: 'Đối tác trao đổi', en: 'Counterparties' },
  'mailboxes': { vi: 'Hộp thư', en: 'Mailboxes' },
  'exchanges': { vi: 'Lượt trao đổi', en: 'Exchanges' },
  'export': { vi: 'Xuất', en: 'Export' },
  'date': { vi: 'Ngày', en: 'Date' },
  'document': { vi: 'Văn bản', en: 'Document' },
  'sender': { vi: 'Bên gửi', en: 'Sender' },
  'receiver': { vi: 'Bên nhận', en: 'Receiver' },
  'flow': { vi: 'Luồng', en: 'Flow' },
  'form': { vi: 'Hình thức', en: 'Form' },
  'signed': { vi: 'Ký số', en: 'Signed' },
  'scanned': { vi: 'Bản quét', en: 'Scanned' },
  'party': { vi: 'Đối tác (địa chỉ hoặc mã)', en: 'Party (address or code)' },
  'digitization': { vi: 'Số hóa', en: 'Digitization' },
  'any': { vi: 'tất cả', en: 'any' },
  'yes': { vi: 'có', en: 'yes' },
  'no': { vi: 'không', en: 'no' },
  'next': { vi: 'Trang sau', en: 'Next page' },
  'first': { vi: 'Trang đầu', en: 'First page' },
  'none': { vi: 'Không có dữ liệu.', en: 'Nothing to show.' },
  'evidence': { vi: 'Căn cứ', en: 'Evidence' },
  'messages': { vi: 'Thư', en: 'Messages' },
  'subject': { vi: 'Tiêu đề', en: 'Subject' },
  'details': { vi: 'Chi tiết', en: 'Details' },
  'count': { vi: 'Số lượt', en: 'Count' },
  'mb.title': { vi: 'Quản trị hộp thư', en: 'Mailbox administration' },
  'mb.add': { vi: 'Thêm hộp thư', en: 'Add a mailbox' },
  'mb.host': { vi: 'Máy chủ IMAP', en: 'IMAP host' },
  'mb.port': { vi: 'Cổng', en: 'Port' },
  'mb.security': { vi: 'Mã hóa', en: 'Security' },
  'mb.user': { vi: 'Tài khoản', en: 'User' },
  'mb.folders': { vi: 'Thư mục (phân cách bởi dấu phẩy)', en: 'Folders (comma-separated)' },
  'mb.rate': { vi: 'Giới hạn thư/giây (trống: mặc định)', en: 'Messages/second (empty: default)' },
  'mb.enabled': { vi: 'Đang theo dõi', en: 'Enabled' },
  'mb.lastSync': { vi: 'Đồng bộ lần cuối', en: 'Last sync' },
  'mb.lag': { vi: 'Độ trễ (giây)', en: 'Lag (s)' },
  'mb.error': { vi: 'Lỗi gần nhất', en: 'Last error' },
  'mb.save': { vi: 'Lưu', en: 'Save' },
  'mb.disable': { vi: 'Ngừng theo dõi', en: 'Disable' },
  'mb.enable': { vi: 'Theo dõi lại', en: 'Enable' },
  'mb.syncNow': { vi: 'Đồng bộ ngay', en: 'Sync now' },
  'mb.added': { vi: 'Đã kiểm tra kết nối và thêm hộp thư', en: 'Connection tested; mailbox added' },
  'mb.saved': { vi: 'Đã lưu', en: 'Saved' },
  'mb.queued': { vi: 'Đã đưa vào hàng đợi đồng bộ', en: 'Sync job enqueued' },
  'q.title': { vi: 'Tình trạng hàng đợi', en: 'Queue health' },
  'q.queue': { vi: 'Hàng đợi', en: 'Queue' },
  'q.unavailable': { vi: 'Không đọc được hàng đợi', en: 'Queues unavailable' },
  'err.title': { vi: 'Lỗi', en: 'Error' },
};

export function t(lang: Lang, key: string): string {
  const e = TEXT[key];
  if (!e) return key;
  return e[lang] || e.vi;
}

const FLOW_TEXT: Record<string, { vi: string; en: string }> = {
  internal: { vi: 'nội bộ', en: 'internal' },
  to_province_pc: { vi: 'gửi UBND tỉnh', en: 'to the Provincial PC' },
  inter_agency: { vi: 'giữa các sở, huyện', en: 'between departments and districts' },
  to_department_or_district: { vi: 'xã gửi sở, huyện', en: 'commune to department or district' },
  commune_level: { vi: 'cấp xã', en: 'commune level' },
  with_enterprise: { vi: 'với doanh nghiệp', en: 'with enterprises' },
  with_organization: { vi: 'với tổ chức', en: 'with organizations' },
  with_individual: { vi: 'với cá nhân', en: 'with individuals' },
  unknown: { vi: 'chưa xác định', en: 'unknown' },
};

export function flowText(lang: Lang, flow: string): string {
  return FLOW_TEXT[flow]?.[lang] ?? flow;
}

const KPI_TEXT: Record<string, { vi: string; en: string }> = {
  K1: { vi: 'Văn bản nội bộ điện tử hoàn toàn', en: 'Internal documents fully electronic' },
  K1s: { vi: 'Tỷ lệ bản quét trong văn bản điện tử nội bộ', en: 'Scanned share of electronic internal documents' },
  K2a: { vi: 'Hồ sơ trình UBND tỉnh có bản điện tử', en: 'Dossiers to the Provincial PC with an electronic copy' },
  K2b: { vi: 'Văn bản giữa các sở, huyện có bản điện tử', en: 'Documents between departments and districts, electronic copy' },
  K3: { vi: 'Hồ sơ gửi sở, huyện có bản điện tử', en: 'Dossiers to departments and districts, electronic copy' },
  K4e: { vi: 'Văn bản cấp xã điện tử hoàn toàn', en: 'Commune-level documents fully electronic' },
  K4h: { vi: 'Văn bản cấp xã điện tử kèm bản giấy', en: 'Commune-level documents hybrid' },
  K5: { vi: 'Trao đổi với doanh nghiệp, tổ chức, cá nhân', en: 'Exchanges with enterprises, organizations, individuals' },
  K6: { vi: 'Văn bản điện tử có chữ ký số', en: 'Electronic documents digitally signed' },
  K7: { vi: 'Sử dụng thư điện tử công vụ', en: 'Official email use' },
};

export function kpiText(lang: Lang, id: string): string {
  return KPI_TEXT[id]?.[lang] ?? id;
}
