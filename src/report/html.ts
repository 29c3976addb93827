// The first HTML report of a period (a fuller report — PDF, XLSX, charts, sending — is issue #6).
// Pure: statistics and the directory in, an HTML string out. Every value is escaped.
import type { Agency } from '../domain/types.js';
import { KPI_IDS, type KpiId, type KpiValue } from '../domain/kpi.js';
import type { PeriodStats } from './stats.js';
import { localDateString } from '../domain/period.js';

const KPI_TITLES: Record<KpiId, string> = {
  K1: 'Văn bản nội bộ trao đổi hoàn toàn điện tử',
  K1s: 'Tỷ lệ văn bản dạng ảnh quét trong văn bản điện tử nội bộ',
  K2a: 'Hồ sơ trình UBND tỉnh có bản điện tử',
  K2b: 'Văn bản giữa các sở, ngành, UBND cấp huyện có bản điện tử',
  K3: 'Hồ sơ trình sở, ngành, UBND cấp huyện có bản điện tử',
  K4e: 'Văn bản cấp xã hoàn toàn điện tử',
  K4h: 'Văn bản cấp xã dạng hỗn hợp (điện tử kèm giấy)',
  K5: 'Trao đổi với tổ chức, doanh nghiệp, cá nhân qua thư điện tử',
  K6: 'Văn bản điện tử có chữ ký số',
  K7: 'Tài khoản thư công vụ có sử dụng trong kỳ',
};

const ROMAN = ['I', 'II', 'III', 'IV'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function periodTitle(periodId: string): string {
  const m = /^(\d{4})(?:-Q([1-4]))?$/.exec(periodId);
  if (!m) return periodId;
  return m[2] ? `quý ${ROMAN[Number(m[2]) - 1]} năm ${m[1]}` : `năm ${m[1]}`;
}

function pct(v: KpiValue): string {
  if (v.needsPaperRegister) return 'Cần sổ văn bản giấy';
  return v.ratio === null ? '—' : `${(v.ratio * 100).toFixed(1).replace('.', ',')}%`;
}

function target(v: KpiValue): string {
  return v.target === null ? '—' : `${escapeHtml(v.targetOp ?? '')}${(v.target * 100).toFixed(0)}%`;
}

function met(v: KpiValue): string {
  return v.met === null ? '' : v.met ? '<span class="ok">Đạt</span>' : '<span class="bad">Chưa đạt</span>';
}

export function renderReportHtml(s: PeriodStats, agencies: Agency[], opts: { province: string; issuer: string; issuedOn: Date }): string {
  const names = new Map(agencies.map((a) => [a.code, a.name]));
  // The issue date as a calendar date in Asia/Ho_Chi_Minh, whatever the server's time zone.
  const [y, mo, da] = localDateString(opts.issuedOn).split('-').map(Number);
  const date = `ngày ${da} tháng ${mo} năm ${y}`;
  const title = `Báo cáo tình hình sử dụng thư điện tử công vụ ${periodTitle(s.period)}`;
  const kpiRows = KPI_IDS.map(
    (id) => `<tr><td>${id}</td><td>${escapeHtml(KPI_TITLES[id])}</td><td class="n">${s.province[id].numerator}</td><td class="n">${s.province[id].denominator}</td><td class="n">${pct(s.province[id])}</td><td class="n">${target(s.province[id])}</td><td>${met(s.province[id])}</td></tr>`,
  ).join('\n');
  const below: string[] = [];
  const agencyRows = Object.entries(s.agencies)
    .map(([code, k]) => {
      const misses = KPI_IDS.filter((id) => k[id].met === false);
      if (misses.length) below.push(`${escapeHtml(names.get(code) ?? code)} (${misses.join(', ')})`);
      return `<tr><td>${escapeHtml(names.get(code) ?? code)}</td>${['K1', 'K1s', 'K4e', 'K4h', 'K5', 'K6'].map((id) => `<td class="n">${pct(k[id as KpiId])}<br><small>${k[id as KpiId].numerator}/${k[id as KpiId].denominator}</small></td>`).join('')}<td class="n">${s.k7.agencies[code]?.messages ?? 0}</td></tr>`;
    })
    .join('\n');
  const m = s.messages;
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:"Times New Roman",DejaVu Serif,serif;max-width:960px;margin:2em auto;color:#111;line-height:1.45}
.head{display:flex;justify-content:space-between;text-align:center}.head div{width:48%}
h1{text-align:center;font-size:1.3em;text-transform:uppercase;margin-top:1.5em}
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #444;padding:4px 6px;vertical-align:top}
th{background:#eee}.n{text-align:right;white-space:nowrap}.ok{color:#060}.bad{color:#b00;font-weight:bold}
small{color:#555}
</style></head><body>
<div class="head"><div><b>${escapeHtml(opts.province.toUpperCase())}</b><br><b>${escapeHtml(opts.issuer.toUpperCase())}</b><br>Số: ....../BC-${escapeHtml(opts.issuer.replace(/[^A-ZĐ]/g, '').slice(0, 6))}</div>
<div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b><u>Độc lập - Tự do - Hạnh phúc</u></b><br><i>${escapeHtml(date)}</i></div></div>
<h1>${escapeHtml(title)}</h1>
<h2>I. Tóm tắt</h2>
<p>Trong ${escapeHtml(periodTitle(s.period))}, hệ thống ghi nhận <b>${m.total}</b> thư công vụ (${m.analyzed ?? 0} đã phân tích, ${m.skipped ?? 0} thư tự động, ${m.malformed ?? 0} thư lỗi cấu trúc, ${m.over_limit ?? 0} thư vượt giới hạn), <b>${s.exchanges}</b> lượt trao đổi và <b>${s.documents}</b> văn bản.
Tài khoản thư công vụ: ${s.k7.province.accounts} (có sử dụng: ${s.k7.province.activeAccounts}); thư gửi: ${s.k7.province.sent}; thư nhận: ${s.k7.province.received}.</p>
<h2>II. Kết quả thực hiện các chỉ tiêu (toàn tỉnh)</h2>
<table><tr><th>Mã</th><th>Chỉ tiêu</th><th>Tử số</th><th>Mẫu số</th><th>Tỷ lệ</th><th>Mục tiêu</th><th>Đánh giá</th></tr>
${kpiRows}</table>
<p><small>Văn bản mật không được tính. K2a, K2b, K3 cần sổ văn bản giấy để có mẫu số.</small></p>
<h2>III. Theo cơ quan, đơn vị</h2>
<table><tr><th>Cơ quan</th><th>K1</th><th>K1s</th><th>K4e</th><th>K4h</th><th>K5</th><th>K6</th><th>Thư (K7)</th></tr>
${agencyRows}</table>
<h2>IV. Cơ quan chưa đạt chỉ tiêu</h2>
<p>${below.length ? below.join('; ') : 'Không có.'}</p>
</body></html>
`;
}
