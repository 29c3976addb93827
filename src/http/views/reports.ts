// The report archive page ("Lưu trữ báo cáo / Report archive") as an HTML body, in the style of the
// other pages (pages.ts): a period filter, a table of archived reports with their downloads, and for
// administrators a resend form per report. Pure: data in, markup out. Its words are kept here, in the
// dictionary form of i18n.ts.
import type { ReportListItem } from '../reports.js';
import { h, raw, type Html } from './html.js';
import { t, type Lang } from './i18n.js';

const TEXT: Record<string, { vi: string; en: string }> = {
  title: { vi: 'Lưu trữ báo cáo', en: 'Report archive' },
  nav: { vi: 'Báo cáo', en: 'Reports' },
  number: { vi: 'Số', en: 'Number' },
  scope: { vi: 'Phạm vi', en: 'Scope' },
  issued: { vi: 'Ngày ban hành', en: 'Issued on' },
  built: { vi: 'Lập lúc', en: 'Built at' },
  by: { vi: 'Người lập', en: 'Built by' },
  sent: { vi: 'Đã gửi', en: 'Sent' },
  download: { vi: 'Tải về', en: 'Download' },
  resend: { vi: 'Gửi lại', en: 'Resend' },
  to: { vi: 'Người nhận (trống: theo cấu hình)', en: 'Recipients (empty: as configured)' },
  resent: { vi: 'Đã gửi lại', en: 'Sent again' },
  failed: { vi: 'Gửi lại không thành công', en: 'The resend failed' },
  more: { vi: 'Cũ hơn', en: 'Older' },
  hint: { vi: 'Mọi báo cáo đã lập hoặc đã gửi được lưu lại đúng như bản đã gửi.', en: 'Every report built or sent is kept exactly as it was sent.' },
  'built.title': { vi: 'Lập báo cáo', en: 'Build a report' },
  'built.hint': { vi: 'Báo cáo được lập ngay từ số liệu hiện có, lấy số văn bản tiếp theo và được lưu tại đây; kỳ chưa kết thúc cho số liệu đến hôm nay.', en: "Built now from the current figures, it takes the issuer's next number and is kept here; a period not yet over gives the figures so far." },
  'built.button': { vi: 'Lập báo cáo', en: 'Build' },
  'built.done': { vi: 'Đã lập báo cáo số', en: 'Built report number' },
  scopeLabel: { vi: 'Phạm vi', en: 'Scope' },
  langLabel: { vi: 'Ngôn ngữ', en: 'Language' },
  province: { vi: 'Toàn tỉnh', en: 'Province' },
};

/** The build form's choices: the scopes the user may build, and the configured language. */
export interface BuildForm {
  csrf: string;
  scopes: Array<{ value: string; label: string }>;
  lang: 'vi' | 'en';
}

export function reportsText(lang: Lang, key: string): string {
  const e = TEXT[key];
  return e ? e[lang] || e.vi : key;
}

const fmt = (iso: string, lang: Lang) => new Date(iso).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });

export function reportsBody(list: { items: ReportListItem[]; next: string | null }, lang: Lang, csrf: string | null, notice: { ok: boolean; text: string } | null, period: string, build: BuildForm | null = null): Html {
  const r = (k: string) => reportsText(lang, k);
  return h`${notice ? h`<p class="${notice.ok ? 'notice' : 'error'}" role="status">${notice.text}</p>` : ''}
  ${build ? h`<section class="build"><h2>${r('built.title')}</h2><p class="muted">${r('built.hint')}</p>
  <form class="filters" method="post" action="/reports/build"><input type="hidden" name="_csrf" value="${build.csrf}">
    <label>${t(lang, 'period')}<input name="period" required pattern="\\d{4}(-Q[1-4])?" size="9" placeholder="2026-Q3"></label>
    <label>${r('scopeLabel')}<select name="scope">${build.scopes.map((s) => h`<option value="${s.value}">${s.label}</option>`)}</select></label>
    <label>${r('langLabel')}<select name="lang">${(['vi', 'en'] as const).map((l) => h`<option value="${l}"${l === build.lang ? raw(' selected') : ''}>${l === 'vi' ? 'Tiếng Việt' : 'English'}</option>`)}</select></label>
    <button type="submit">${r('built.button')}</button></form></section>` : ''}
  <p class="muted">${r('hint')}</p>
  <form class="filters" method="get" action="/reports"><label>${t(lang, 'period')}<input name="period" value="${period}" pattern="\\d{4}(-Q[1-4])?" size="9"></label><button type="submit">${t(lang, 'show')}</button></form>
  ${list.items.length === 0 ? h`<p>${t(lang, 'none')}</p>` : h`<table class="reports"><thead><tr><th>${t(lang, 'period')}</th><th>${r('scope')}</th><th>${r('number')}</th><th>${r('issued')}</th><th>${r('built')}</th><th>${r('by')}</th><th>${r('sent')}</th><th>${r('download')}</th>${csrf ? h`<th>${r('resend')}</th>` : ''}</tr></thead><tbody>
  ${list.items.map((b) => h`<tr data-report="${b.id}"><td>${b.period}</td><td>${b.scope_name}${b.scope === 'province' ? '' : h` <span class="muted">${b.scope}</span>`}</td><td>${b.number}</td><td>${b.issued_on}</td><td>${fmt(b.built_at, lang)}</td><td>${b.built_by}</td><td class="num">${b.sent}</td>
    <td>${Object.entries(b.downloads).map(([f, href]) => h`<a href="${href}"${f === 'html' ? '' : h` download`}>${f.toUpperCase()}</a> `)}</td>
    ${csrf ? h`<td><form method="post" action="/reports/${b.id}/resend" class="filters"><input type="hidden" name="_csrf" value="${csrf}"><label>${r('to')}<input name="to" size="24" placeholder="lanhdao@…"></label><button type="submit">${r('resend')}</button></form></td>` : ''}</tr>`)}
  </tbody></table>`}
  ${list.next ? h`<p><a rel="next" href="/reports?${new URLSearchParams({ ...(period ? { period } : {}), before: list.next }).toString()}">${r('more')} →</a></p>` : ''}`;
}
