// The dashboard's pure parts: ranking and trend axis, the SVG chart, HTML escaping, export cells,
// language choice, sign-in redirects, form parsing and the status of each error.
import { describe, expect, it } from 'vitest';
import { rankAgencies, trendPeriods } from '../../src/domain/ranking.js';
import type { KpiValue } from '../../src/domain/kpi.js';
import { lineChartSvg } from '../../src/http/views/chart.js';
import { esc, h, langHref, raw } from '../../src/http/views/html.js';
import { pickLang, t } from '../../src/http/views/i18n.js';
import { neutralize, renderExport } from '../../src/http/export.js';
import { isPublicPath, safeNext } from '../../src/http/auth.js';
import { parseMailboxChange, parseNewMailbox } from '../../src/http/mailbox-admin.js';
import { errorResponse } from '../../src/http/app.js';
import { PeriodError } from '../../src/domain/period.js';
import { EdocError, ForbiddenError, NotFoundError, WebInputError } from '../../src/errors.js';
import ExcelJS from 'exceljs';

const v = (ratio: number | null, met: boolean | null = null, targetOp?: '<' | '>='): KpiValue => ({ numerator: 0, denominator: 0, ratio, target: met === null ? null : 0.5, met, ...(targetOp ? { targetOp } : {}) });
const table = (k1: number | null, k1s: number | null = null, met: boolean | null = null) => ({ K1: v(k1, met, '>='), K1s: v(k1s, null, '<') }) as never;

describe('rankAgencies', () => {
  const names = new Map([['A', { name: 'Sở A', level: 'department' }], ['B', { name: 'Sở B', level: 'department' }]]);

  it('ranks by ratio, best first, shares ranks on ties and puts agencies without a ratio last', () => {
    const r = rankAgencies({ C: table(0.5), A: table(0.9), B: table(0.5), D: table(null) }, names, 'K1');
    expect(r.map((a) => [a.code, a.rank])).toEqual([['A', 1], ['B', 2], ['C', 2], ['D', null]]);
    expect(r[0]?.name).toBe('Sở A');
    expect(r[2]?.name).toBe('C');
  });

  it('ranks an upper-bound KPI (K1s) ascending', () => {
    const r = rankAgencies({ A: { K1s: v(0.6, null, '<') } as never, B: { K1s: v(0.1, null, '<') } as never }, names, 'K1s');
    expect(r.map((a) => a.code)).toEqual(['B', 'A']);
  });

  it('lists the KPIs an agency is below target on', () => {
    const r = rankAgencies({ A: table(0.2, null, false), B: table(0.9, null, true) }, names, 'K1');
    expect(r.find((a) => a.code === 'A')?.below).toEqual(['K1']);
    expect(r.find((a) => a.code === 'B')?.below).toEqual([]);
  });
});

describe('trendPeriods', () => {
  it('goes back n quarters across years, or n years', () => {
    expect(trendPeriods('2026-Q2', 4)).toEqual(['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2']);
    expect(trendPeriods('2026', 3)).toEqual(['2024', '2025', '2026']);
    expect(trendPeriods('1995-Q2', 8)).toEqual(['1995-Q1', '1995-Q2']);
  });
});

describe('lineChartSvg', () => {
  it('draws one point per value, breaks lines at gaps, escapes labels and draws the target', () => {
    const svg = lineChartSvg(['Q1', 'Q2', 'Q3', 'Q4'], [{ label: '<K1>', values: [0.1, null, 0.5, 0.6] }], { title: 'Xu hướng & "K1"', target: 0.8 });
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg).toContain('&lt;K1&gt;');
    expect(svg).not.toContain('<K1>');
    expect(svg).toContain('Xu hướng &amp; &quot;K1&quot;');
    expect(svg).toContain('class="target"');
    expect(svg).not.toMatch(/style=|<script/);
  });

  it('keeps out-of-range values inside the plot', () => {
    const svg = lineChartSvg(['a'], [{ label: 's', values: [7] }], { title: 't', height: 200 });
    const cy = Number(/cy="([\d.]+)"/.exec(svg)?.[1]);
    expect(cy).toBeGreaterThanOrEqual(16);
  });
});

describe('HTML', () => {
  it('escapes everything interpolated unless it is already HTML', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(h`<p>${'<b>'}${raw('<i>ok</i>')}${['<', raw('>')]}${null}${false}${0}</p>`.html).toBe('<p>&lt;b&gt;<i>ok</i>&lt;>0</p>');
  });

  it('switches the language in a link, keeping the query', () => {
    expect(langHref('/exchanges?period=2026-Q3&lang=vi', 'en')).toBe('/exchanges?period=2026-Q3&lang=en');
    expect(langHref('/overview', 'en')).toBe('/overview?lang=en');
  });

  it('speaks Vietnamese unless English is asked for, in the query or the cookie', () => {
    expect(pickLang(undefined, undefined)).toBe('vi');
    expect(pickLang('en', 'vi')).toBe('en');
    expect(pickLang(undefined, 'en')).toBe('en');
    expect(pickLang('fr', 'de')).toBe('vi');
    expect(t('en', 'login.title')).toBe('Sign in');
    expect(t('vi', 'login.title')).toBe('Đăng nhập');
    expect(t('en', 'no.such.key')).toBe('no.such.key');
  });
});

describe('exports', () => {
  it('neutralizes text a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+84 912', '-x', '@SUM(A1)', '\tA', 'ok', 5, null, true].map((c) => neutralize(c as never))).toEqual(["'=1+1", "'+84 912", "'-x", "'@SUM(A1)", "'\tA", 'ok', 5, null, true]);
  });

  it('writes CSV with a BOM and quoting, and XLSX that opens', async () => {
    const t1 = { name: 'test', columns: [{ key: 'a', header: 'Cơ quan' }, { key: 'b', header: 'n' }], rows: [{ a: 'Sở "Tài chính", tỉnh', b: 3 }, { a: '=cmd', b: null }] };
    const csv = await renderExport(t1, 'csv');
    expect(csv.filename).toBe('test.csv');
    const text = csv.body.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.replace('\uFEFF', '').split('\n').slice(0, 3)).toEqual(['Cơ quan,n', '"Sở ""Tài chính"", tỉnh",3', "'=cmd,"]);
    const xlsx = await renderExport(t1, 'xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    expect(wb.worksheets[0]?.getRow(2).getCell(1).value).toBe('Sở "Tài chính", tỉnh');
    expect(wb.worksheets[0]?.getRow(3).getCell(1).value).toBe("'=cmd");
  });
});

describe('sign-in redirects and public paths', () => {
  it.each([
    ['/exchanges?period=2026-Q3', '/exchanges?period=2026-Q3'],
    ['//evil.example/x', null],
    ['/\\evil.example', null],
    ['https://evil.example', null],
    ['/login?next=/x', null],
    [42, null],
  ])('takes %j as %j', (next, want) => {
    expect(safeNext(next)).toBe(want);
  });

  it('opens health, metrics, sign-in, assets and the API description without a session', () => {
    expect(['/health', '/metrics', '/login?next=%2F', '/assets/app.css', '/api/docs', '/api/docs/json'].every(isPublicPath)).toBe(true);
    expect(['/', '/api/me', '/overview', '/api/docsx', '/loginx'].some(isPublicPath)).toBe(false);
  });
});

describe('mailbox forms', () => {
  it('reads the add form with defaults by security', () => {
    expect(parseNewMailbox({ agency: 'A', host: 'imap.x.vn', user: 'u', password: 'p' })).toEqual({ agency: 'A', host: 'imap.x.vn', port: 993, security: 'tls', user: 'u', password: 'p', folders: ['INBOX'] });
    expect(parseNewMailbox({ agency: 'A', host: 'h', user: 'u', password: 'p', security: 'starttls', folders: 'INBOX, Sent ,' })).toMatchObject({ port: 143, folders: ['INBOX', 'Sent'] });
    expect(parseNewMailbox({ agency: 'A', host: 'h', user: 'u', password: 'p', security: 'none', port: '10143' }).port).toBe(10143);
  });

  it.each([
    [{ host: 'h', user: 'u', password: 'p' }, 'agency'],
    [{ agency: 'A', host: 'a b', user: 'u', password: 'p' }, 'host'],
    [{ agency: 'A', host: 'h', password: 'p' }, 'user'],
    [{ agency: 'A', host: 'h', user: 'u' }, 'password'],
    [{ agency: 'A', host: 'h', user: 'u', password: 'p', security: 'ssl' }, 'security'],
    [{ agency: 'A', host: 'h', user: 'u', password: 'p', port: '70000' }, 'port'],
    [{ agency: 'A', host: 'h', user: 'u', password: 'p', port: '9x' }, 'port'],
    [{ agency: 'A', host: 'h', user: 'u', password: 'p', folders: ' , ' }, 'folders'],
  ])('refuses %o for its %s', (body, field) => {
    expect(() => parseNewMailbox(body)).toThrow(new RegExp(`^${field}:`));
  });

  it('reads a change', () => {
    expect(parseMailboxChange({ rate: '2.5', enabled: 'false', folders: ['INBOX'] })).toEqual({ rate: 2.5, enabled: false, folders: ['INBOX'] });
    expect(parseMailboxChange({ rate: '' })).toEqual({ rate: null });
    expect(parseMailboxChange({})).toEqual({});
    expect(() => parseMailboxChange({ rate: '-1' })).toThrow(WebInputError);
    expect(() => parseMailboxChange({ enabled: 'yes' })).toThrow(WebInputError);
  });
});

describe('errorResponse', () => {
  it('maps each error to its status without leaking internals', () => {
    expect(errorResponse(new PeriodError('x', 'not a period')).status).toBe(400);
    expect(errorResponse(new WebInputError('bad')).status).toBe(400);
    expect(errorResponse(new ForbiddenError())).toMatchObject({ status: 403, error: 'forbidden' });
    expect(errorResponse(new NotFoundError('gone'))).toMatchObject({ status: 404, error: 'not_found' });
    expect(errorResponse(new EdocError('E_IMAP_AUTH', 'refused', 3))).toMatchObject({ status: 502, error: 'e_imap_auth' });
    expect(errorResponse(Object.assign(new Error('x'), { code: 'FST_CSRF_INVALID_TOKEN', statusCode: 403 }))).toMatchObject({ status: 403, error: 'csrf' });
    expect(errorResponse(Object.assign(new Error('slow down'), { statusCode: 429 }))).toMatchObject({ status: 429, error: 'rate_limited' });
    expect(errorResponse(new Error('password=hunter2 in a stack'))).toEqual({ status: 500, error: 'internal', message: 'lỗi máy chủ / internal error' });
  });
});
