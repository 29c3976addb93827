// The dashboard's pages as HTML bodies (the frame is layout() in html.ts). Pure: data in, markup
// out; the routes in src/http/web.ts fetch the data (src/http/dashboard.ts) and pick the language.
import type { ExchangePage, Overview, AgencyPage, QueueHealth } from '../dashboard.js';
import { filterQuery } from '../../domain/exchange-filter.js';
import { KPI_IDS, type KpiId, type KpiValue } from '../../domain/kpi.js';
import { FLOWS, FORMS } from '../../domain/types.js';
import { lineChartSvg } from './chart.js';
import { h, percent, raw, type Html } from './html.js';
import { flowText, kpiText, t, type Lang } from './i18n.js';

const fmtDate = (d: Date | string | null, lang: Lang): string => {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
};

function periodForm(lang: Lang, action: string, period: string, extra: Html = raw('')): Html {
  return h`<form class="filters" method="get" action="${action}"><label>${t(lang, 'period')}<input name="period" value="${period}" pattern="\\d{4}(-Q[1-4])?" size="9"></label>${extra}<button type="submit">${t(lang, 'show')}</button></form>`;
}

function kpiStatus(v: KpiValue, lang: Lang): Html {
  if (v.needsPaperRegister) return h`<span class="muted">${t(lang, 'paper')}</span>`;
  if (v.met === true) return h`<span class="met">${t(lang, 'met')}</span>`;
  if (v.met === false) return h`<span class="below-mark">${t(lang, 'below')}</span>`;
  return h`—`;
}

const target = (v: KpiValue, lang: Lang) => (v.target === null ? '—' : `${v.targetOp ?? ''} ${percent(v.target, lang)}`);

export function kpiTable(kpis: Record<KpiId, KpiValue>, lang: Lang): Html {
  return h`<table class="kpis"><thead><tr><th>${t(lang, 'kpi')}</th><th></th><th>${t(lang, 'value')}</th><th>${t(lang, 'numerator')}</th><th>${t(lang, 'denominator')}</th><th>${t(lang, 'target')}</th><th>${t(lang, 'status')}</th></tr></thead><tbody>
  ${KPI_IDS.filter((k) => kpis[k]).map((k) => {
    const v = kpis[k];
    return h`<tr class="${v.met === false ? 'below' : ''}" data-kpi="${k}"><td>${k}</td><td>${kpiText(lang, k)}</td><td class="num">${percent(v.ratio, lang)}</td><td class="num">${v.numerator}</td><td class="num">${v.denominator}</td><td>${target(v, lang)}</td><td>${kpiStatus(v, lang)}</td></tr>`;
  })}</tbody></table>`;
}

function exportLinks(lang: Lang, base: string, query: string): Html {
  const sep = base.includes('?') ? '&' : '?';
  return h`<p class="exports">${t(lang, 'export')}: <a href="${base}${sep}${query}${query ? '&' : ''}format=csv" download>CSV</a> <a href="${base}${sep}${query}${query ? '&' : ''}format=xlsx" download>XLSX</a></p>`;
}

function trendChart(lang: Lang, tr: Overview['trend'], title: string): Html {
  return raw(lineChartSvg(tr.periods, tr.series.map((s) => ({ label: s.kpi, values: s.values })), { title }));
}

/** The KPIs shown in the ranking beside the one it is ranked by. */
const shownBeside = (rankBy: KpiId): KpiId[] => (['K1', 'K4e', 'K6'] as KpiId[]).filter((k) => k !== rankBy);

export function overviewBody(o: Overview, lang: Lang): Html {
  const rankSelect = h`<label>${t(lang, 'rankBy')}<select name="rank">${KPI_IDS.filter((k) => k !== 'K7').map((k) => h`<option value="${k}"${k === o.rankBy ? raw(' selected') : ''}>${k}</option>`)}</select></label>`;
  return h`${periodForm(lang, '/overview', o.period, rankSelect)}
  <p>${t(lang, 'messages')}: <strong>${o.messages.total ?? 0}</strong> · ${t(lang, 'exchanges')}: <strong>${o.exchanges}</strong></p>
  ${kpiTable(o.province, lang)}
  ${exportLinks(lang, '/api/overview', `period=${encodeURIComponent(o.period)}&rank=${o.rankBy}`)}
  <h2>${t(lang, 'trend')}</h2>
  ${trendChart(lang, o.trend, `${t(lang, 'trend')} ${o.trend.series.map((s) => s.kpi).join(', ')}`)}
  <h2>${t(lang, 'ranking')} (${o.rankBy}: ${kpiText(lang, o.rankBy)})</h2>
  ${o.agencies.length === 0 ? h`<p>${t(lang, 'none')}</p>` : h`<table class="ranking"><thead><tr><th>${t(lang, 'rank')}</th><th>${t(lang, 'agency')}</th><th>${o.rankBy}</th>${shownBeside(o.rankBy).map((k) => h`<th>${k}</th>`)}<th>${t(lang, 'below')}</th></tr></thead><tbody>
  ${o.agencies.map((a) => h`<tr class="${a.below.length ? 'below' : ''}" data-agency="${a.code}"><td class="num">${a.rank ?? '—'}</td><td><a href="/agencies/${encodeURIComponent(a.code)}?period=${encodeURIComponent(o.period)}">${a.name}</a> <span class="muted">${a.code}</span></td><td class="num">${percent(a.kpis[o.rankBy]?.ratio ?? null, lang)}</td>${shownBeside(o.rankBy).map((k) => h`<td class="num">${percent(a.kpis[k]?.ratio ?? null, lang)}</td>`)}<td>${a.below.length ? h`<span class="below-mark">${a.below.join(', ')}</span>` : '—'}</td></tr>`)}
  </tbody></table>`}`;
}

export function agencyBody(a: AgencyPage, lang: Lang): Html {
  return h`<p class="muted">${a.agency.code} · ${a.agency.level}</p>
  ${periodForm(lang, `/agencies/${encodeURIComponent(a.agency.code)}`, a.period)}
  ${a.kpis ? kpiTable(a.kpis, lang) : h`<p>${t(lang, 'none')}</p>`}
  ${exportLinks(lang, `/api/agencies/${encodeURIComponent(a.agency.code)}`, `period=${encodeURIComponent(a.period)}`)}
  <p><a href="/exchanges?${filterQueryFor(a.period, a.agency.code)}">${t(lang, 'nav.exchanges')} →</a></p>
  <h2>${t(lang, 'trend')}</h2>
  ${trendChart(lang, a.trend, `${t(lang, 'trend')} ${a.agency.name}`)}
  <h2>${t(lang, 'counterparties')}</h2>
  ${a.counterparties.length === 0 ? h`<p>${t(lang, 'none')}</p>` : h`<table class="counterparties"><thead><tr><th>${t(lang, 'agency')}</th><th>${t(lang, 'flow')}</th><th>${t(lang, 'sender')}→</th><th>→${t(lang, 'receiver')}</th></tr></thead><tbody>
  ${a.counterparties.map((c) => h`<tr><td>${c.agency ? h`${c.name ?? c.agency} <span class="muted">${c.agency}</span>` : h`<span class="muted">${flowText(lang, c.flow)}</span>`}</td><td>${flowText(lang, c.flow)}</td><td class="num">${c.sent}</td><td class="num">${c.received}</td></tr>`)}
  </tbody></table>`}
  <h2>${t(lang, 'mailboxes')}</h2>
  ${mailboxTable(a.mailboxes, lang, null)}`;
}

const filterQueryFor = (period: string, agency: string) => new URLSearchParams({ period, agency }).toString();

function select(name: string, label: string, values: readonly string[], current: string | null, lang: Lang, text: (v: string) => string = (v) => v): Html {
  return h`<label>${label}<select name="${name}"><option value="">${t(lang, 'any')}</option>${values.map((v) => h`<option value="${v}"${v === current ? raw(' selected') : ''}>${text(v)}</option>`)}</select></label>`;
}

export function exchangesBody(p: ExchangePage, lang: Lang, agencyLocked: boolean): Html {
  const f = p.filter;
  const yn = (v: boolean | null) => (v === null ? null : String(v));
  const ynText = (v: string) => (v === 'true' ? t(lang, 'yes') : t(lang, 'no'));
  const filters = h`<form class="filters" method="get" action="/exchanges">
    <label>${t(lang, 'period')}<input name="period" value="${f.period.id}" size="9"></label>
    ${agencyLocked ? '' : h`<label>${t(lang, 'agency')}<input name="agency" value="${f.agency ?? ''}" size="14"></label>`}
    ${select('flow', t(lang, 'flow'), FLOWS, f.flow, lang, (v) => flowText(lang, v))}
    ${select('form', t(lang, 'form'), FORMS, f.form, lang)}
    ${select('signed', t(lang, 'signed'), ['true', 'false'], yn(f.signed), lang, ynText)}
    ${select('scanned', t(lang, 'scanned'), ['true', 'false'], yn(f.scanned), lang, ynText)}
    <label>${t(lang, 'party')}<input name="party" value="${f.party ?? ''}" size="22"></label>
    <button type="submit">${t(lang, 'show')}</button></form>`;
  const q = filterQuery(f);
  return h`${filters}
  ${exportLinks(lang, '/api/exchanges', q)}
  ${p.items.length === 0 ? h`<p>${t(lang, 'none')}</p>` : h`<table class="exchanges"><thead><tr><th>${t(lang, 'date')}</th><th>${t(lang, 'document')}</th><th>${t(lang, 'sender')}</th><th>${t(lang, 'receiver')}</th><th>${t(lang, 'flow')}</th><th>${t(lang, 'form')}</th><th>${t(lang, 'digitization')}</th><th>${t(lang, 'signed')}</th><th></th></tr></thead><tbody>
  ${p.items.map((e) => h`<tr data-id="${e.id}"><td>${fmtDate(e.msg_date, lang)}</td><td>${e.document ?? '—'}${e.secret ? h` <span class="below-mark">mật</span>` : ''}</td><td>${e.sender_address ?? ''}<br><span class="muted">${e.sender_agency ?? e.sender_kind}</span></td><td>${e.receiver_address ?? ''}<br><span class="muted">${e.receiver_agency ?? e.receiver_kind}</span></td><td>${flowText(lang, e.flow)}</td><td>${e.form ?? '—'}</td><td>${e.digitization}</td><td>${e.signed ? t(lang, 'yes') : t(lang, 'no')}</td><td><a href="/exchanges/${e.id}">${t(lang, 'details')}</a></td></tr>`)}
  </tbody></table>`}
  <p>${f.cursor ? h`<a href="/exchanges?${q}">${t(lang, 'first')}</a> ` : ''}${p.next ? h`<a rel="next" href="/exchanges?${filterQuery(f, { cursor: p.next })}">${t(lang, 'next')} →</a>` : ''}</p>`;
}

export interface MailboxView {
  id: number;
  agency: string;
  host: string;
  port: number;
  security: string;
  user: string;
  folders: string[];
  enabled: boolean;
  max_messages_per_second: number | null;
  last_sync: string | null;
  lag_seconds: number | null;
  last_error: string | null;
}

/** Mailboxes as a table; with a CSRF token (admins) each row carries its edit, disable and sync forms. */
export function mailboxTable(list: MailboxView[], lang: Lang, csrf: string | null): Html {
  if (list.length === 0) return h`<p>${t(lang, 'none')}</p>`;
  return h`<table class="mailboxes"><thead><tr><th>id</th><th>${t(lang, 'agency')}</th><th>${t(lang, 'mb.user')}</th><th>${t(lang, 'mb.enabled')}</th><th>${t(lang, 'mb.lastSync')}</th><th>${t(lang, 'mb.lag')}</th><th>${t(lang, 'mb.error')}</th>${csrf ? h`<th></th>` : ''}</tr></thead><tbody>
  ${list.map((m) => h`<tr data-mailbox="${m.id}"><td>${m.id}</td><td>${m.agency}</td><td>${m.user}<br><span class="muted">${m.host}:${m.port} (${m.security}) · ${m.folders.join(', ')}</span></td><td>${m.enabled ? t(lang, 'yes') : t(lang, 'no')}</td><td>${fmtDate(m.last_sync, lang)}</td><td class="num">${m.lag_seconds ?? '—'}</td><td class="error">${m.last_error ?? ''}</td>
  ${csrf ? h`<td>
    <form method="post" action="/admin/mailboxes/${m.id}" class="filters"><input type="hidden" name="_csrf" value="${csrf}">
      <label>${t(lang, 'mb.folders')}<input name="folders" value="${m.folders.join(',')}" size="14"></label>
      <label>${t(lang, 'mb.rate')}<input name="rate" value="${m.max_messages_per_second ?? ''}" size="4"></label>
      <button type="submit">${t(lang, 'mb.save')}</button></form>
    <form method="post" action="/admin/mailboxes/${m.id}/${m.enabled ? 'disable' : 'enable'}"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">${m.enabled ? t(lang, 'mb.disable') : t(lang, 'mb.enable')}</button></form>
    <form method="post" action="/admin/mailboxes/${m.id}/sync"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">${t(lang, 'mb.syncNow')}</button></form>
  </td>` : ''}</tr>`)}
  </tbody></table>`;
}

export function mailboxesBody(list: MailboxView[], agencies: Array<{ code: string; name: string }>, lang: Lang, csrf: string, notice: { ok: boolean; text: string } | null): Html {
  return h`${notice ? h`<p class="${notice.ok ? 'notice' : 'error'}" role="status">${notice.text}</p>` : ''}
  ${mailboxTable(list, lang, csrf)}
  ${exportLinks(lang, '/api/mailboxes', '')}
  <h2>${t(lang, 'mb.add')}</h2>
  <form method="post" action="/admin/mailboxes" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
    <label>${t(lang, 'agency')} <select name="agency" required>${agencies.map((a) => h`<option value="${a.code}">${a.name} (${a.code})</option>`)}</select></label>
    <label>${t(lang, 'mb.host')} <input name="host" required></label>
    <label>${t(lang, 'mb.port')} <input name="port" inputmode="numeric" pattern="\\d{1,5}" placeholder="993"></label>
    <label>${t(lang, 'mb.security')} <select name="security"><option value="tls">TLS (993)</option><option value="starttls">STARTTLS (143)</option><option value="none">none (loopback)</option></select></label>
    <label>${t(lang, 'mb.user')} <input name="user" required autocomplete="off"></label>
    <label>${t(lang, 'login.password')} <input name="password" type="password" required autocomplete="new-password"></label>
    <label>${t(lang, 'mb.folders')} <input name="folders" value="INBOX"></label>
    <button type="submit">${t(lang, 'mb.add')}</button>
  </form>`;
}

export function queuesBody(q: QueueHealth, lang: Lang): Html {
  if (!q.queues) return h`<p class="error">${t(lang, 'q.unavailable')}: ${q.error ?? ''}</p>`;
  const states = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'];
  return h`<table class="queues"><thead><tr><th>${t(lang, 'q.queue')}</th>${states.map((s) => h`<th>${s}</th>`)}</tr></thead><tbody>
  ${Object.entries(q.queues).map(([name, c]) => h`<tr data-queue="${name}"><td>${name}</td>${states.map((s) => h`<td class="num">${c[s] ?? 0}</td>`)}</tr>`)}
  </tbody></table>${exportLinks(lang, '/api/queues', '')}`;
}

export function loginBody(lang: Lang, csrf: string, error: string | null, next: string): Html {
  return h`${error ? h`<p class="error" role="alert">${error}</p>` : ''}
  <form method="post" action="/login" class="stack"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
    <label>${t(lang, 'login.name')} <input name="name" autocomplete="username" required autofocus></label>
    <label>${t(lang, 'login.password')} <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit">${t(lang, 'login.submit')}</button>
  </form>`;
}

export function errorBody(message: string): Html {
  return h`<p class="error">${message}</p>`;
}
