// The report as an HTML email, from the report model (model.ts): a table layout with inline styles
// only, no script, no stylesheet, no web font, images by reference — what Outlook, Gmail, Thunderbird
// and the mail clients of provincial mail systems all render the same. Charts are inline images
// (`cid:` in the email, file names beside report.html, `data:` URIs in the web archive). A plain-text
// version goes beside it. Pure: model and image references in, strings out.
//
// Gmail clips an HTML part above ~100 kB, so a province of hundreds of agencies does not get its
// per-agency table in the email body: that table is in the attached PDF and XLSX.
import type { KpiId } from '../domain/kpi.js';
import { formatInt, formatPercent, formatPoints, type ReportLang } from './format.js';
import { rt } from './i18n.js';
import type { KpiRow, KpiSection, ReportModel } from './model.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const e = escapeHtml;

/** An image of the report: where it is (`cid:…`, a file name, a data: URI) and its size. */
export interface ImageRef {
  src: string;
  width: number;
  height: number;
  alt: string;
}

/** Agencies listed in the email's per-agency table at most; more are in the PDF and XLSX only. */
export const HTML_AGENCY_TABLE_MAX = 40;
/** Agencies named below target in the email at most (per KPI, and in the overall list). */
export const HTML_BELOW_LIST_MAX = 12;
export const HTML_BELOW_TABLE_MAX = 60;

const FONT = "font-family:'Times New Roman',Times,'DejaVu Serif',serif";
const CELL = 'border:1px solid #9aa4b1;padding:4px 6px;vertical-align:top';
const HEAD_CELL = `${CELL};background:#e8edf3;font-weight:bold;text-align:center`;
const NUM = `${CELL};text-align:right;white-space:nowrap`;
const TABLE = 'border-collapse:collapse;width:100%;margin:6px 0 10px 0;font-size:14px';
const H2 = 'font-size:16px;font-weight:bold;margin:18px 0 6px 0;text-transform:uppercase';
const H3 = 'font-size:15px;font-weight:bold;margin:14px 0 4px 0';
const P = 'margin:0 0 8px 0;text-align:justify';
const MUTED = 'color:#5f6b7a';

function statusHtml(r: KpiRow, lang: ReportLang): string {
  // The ratio column already says that a paper register is needed.
  if (r.needsPaperRegister) return '—';
  if (r.met === true) return `<span style="color:#146c2e;font-weight:bold">${e(rt(lang, 'met'))}</span>`;
  if (r.met === false) return `<span style="color:#b3261e;font-weight:bold">${e(rt(lang, 'below'))}</span>`;
  return '—';
}

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII'];

function kpiBlock(k: KpiSection, m: ReportModel, images: Map<string, ImageRef>): string {
  const lang = m.lang;
  const head = [rt(lang, 'scope'), rt(lang, 'numerator'), rt(lang, 'denominator'), rt(lang, 'ratio'), rt(lang, 'target'), rt(lang, 'status')];
  const rows = k.rows
    .map(
      (r) =>
        `<tr data-kpi="${k.id}" data-row="${e(r.key)}"><td style="${CELL}">${e(r.label)}</td><td style="${NUM}">${formatInt(r.numerator, lang)}</td><td style="${NUM}">${formatInt(r.denominator, lang)}</td><td style="${NUM}">${e(r.display)}</td><td style="${NUM}">${e(k.target?.text ?? '—')}</td><td style="${CELL}">${statusHtml(r, lang)}</td></tr>`,
    )
    .join('\n');
  const trend = k.trend
    .map((t) => `${e(rt(lang, t.kind))} (${e(t.label)}): ${formatPercent(t.ratio, lang)}${t.delta === null ? '' : ` (${e(formatPoints(t.delta, lang))})`}`)
    .join('; ');
  const k7 = k.k7
    ? `<p style="${P}">${e(rt(lang, 'accounts'))}: <b>${formatInt(k.k7.accounts, lang)}</b>; ${e(rt(lang, 'activeAccounts'))}: <b>${formatInt(k.k7.activeAccounts, lang)}</b>; ${e(rt(lang, 'sent'))}: <b>${formatInt(k.k7.sent, lang)}</b>; ${e(rt(lang, 'received'))}: <b>${formatInt(k.k7.received, lang)}</b>.</p>`
    : '';
  const below =
    k.below.length === 0
      ? ''
      : `<p style="${P}"><span style="color:#b3261e;font-weight:bold">${e(rt(lang, 'below'))} (${formatInt(k.below.length, lang)}):</span> ${k.below
          .slice(0, HTML_BELOW_LIST_MAX)
          .map((b) => `${e(b.name)} (${formatPercent(b.ratio, lang)})`)
          .join('; ')}${k.below.length > HTML_BELOW_LIST_MAX ? `; … (+${formatInt(k.below.length - HTML_BELOW_LIST_MAX, lang)})` : ''}.</p>`;
  const img = k.chartId ? images.get(k.chartId) : undefined;
  return `<h3 style="${H3}">${k.id}. ${e(k.name)} <span style="font-weight:normal;${MUTED}">(${e(rt(lang, 'directive'))} 15/CT-TTg, ${k.clause})</span></h3>
<p style="${P};${MUTED};font-style:italic">${e(k.measure)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" style="${TABLE}"><tr>${head.map((h) => `<th style="${HEAD_CELL}">${e(h)}</th>`).join('')}</tr>
${rows}</table>
${k7}${trend ? `<p style="${P}">${trend}.</p>` : ''}${below}${img ? imgTag(img) : ''}`;
}

function imgTag(i: ImageRef): string {
  return `<p style="margin:4px 0 12px 0"><img src="${e(i.src)}" width="${i.width}" height="${i.height}" alt="${e(i.alt)}" style="display:block;width:${i.width}px;max-width:100%;height:auto;border:0"></p>`;
}

const TABLE_KPIS: KpiId[] = ['K1', 'K1s', 'K4e', 'K4h', 'K5', 'K6', 'K7'];

/** The report as an HTML document for an email body (or a file, or a web page). */
export function renderReportHtml(m: ReportModel, images: Map<string, ImageRef> = new Map()): string {
  const lang = m.lang;
  let sec = 0;
  const h2 = (key: string) => `<h2 style="${H2}">${ROMAN[sec++]}. ${e(rt(lang, key))}</h2>`;
  const parts: string[] = [];
  parts.push(h2('section.summary'), ...m.summary.map((p) => `<p style="${P}">${e(p)}</p>`));
  parts.push(h2('section.kpis'), ...m.kpis.map((k) => kpiBlock(k, m, images)));
  if (m.ranking) {
    parts.push(h2('section.ranking'));
    const img = images.get('ranking');
    if (m.ranking.rows.length === 0) parts.push(`<p style="${P}">${e(rt(lang, 'none'))}</p>`);
    else parts.push(`<p style="${P}">${e(m.ranking.by)}: ${e(m.ranking.name)}.</p>${img ? imgTag(img) : ''}`);
  }
  if (m.scope.kind === 'province') {
    parts.push(h2('section.below'));
    if (m.belowTarget.length === 0) parts.push(`<p style="${P}">${e(rt(lang, 'none'))}</p>`);
    else {
      const rows = m.belowTarget
        .slice(0, HTML_BELOW_TABLE_MAX)
        .map((b) => `<tr data-below="${e(b.code)}"><td style="${CELL}">${e(b.name)}</td><td style="${CELL}">${e(b.code)}</td><td style="${CELL}">${b.kpis.join(', ')}</td></tr>`)
        .join('\n');
      parts.push(
        `<table role="presentation" cellpadding="0" cellspacing="0" style="${TABLE}"><tr><th style="${HEAD_CELL}">${e(rt(lang, 'agency'))}</th><th style="${HEAD_CELL}">${e(rt(lang, 'code'))}</th><th style="${HEAD_CELL}">${e(rt(lang, 'belowKpis'))}</th></tr>\n${rows}</table>` +
          (m.belowTarget.length > HTML_BELOW_TABLE_MAX ? `<p style="${P}">… (+${formatInt(m.belowTarget.length - HTML_BELOW_TABLE_MAX, lang)}) ${e(rt(lang, 'attachments'))}</p>` : ''),
      );
    }
    parts.push(h2('section.agencies'));
    if (m.agencies.length === 0) parts.push(`<p style="${P}">${e(rt(lang, 'none'))}</p>`);
    else if (m.agencies.length > HTML_AGENCY_TABLE_MAX) parts.push(`<p style="${P}">${e(rt(lang, 'attachments'))} (${formatInt(m.agencies.length, lang)} ${e(rt(lang, 'agency').toLowerCase())})</p>`);
    else {
      const head = `<tr><th style="${HEAD_CELL}">${e(rt(lang, 'agency'))}</th>${TABLE_KPIS.map((k) => `<th style="${HEAD_CELL}">${k}</th>`).join('')}</tr>`;
      const rows = m.agencies
        .map((a) => `<tr data-agency="${e(a.code)}"><td style="${CELL}">${e(a.name)}<br><span style="${MUTED};font-size:12px">${e(a.levelName)}</span></td>${TABLE_KPIS.map((k) => {
          const v = a.kpis[k];
          const red = v.met === false ? ';color:#b3261e;font-weight:bold' : '';
          return `<td style="${NUM}${red}">${e(v.needsPaperRegister ? '—' : formatPercent(v.ratio, lang))}<br><span style="${MUTED};font-size:12px;font-weight:normal">${formatInt(v.numerator, lang)}/${formatInt(v.denominator, lang)}</span></td>`;
        }).join('')}</tr>`)
        .join('\n');
      parts.push(`<table role="presentation" cellpadding="0" cellspacing="0" style="${TABLE};font-size:13px">${head}\n${rows}</table>`);
    }
  }
  parts.push(h2('section.notes'), `<ul style="margin:0 0 8px 18px;padding:0">${m.notes.map((n) => `<li style="margin:0 0 4px 0">${e(n)}</li>`).join('')}</ul>`);
  if (m.signer) parts.push(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td width="50%"></td><td width="50%" align="center" style="padding-top:12px"><b>${e(m.signer.title.toUpperCase())}</b><br><br><br><br><b>${e(m.signer.name)}</b></td></tr></table>`);

  const hd = m.heading;
  const title = m.title;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}</title></head>
<body style="margin:0;padding:0;background:#eef1f4">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#eef1f4"><tr><td align="center" style="padding:16px 6px">
<table role="presentation" width="720" cellpadding="0" cellspacing="0" style="width:720px;max-width:100%;background:#ffffff;${FONT};color:#111111;font-size:15px;line-height:1.45">
<tr><td style="padding:20px 24px 4px 24px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:14px"><tr>
<td width="42%" align="center" valign="top" style="text-align:center">${hd.parentIssuer ? `${e(hd.parentIssuer)}<br>` : ''}<b>${e(hd.issuer)}</b><br><span style="display:inline-block;border-top:1px solid #111;width:90px;height:1px"></span><br>${e(rt(lang, 'number'))}: ${e(hd.number)}</td>
<td width="58%" align="center" valign="top" style="text-align:center"><b>${e(hd.nation)}</b><br><b>${e(hd.motto)}</b><br><span style="display:inline-block;border-top:1px solid #111;width:180px;height:1px"></span><br><i>${e(hd.placeDate)}</i></td>
</tr></table>
</td></tr>
<tr><td style="padding:8px 24px 0 24px;text-align:center"><h1 style="font-size:18px;font-weight:bold;margin:14px 0 2px 0;text-transform:uppercase">${e(rt(lang, 'titlePrefix'))}</h1><p style="margin:0;font-weight:bold;font-size:16px">${e(m.periodTitle)}</p>${m.subtitle ? `<p style="margin:2px 0 0 0;font-weight:bold">${e(m.subtitle)}</p>` : ''}</td></tr>
<tr><td style="padding:4px 24px 24px 24px">
${parts.join('\n')}
</td></tr>
</table>
</td></tr></table>
</body></html>
`;
}

/** The plain-text alternative of the email: the same figures, for clients that show no HTML. */
export function renderReportText(m: ReportModel): string {
  const lang = m.lang;
  const out: string[] = [];
  const hd = m.heading;
  if (hd.parentIssuer) out.push(hd.parentIssuer);
  out.push(hd.issuer, `${rt(lang, 'number')}: ${hd.number}`, '', hd.nation, hd.motto, hd.placeDate, '', m.title.toUpperCase());
  if (m.subtitle) out.push(m.subtitle);
  out.push('', ...m.summary.flatMap((p) => [p, '']));
  for (const k of m.kpis) {
    out.push(`${k.id}. ${k.name} (${rt(lang, 'target')}: ${k.target?.text ?? '—'})`);
    for (const r of k.rows) out.push(`  ${r.label}: ${r.display} (${formatInt(r.numerator, lang)}/${formatInt(r.denominator, lang)})${r.met === false ? ` — ${rt(lang, 'below')}` : ''}`);
    for (const t of k.trend) if (t.ratio !== null) out.push(`  ${rt(lang, t.kind)} (${t.label}): ${formatPercent(t.ratio, lang)}${t.delta === null ? '' : ` (${formatPoints(t.delta, lang)})`}`);
    if (k.below.length) out.push(`  ${rt(lang, 'below')}: ${k.below.slice(0, HTML_BELOW_LIST_MAX).map((b) => b.name).join('; ')}${k.below.length > HTML_BELOW_LIST_MAX ? '; …' : ''}`);
  }
  out.push('', ...m.notes.map((n) => `* ${n}`));
  return `${out.join('\n')}\n`;
}
