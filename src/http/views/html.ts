// Server-side HTML: escaping and the page frame every page shares. Pure string building: no
// template engine, no client script (the pages work without JavaScript; charts are inline SVG).
// Every value that comes from data goes through esc(); attributes are always double-quoted.
import type { Lang } from './i18n.js';
import { t } from './i18n.js';
import type { WebUser } from '../../domain/access.js';

export function esc(v: unknown): string {
  return String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A string already escaped (built by these helpers). */
export interface Html {
  readonly html: string;
}

export const raw = (html: string): Html => ({ html });

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of Html). */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in (v as object)) return (v as Html).html;
  return esc(v);
}

export function percent(ratio: number | null, lang: Lang): string {
  if (ratio === null) return '—';
  return `${(ratio * 100).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 })}%`;
}

export function langHref(path: string, lang: Lang): string {
  const u = new URL(path, 'http://local');
  u.searchParams.set('lang', lang);
  return `${u.pathname}${u.search}`;
}

export function layout(o: { lang: Lang; title: string; user: WebUser | null; body: Html; path: string; csrf?: string }): string {
  const { lang, user } = o;
  const other: Lang = lang === 'vi' ? 'en' : 'vi';
  const switchHref = langHref(o.path, other);
  const nav = user
    ? h`<nav><ul>
        ${user.role !== 'agency' ? h`<li><a href="/overview">${t(lang, 'nav.overview')}</a></li>` : h`<li><a href="/agencies/${user.agencyCode}">${t(lang, 'nav.myAgency')}</a></li>`}
        <li><a href="/exchanges">${t(lang, 'nav.exchanges')}</a></li>
        <li><a href="/reports">${t(lang, 'nav.reports')}</a></li>
        ${user.role === 'admin' ? h`<li><a href="/admin/mailboxes">${t(lang, 'nav.mailboxes')}</a></li><li><a href="/admin/queues">${t(lang, 'nav.queues')}</a></li>` : ''}
        <li><a href="/api/docs">API</a></li>
      </ul>
      <form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${o.csrf ?? ''}"><span>${user.name} (${t(lang, `role.${user.role}`)})</span> <button type="submit">${t(lang, 'nav.logout')}</button></form>
    </nav>`
    : h``;
  return `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} — edocwatch</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body>
<header><a class="brand" href="/">edocwatch</a> <a class="lang" href="${esc(switchHref)}">${other === 'en' ? 'English' : 'Tiếng Việt'}</a>${nav.html}</header>
<main>
<h1>${esc(o.title)}</h1>
${o.body.html}
</main>
</body></html>`;
}

export const STYLESHEET = `
*{box-sizing:border-box}body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#0b4f8a;color:#fff}
header a{color:#fff}header .brand{font-weight:bold;text-decoration:none;font-size:1.1rem}
nav{display:flex;flex:1;justify-content:space-between;align-items:center}nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.logout{display:flex;gap:.5rem;align-items:center}main{padding:1rem 1.5rem;max-width:1280px}
table{border-collapse:collapse;background:#fff;margin:.5rem 0 1rem}th,td{border:1px solid #d0d5dc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#e8edf3}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.below td{background:#fdecea}
.below-mark{color:#b3261e;font-weight:bold}.met{color:#146c2e}.error{color:#b3261e}.notice{color:#146c2e}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.5rem 0}form.filters label{display:flex;flex-direction:column;font-size:.85rem}
form.stack label{display:block;margin:.4rem 0}form.stack input,form.stack select{min-width:18rem}
.exports a{margin-right:.8rem}form.correct{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:0}
tr.overridden td{background:#fff8e1}.override form{margin-top:.3rem}.ev+.ev{margin-top:.2rem}
.sig{font-weight:600}.sig.valid{color:#1b5e20}.sig.invalid{color:#b71c1c}.sig.unverified{color:#8d6e00}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}.chart{background:#fff;border:1px solid #d0d5dc}.muted{color:#5f6b7a}
pre{white-space:pre-wrap;background:#fff;border:1px solid #d0d5dc;padding:.5rem}
`;
