// The report's words, Vietnamese first with English beside them — one dictionary and one lookup, as
// the web pages do (src/http/views/i18n.ts). Pure. The KPI names are the directive's (§2), written
// as an administrative report words them; a missing English text falls back to Vietnamese.
import type { AgencyLevel } from '../domain/types.js';
import type { KpiId } from '../domain/kpi.js';
import type { ReportLang } from './format.js';

type Text = { vi: string; en: string };

const TEXT: Record<string, Text> = {
  nation: { vi: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', en: 'SOCIALIST REPUBLIC OF VIET NAM' },
  motto: { vi: 'Độc lập - Tự do - Hạnh phúc', en: 'Independence - Freedom - Happiness' },
  number: { vi: 'Số', en: 'No.' },
  titlePrefix: { vi: 'Báo cáo tình hình sử dụng thư điện tử công vụ', en: 'Report on the use of official email' },
  of: { vi: 'của', en: 'of' },
  'section.summary': { vi: 'Tóm tắt', en: 'Summary' },
  'section.kpis': { vi: 'Kết quả thực hiện các chỉ tiêu', en: 'Results against the targets' },
  'section.ranking': { vi: 'Xếp hạng cơ quan, đơn vị', en: 'Agencies ranked' },
  'section.below': { vi: 'Cơ quan, đơn vị chưa đạt chỉ tiêu', en: 'Agencies below target' },
  'section.agencies': { vi: 'Số liệu theo cơ quan, đơn vị', en: 'Figures per agency' },
  'section.notes': { vi: 'Ghi chú', en: 'Notes' },
  scope: { vi: 'Phạm vi', en: 'Scope' },
  province: { vi: 'Toàn tỉnh', en: 'Province-wide' },
  agency: { vi: 'Cơ quan, đơn vị', en: 'Agency' },
  code: { vi: 'Mã định danh', en: 'Code' },
  level: { vi: 'Cấp', en: 'Level' },
  numerator: { vi: 'Tử số', en: 'Numerator' },
  denominator: { vi: 'Mẫu số', en: 'Denominator' },
  ratio: { vi: 'Tỷ lệ', en: 'Ratio' },
  target: { vi: 'Mục tiêu', en: 'Target' },
  status: { vi: 'Đánh giá', en: 'Assessment' },
  met: { vi: 'Đạt', en: 'Met' },
  below: { vi: 'Chưa đạt', en: 'Below target' },
  noTarget: { vi: 'Không giao mục tiêu', en: 'No target' },
  noData: { vi: 'Chưa có số liệu', en: 'No data' },
  paper: { vi: 'Cần sổ văn bản giấy', en: 'Needs a paper register' },
  previous: { vi: 'Kỳ trước', en: 'Previous period' },
  lastYear: { vi: 'Cùng kỳ năm trước', en: 'Same period last year' },
  change: { vi: 'Thay đổi', en: 'Change' },
  rank: { vi: 'Hạng', en: 'Rank' },
  belowKpis: { vi: 'Chỉ tiêu chưa đạt', en: 'KPIs below target' },
  none: { vi: 'Không có.', en: 'None.' },
  accounts: { vi: 'Tài khoản thư công vụ', en: 'Official accounts' },
  activeAccounts: { vi: 'Tài khoản có sử dụng', en: 'Active accounts' },
  sent: { vi: 'Thư gửi', en: 'Messages sent' },
  received: { vi: 'Thư nhận', en: 'Messages received' },
  messages: { vi: 'Thư', en: 'Messages' },
  kpi: { vi: 'Chỉ tiêu', en: 'KPI' },
  directive: { vi: 'Chỉ thị', en: 'Directive' },
  chartTrend: { vi: 'Diễn biến', en: 'Trend of' },
  chartRanking: { vi: 'Xếp hạng theo', en: 'Ranked by' },
  chartBest: { vi: 'cao nhất', en: 'best' },
  chartWorst: { vi: 'thấp nhất', en: 'lowest' },
  attachments: { vi: 'Bảng số liệu đầy đủ theo từng cơ quan, đơn vị có trong tệp PDF và XLSX kèm theo.', en: 'The full table per agency is in the attached PDF and XLSX files.' },
  page: { vi: 'Trang', en: 'Page' },
  summarySheet: { vi: 'Tóm tắt', en: 'Summary' },
  agenciesSheet: { vi: 'Theo cơ quan', en: 'Agencies' },
  belowSheet: { vi: 'Chưa đạt', en: 'Below target' },
  generated: { vi: 'Báo cáo được lập tự động bởi edocwatch từ thư điện tử công vụ.', en: 'Report prepared automatically by edocwatch from official email.' },
  signerPlace: { vi: 'Nơi nhận', en: 'Recipients' },
};

export function rt(lang: ReportLang, key: string): string {
  const e = TEXT[key];
  if (!e) return key;
  return e[lang] || e.vi;
}

/** Each KPI's name and what it measures (directive §2, DESIGN.md "The KPIs"). */
const KPI_TEXT: Record<KpiId, { clause: string; name: Text; measure: Text }> = {
  K1: {
    clause: '2.1',
    name: { vi: 'Văn bản nội bộ trao đổi hoàn toàn điện tử', en: 'Internal documents exchanged fully electronically' },
    measure: { vi: 'văn bản nội bộ gửi hoàn toàn bằng điện tử / tổng số văn bản nội bộ', en: 'internal documents sent fully electronically / all internal documents' },
  },
  K1s: {
    clause: '2.1',
    name: { vi: 'Tỷ lệ văn bản dạng ảnh quét trong văn bản điện tử nội bộ', en: 'Scanned share of electronic internal documents' },
    measure: { vi: 'văn bản quét từ giấy / văn bản điện tử nội bộ', en: 'documents scanned from paper / electronic internal documents' },
  },
  K2a: {
    clause: '2.2',
    name: { vi: 'Hồ sơ trình UBND tỉnh có bản điện tử', en: 'Dossiers to the Provincial PC with an electronic copy' },
    measure: { vi: 'hồ sơ có bản điện tử đầy đủ / tổng số hồ sơ trình UBND tỉnh', en: 'dossiers with a full electronic copy / all dossiers to the Provincial PC' },
  },
  K2b: {
    clause: '2.2',
    name: { vi: 'Văn bản giữa các sở, ngành, UBND cấp huyện có bản điện tử', en: 'Documents between departments and district PCs with an electronic copy' },
    measure: { vi: 'văn bản có bản điện tử đầy đủ / tổng số văn bản giữa các sở, ngành, UBND cấp huyện', en: 'documents with a full electronic copy / all documents between departments and district PCs' },
  },
  K3: {
    clause: '2.3',
    name: { vi: 'Hồ sơ trình sở, ngành, UBND cấp huyện có bản điện tử', en: 'Dossiers to departments and district PCs with an electronic copy' },
    measure: { vi: 'hồ sơ có bản điện tử / tổng số hồ sơ trình sở, ngành, UBND cấp huyện', en: 'dossiers with an electronic copy / all dossiers to departments and district PCs' },
  },
  K4e: {
    clause: '2.4',
    name: { vi: 'Văn bản cấp xã hoàn toàn điện tử', en: 'Commune-level documents fully electronic' },
    measure: { vi: 'văn bản cấp xã gửi hoàn toàn bằng điện tử / tổng số văn bản cấp xã', en: 'commune-level documents sent fully electronically / all commune-level documents' },
  },
  K4h: {
    clause: '2.4',
    name: { vi: 'Văn bản cấp xã điện tử kèm bản giấy', en: 'Commune-level documents electronic with a paper copy' },
    measure: { vi: 'văn bản cấp xã gửi bản điện tử kèm bản giấy / tổng số văn bản cấp xã', en: 'commune-level documents sent electronically beside paper / all commune-level documents' },
  },
  K5: {
    clause: '2.5',
    name: { vi: 'Trao đổi với tổ chức, doanh nghiệp, cá nhân qua thư điện tử', en: 'Exchanges with enterprises, organizations and individuals by email' },
    measure: { vi: 'lượt trao đổi với tổ chức, doanh nghiệp, cá nhân / tổng số lượt trao đổi', en: 'exchanges with enterprises, organizations, individuals / all exchanges' },
  },
  K6: {
    clause: '2.6',
    name: { vi: 'Văn bản điện tử có chữ ký số', en: 'Electronic documents digitally signed' },
    measure: { vi: 'văn bản điện tử có chữ ký số / tổng số văn bản điện tử', en: 'digitally signed electronic documents / all electronic documents' },
  },
  K7: {
    clause: '2.7',
    name: { vi: 'Tài khoản thư điện tử công vụ có sử dụng trong kỳ', en: 'Official email accounts used in the period' },
    measure: { vi: 'tài khoản có gửi hoặc nhận thư / tổng số tài khoản thư công vụ', en: 'accounts that sent or received mail / all official accounts' },
  },
};

export function kpiName(lang: ReportLang, id: KpiId): string {
  return KPI_TEXT[id].name[lang];
}

export function kpiMeasure(lang: ReportLang, id: KpiId): string {
  return KPI_TEXT[id].measure[lang];
}

export function kpiClause(id: KpiId): string {
  return KPI_TEXT[id].clause;
}

const LEVEL_TEXT: Record<AgencyLevel, Text> = {
  province_pc: { vi: 'UBND tỉnh', en: 'Provincial PC' },
  department: { vi: 'Sở, ban, ngành', en: 'Departments' },
  provincial_org: { vi: 'Tổ chức cấp tỉnh', en: 'Provincial organizations' },
  district_pc: { vi: 'UBND cấp huyện', en: 'District PCs' },
  commune_pc: { vi: 'UBND cấp xã', en: 'Commune PCs' },
  unit: { vi: 'Đơn vị trực thuộc', en: 'Subordinate units' },
};

export function levelName(lang: ReportLang, level: string): string {
  return LEVEL_TEXT[level as AgencyLevel]?.[lang] ?? level;
}
