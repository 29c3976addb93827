// The web app's API and pages scoped by role, on a real Postgres and Redis through Fastify's inject
// (no port): every endpoint tried as admin, analyst and agency user, including other agencies'
// ids; label corrections (who may correct, the figures that follow, the audit); sign-in limits,
// CSRF, sessions ended by `user disable`, security headers, keyset pages and exports. Data from
// the demo generator, analyzed by the real pipeline code.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createQueues, type Queues } from '../../src/queue/queues.js';
import type { Config } from '../../src/config/config.js';
import { accountCounts, exchangeCounts, provinceExchangeCounts } from '../../src/db/stats.js';
import { computeKpis, type Targets } from '../../src/domain/kpi.js';
import { parsePeriod } from '../../src/domain/period.js';
import { FLOWS } from '../../src/domain/types.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { loadDemoData } from '../helpers/web-data.js';
import { WebClient } from '../helpers/web-session.js';
import { buildReport } from '../../src/report/build.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { simpleParser } from 'mailparser';
import { pdfText, xlsxSheets } from '../helpers/report-files.js';

const OWN = '000.00.03.H30'; // Sở Tài chính, monitored by the demo
const OTHER = '000.00.02.H30'; // Sở Nội vụ
const PW = 'mật-khẩu-đủ-dài-1';
const now = () => new Date('2026-10-05T03:00:00Z');

describe('web API scoped by role', () => {
  let t: TestEnv;
  let pool: Pool;
  let queues: Queues;
  let config: Config;
  let mailboxes: Map<string, number>;
  let smtp: SmtpReceiver;
  /** Archived report ids: the province's, the own agency's, another agency's. */
  const reports = { province: 0, own: 0, other: 0 };
  const app = () => buildApp({ pool, config }, { now, queues: () => queues });
  const clients: Record<'admin' | 'analyst' | 'agency', WebClient> = {} as never;

  beforeAll(async () => {
    t = await createTestEnv('webapi');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    smtp = await startSmtpReceiver();
    config = {
      ...t.config,
      smtpUrl: smtp.url,
      reports: { ...t.config.reports, from: 'Sở Khoa học và Công nghệ <baocao@skhcn.sonminh.gov.vn>', recipients: { province: ['lanhdao@ubnd.sonminh.gov.vn'], agencies: {} } },
      web: { ...t.config.web, loginFailuresPerAccount: 3, loginPerIpPerMinute: 1000 },
    };
    queues = createQueues(config, config.queuePrefix);
    await queues.sync.obliterate({ force: true });
    mailboxes = await loadDemoData(pool, { count: 36, period: '2026-Q3', attachmentShare: 0.2 });
    for (const [k, scope] of [['province', 'province'], ['own', OWN], ['other', OTHER]] as const)
      reports[k] = (await buildReport({ pool, config }, '2026-Q3', { scope, builtBy: 'test', now: now() })).buildId;
    process.env.WEB_PW = PW;
    for (const [name, role, agency] of [['admin', 'admin', null], ['analyst', 'analyst', null], ['stc', 'agency', OWN]] as const) {
      const r = await cli('user', 'add', '--name', name, '--role', role, ...(agency ? ['--agency', agency] : []), '--password-env', 'WEB_PW');
      expect(r.code, r.stderr).toBe(0);
    }
    const a = app();
    for (const [k, name] of [['admin', 'admin'], ['analyst', 'analyst'], ['agency', 'stc']] as const) {
      clients[k] = new WebClient(a);
      const r = await clients[k].signIn(name, PW);
      expect(r.statusCode, r.body).toBe(303);
    }
  });

  afterAll(async () => {
    await queues?.sync.obliterate({ force: true }).catch(() => undefined);
    await queues?.close();
    await pool?.end();
    await smtp?.close();
  });

  it('lands each role on its home page after sign-in', async () => {
    const c = new WebClient(app());
    const r = await c.signIn('stc', PW);
    expect(r.headers.location).toBe(`/agencies/${OWN}`);
    const admin = await new WebClient(app()).signIn('admin', PW);
    expect(admin.headers.location).toBe('/overview');
  });

  it('refuses requests without a session: 401 for the API, a redirect to sign-in for pages', async () => {
    const a = app();
    expect((await a.inject({ url: '/api/overview' })).statusCode).toBe(401);
    const page = await a.inject({ url: '/exchanges?period=2026-Q3' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fexchanges%3Fperiod%3D2026-Q3');
    expect((await a.inject({ url: '/health' })).statusCode).toBe(200);
  });

  // [method, url, expected status for admin, analyst, agency]
  const matrix: Array<[string, string, number, number, number]> = [
    ['GET', '/api/me', 200, 200, 200],
    ['GET', '/api/overview?period=2026-Q3', 200, 200, 403],
    ['GET', `/api/agencies/${OWN}?period=2026-Q3`, 200, 200, 200],
    ['GET', `/api/agencies/${OTHER}?period=2026-Q3`, 200, 200, 403],
    ['GET', `/api/agencies/${OTHER}?period=2026-Q3&format=csv`, 200, 200, 403],
    ['GET', '/api/agencies', 200, 200, 200],
    ['GET', '/api/exchanges?period=2026-Q3', 200, 200, 200],
    ['GET', `/api/exchanges?period=2026-Q3&agency=${OWN}`, 200, 200, 200],
    ['GET', `/api/exchanges?period=2026-Q3&agency=${OTHER}`, 200, 200, 403],
    ['GET', `/api/exchanges?period=2026-Q3&agency=${OTHER}&format=xlsx`, 200, 200, 403],
    ['GET', '/api/mailboxes', 200, 403, 403],
    ['GET', '/api/mailboxes?format=csv', 200, 403, 403],
    ['GET', '/api/queues', 200, 403, 403],
    ['GET', '/api/audit', 200, 403, 403],
    ['GET', '/api/stats?period=2026-Q3', 200, 200, 200],
    ['GET', `/api/stats?period=2026-Q3&agency=${OTHER}`, 200, 200, 403],
    ['GET', '/api/status', 200, 403, 403],
    ['GET', '/report/2026-Q3', 200, 200, 403],
    ['GET', '/overview?period=2026-Q3', 200, 200, 403],
    ['GET', `/agencies/${OWN}?period=2026-Q3`, 200, 200, 200],
    ['GET', `/agencies/${OTHER}?period=2026-Q3`, 200, 200, 403],
    ['GET', `/exchanges?period=2026-Q3&agency=${OTHER}`, 200, 200, 403],
    ['GET', '/admin/mailboxes', 200, 403, 403],
    ['GET', '/admin/queues', 200, 403, 403],
    ['GET', '/api/reports', 200, 200, 200],
    ['GET', '/api/reports?period=2026-Q9', 400, 400, 400],
    ['GET', '/reports', 200, 200, 200],
  ];

  it.each(matrix)('%s %s answers admin %i, analyst %i, agency %i', async (_m, url, admin, analyst, agency) => {
    for (const [role, want] of [['admin', admin], ['analyst', analyst], ['agency', agency]] as const) {
      const r = await clients[role].get(url, { accept: url.startsWith('/api/') ? 'application/json' : 'text/html' });
      expect(r.statusCode, `${role} ${url}: ${r.body.slice(0, 200)}`).toBe(want);
      if (want === 403) {
        // No data in a refusal: only the error.
        if (url.startsWith('/api/')) expect(Object.keys(r.json() as object).sort()).toEqual(['error', 'message']);
        expect(r.body).not.toContain('Sở Nội vụ');
      }
    }
  });

  it('gives an agency user only exchanges with its agency on one side, in lists, exports and by id', async () => {
    const mine = (await clients.agency.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { agency: string; items: Array<{ id: number; sender_agency: string | null; receiver_agency: string | null }> };
    expect(mine.agency).toBe(OWN);
    expect(mine.items.length).toBeGreaterThan(0);
    for (const e of mine.items) expect([e.sender_agency, e.receiver_agency]).toContain(OWN);
    const all = (await clients.analyst.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Array<{ id: number; sender_agency: string | null; receiver_agency: string | null }> };
    expect(all.items.length).toBeGreaterThan(mine.items.length);
    const foreign = all.items.find((e) => e.sender_agency !== OWN && e.receiver_agency !== OWN);
    expect(foreign).toBeDefined();
    const id = (foreign as { id: number }).id;
    expect((await clients.agency.get(`/api/exchanges/${id}`)).statusCode).toBe(404);
    expect((await clients.agency.get(`/exchanges/${id}`, { accept: 'text/html' })).statusCode).toBe(404);
    const detail = await clients.analyst.get(`/api/exchanges/${id}`);
    expect(detail.statusCode).toBe(200);
    const d = detail.json() as { evidence: unknown[]; messages: unknown[] };
    expect(d.evidence.length).toBeGreaterThan(0);
    expect(d.messages.length).toBeGreaterThan(0);
    // The CSV export of an agency user holds its own exchanges only.
    const csv = await clients.agency.get('/api/exchanges?period=2026-Q3&format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toMatch(/^id,date,document,sender/);
    expect(lines.length - 1).toBe(mine.items.length);
    expect(csv.body).not.toContain(`,${String(id)},`);
    // A province-wide agency list, filtered to the user's agency.
    const agencies = (await clients.agency.get('/api/agencies')).json() as Array<{ code: string }>;
    expect(agencies.map((a) => a.code)).toEqual([OWN]);
    const stats = (await clients.agency.get('/api/stats?period=2026-Q3')).json() as { agencies: Record<string, unknown> };
    expect(Object.keys(stats.agencies)).toEqual([OWN]);
  });

  it("lists archived reports by role: every one for admins and analysts, an agency user's own only, others' ids not found", async () => {
    type List = { items: Array<{ id: number; scope: string; number: string; downloads: Record<string, string> }> };
    const all = (await clients.analyst.get('/api/reports')).json() as List;
    expect(all.items.map((b) => b.id)).toEqual([reports.other, reports.own, reports.province]);
    expect(all.items.find((b) => b.id === reports.province)?.number).toBe('01/BC-UBND');
    expect(all.items.find((b) => b.id === reports.own)?.downloads).toEqual({ html: `/api/reports/${reports.own}/html`, pdf: `/api/reports/${reports.own}/pdf`, xlsx: `/api/reports/${reports.own}/xlsx` });
    const mine = (await clients.agency.get('/api/reports')).json() as List;
    expect(mine.items.map((b) => [b.id, b.scope])).toEqual([[reports.own, OWN]]);
    for (const format of ['html', 'pdf', 'xlsx']) {
      for (const [id, agencyStatus] of [[reports.own, 200], [reports.other, 404], [reports.province, 404]] as const) {
        expect((await clients.admin.get(`/api/reports/${id}/${format}`)).statusCode, `admin ${id} ${format}`).toBe(200);
        expect((await clients.analyst.get(`/api/reports/${id}/${format}`)).statusCode, `analyst ${id} ${format}`).toBe(200);
        const r = await clients.agency.get(`/api/reports/${id}/${format}`);
        expect(r.statusCode, `agency ${id} ${format}`).toBe(agencyStatus);
        if (agencyStatus === 404) expect(r.body).not.toContain('Sở Nội vụ');
      }
    }
    expect((await clients.admin.get('/api/reports/999999/pdf')).statusCode).toBe(404);
    expect((await clients.admin.get(`/api/reports/${reports.own}/docx`)).statusCode).toBe(400);
    // The downloads hold the report's figures, as stats gives them for the agency.
    const stats = (await clients.agency.get('/api/stats?period=2026-Q3')).json() as { province: Record<string, { numerator: number; denominator: number }> };
    const pdf = await clients.agency.get(`/api/reports/${reports.own}/pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe(`attachment; filename="bao-cao-thu-cong-vu-2026-Q3-${OWN}.pdf"`);
    const text = (await pdfText(pdf.rawPayload)).text.replace(/\s+/g, ' ');
    expect(text).toContain('của Sở Tài chính');
    expect(text).toContain(`Sở Tài chính ${stats.province.K5?.numerator} ${stats.province.K5?.denominator}`);
    const sheets = await xlsxSheets((await clients.agency.get(`/api/reports/${reports.own}/xlsx`)).rawPayload);
    expect(sheets[0]?.rows.find((r) => r?.[0] === 'K5')?.slice(2, 4)).toEqual([stats.province.K5?.numerator, stats.province.K5?.denominator]);
    const html = await clients.agency.get(`/api/reports/${reports.own}/html`);
    expect(html.body).toContain('src="data:image/png;base64,');
    expect(html.body).not.toContain('cid:');
    expect(String(html.headers['content-security-policy'])).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    // The page lists the same, with resend forms for admins only.
    const page = await clients.agency.get('/reports', { accept: 'text/html' });
    expect(page.body).toContain('Lưu trữ báo cáo');
    expect(page.body).toContain(`data-report="${reports.own}"`);
    expect(page.body).not.toContain(`data-report="${reports.province}"`);
    expect(page.body).not.toContain('/resend');
    expect((await clients.admin.get('/reports?lang=en', { accept: 'text/html' })).body).toContain(`action="/reports/${reports.province}/resend"`);
  });

  it('lets only admins resend an archived report, with a CSRF token, as it was, and audits it', async () => {
    const url = `/api/reports/${reports.province}/resend`;
    expect((await clients.admin.send('POST', url, {})).json()).toMatchObject({ error: 'csrf' });
    expect((await clients.analyst.send('POST', url, {}, { 'x-csrf-token': await clients.analyst.apiToken() })).statusCode).toBe(403);
    expect((await clients.agency.send('POST', `/api/reports/${reports.own}/resend`, {}, { 'x-csrf-token': await clients.agency.apiToken() })).statusCode).toBe(403);
    const token = await clients.admin.apiToken();
    expect((await clients.admin.send('POST', url, { to: ['not an address'] }, { 'x-csrf-token': token })).statusCode).toBe(400);
    const n = smtp.received.length;
    const r = await clients.admin.send('POST', url, {}, { 'x-csrf-token': token });
    expect(r.statusCode, r.body).toBe(200);
    expect((r.json() as { results: Array<{ recipient: string; status: string }> }).results.map((x) => [x.recipient, x.status])).toEqual([['lanhdao@ubnd.sonminh.gov.vn', 'sent']]);
    expect(smtp.received).toHaveLength(n + 1);
    const mail = await simpleParser(smtp.received.at(-1)?.raw as Buffer);
    expect(mail.subject).toBe('Báo cáo tình hình sử dụng thư điện tử công vụ quý III năm 2026');
    const archivedPdf = (await clients.admin.get(`/api/reports/${reports.province}/pdf`)).rawPayload;
    expect(mail.attachments.find((a) => a.contentType === 'application/pdf')?.content.equals(archivedPdf)).toBe(true);
    const form = await clients.admin.send('POST', `/reports/${reports.province}/resend`, new URLSearchParams({ _csrf: clients.admin.csrf, to: 'vanphong@sonminh.gov.vn' }).toString(), { accept: 'text/html' });
    expect(form.statusCode, form.body.slice(0, 300)).toBe(303);
    expect(form.headers.location).toBe('/reports?done=resent&n=1');
    expect(smtp.received.at(-1)?.to).toEqual(['vanphong@sonminh.gov.vn']);
    const log = (await clients.admin.get('/api/audit')).json() as Array<{ action: string; target: string }>;
    expect(log.filter((e) => e.action === 'report_resend').map((e) => e.target)).toEqual([`report:${reports.province}`, `report:${reports.province}`]);
    const { rows } = await pool.query<{ kind: string; build_id: string }>(`SELECT kind, build_id FROM report_deliveries ORDER BY id`);
    expect(rows.map((x) => [x.kind, Number(x.build_id)])).toEqual([['manual', reports.province], ['manual', reports.province]]);
  });

  it('builds a report now for those who may: any scope for analysts, its own for an agency user; audited, archived, numbered', async () => {
    const post = async (who: 'admin' | 'analyst' | 'agency', body: Record<string, unknown>) =>
      clients[who].send('POST', '/api/reports', body, { 'x-csrf-token': await clients[who].apiToken() });
    expect((await clients.analyst.send('POST', '/api/reports', { period: '2026-Q3' })).json()).toMatchObject({ error: 'csrf' });
    // Refusals write nothing: a period not begun (now is 2026-10-05), a bad period, scope or language, another agency.
    const before = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM report_builds')).rows[0]?.n;
    expect((await post('analyst', { period: '2027-Q1' })).statusCode).toBe(400);
    expect((await post('analyst', { period: '2026-Q9' })).json()).toMatchObject({ error: 'bad_period' });
    expect((await post('analyst', {})).statusCode).toBe(400);
    expect((await post('analyst', { period: '2026-Q3', scope: '999.99.99.H30' })).statusCode).toBe(400);
    expect((await post('analyst', { period: '2026-Q3', lang: 'fr' })).statusCode).toBe(400);
    expect((await post('agency', { period: '2026-Q3', scope: OTHER })).statusCode).toBe(403);
    expect((await post('agency', { period: '2026-Q3', scope: 'province' })).statusCode).toBe(403);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM report_builds')).rows[0]?.n).toBe(before);

    // The analyst builds the province's report of the quarter now running: the issuer's next number
    // of the year (every report so far had the same issuer, one number each).
    const next = `${String((before ?? 0) + 1).padStart(2, '0')}/BC-UBND`;
    const r = await post('analyst', { period: '2026-Q4', lang: 'en' });
    expect(r.statusCode, r.body).toBe(201);
    const item = r.json() as { id: number; period: string; scope: string; lang: string; number: string; built_by: string; downloads: Record<string, string> };
    expect(item).toMatchObject({ period: '2026-Q4', scope: 'province', lang: 'en', number: next, built_by: 'analyst' });
    const pdf = await clients.analyst.get(item.downloads.pdf as string);
    expect(pdf.statusCode).toBe(200);
    expect((await pdfText(pdf.rawPayload)).text).toContain(`No.: ${next}`);
    // The agency user builds its own agency's report, by default its own scope; the archive lists it for them.
    const own = await post('agency', { period: '2026-Q3' });
    expect(own.statusCode, own.body).toBe(201);
    const ownItem = own.json() as { id: number; scope: string };
    expect(ownItem.scope).toBe(OWN);
    const mine = (await clients.agency.get('/api/reports')).json() as { items: Array<{ id: number }> };
    expect(mine.items.map((b) => b.id)).toContain(ownItem.id);
    const log = (await clients.admin.get('/api/audit')).json() as Array<{ action: string; actor: string; target: string }>;
    expect(log.filter((e) => e.action === 'report_build').map((e) => [e.actor, e.target])).toEqual([['stc', `report:${ownItem.id}`], ['analyst', `report:${item.id}`]]);

    // The page's form does the same for a browser, then shows the number it took.
    const page = await clients.admin.get('/reports', { accept: 'text/html' });
    expect(page.body).toContain('action="/reports/build"');
    expect(page.body).toContain('name="period" required pattern="\\d{4}(-Q[1-4])?"');
    expect(page.body).toContain(`<option value="${OTHER}">`);
    const agencyPage = await clients.agency.get('/reports', { accept: 'text/html' });
    expect(agencyPage.body).toContain('action="/reports/build"');
    expect(agencyPage.body).not.toContain(`<option value="${OTHER}">`);
    const form = await clients.admin.send('POST', '/reports/build', new URLSearchParams({ _csrf: clients.admin.csrf, period: '2026', scope: OTHER, lang: 'vi' }).toString(), { accept: 'text/html' });
    expect(form.statusCode, form.body.slice(0, 300)).toBe(303);
    expect(form.headers.location).toMatch(/^\/reports\?done=built&number=[0-9]+%2FBC-UBND&period=2026$/);
    const shown = await clients.admin.get(String(form.headers.location), { accept: 'text/html' });
    // (This admin chose English earlier in the file.)
    const number = decodeURIComponent(/number=([^&]+)/.exec(String(form.headers.location))?.[1] ?? '');
    expect(shown.body).toContain(`Built report number ${number}`);
    const bad = await clients.admin.send('POST', '/reports/build', new URLSearchParams({ _csrf: clients.admin.csrf, period: '2030-Q1' }).toString(), { accept: 'text/html' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('2030-Q1 has not begun');
  });

  it('pages the exchange list by cursor without overlap, newest first', async () => {
    const first = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=7')).json() as { items: Array<{ id: number; msg_date: string }>; next: string };
    expect(first.items).toHaveLength(7);
    expect(first.next).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = (await clients.admin.get(`/api/exchanges?period=2026-Q3&limit=7&cursor=${first.next}`)).json() as { items: Array<{ id: number; msg_date: string }> };
    const ids = new Set(first.items.map((e) => e.id));
    for (const e of second.items) expect(ids.has(e.id)).toBe(false);
    const dates = [...first.items, ...second.items].map((e) => Date.parse(e.msg_date));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect((await clients.admin.get('/api/exchanges?cursor=not-a-cursor!')).statusCode).toBe(400);
    expect((await clients.admin.get('/api/exchanges?flow=sideways')).json()).toMatchObject({ error: 'bad_request' });
    expect((await clients.admin.get('/api/exchanges?period=2026-Q9')).statusCode).toBe(400);
  });

  it('filters the exchange list by flow, signed and scanned', async () => {
    const all = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Array<{ flow: string; signed: boolean; digitization: string }> };
    const flow = (all.items[0] as { flow: string }).flow;
    const byFlow = (await clients.admin.get(`/api/exchanges?period=2026-Q3&limit=500&flow=${flow}`)).json() as { items: Array<{ flow: string }> };
    expect(byFlow.items.length).toBe(all.items.filter((e) => e.flow === flow).length);
    const scanned = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=500&scanned=true')).json() as { items: Array<{ digitization: string }> };
    expect(scanned.items.length).toBe(all.items.filter((e) => e.digitization === 'scanned' || e.digitization === 'mixed').length);
    const unsigned = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=500&signed=false')).json() as { items: unknown[] };
    expect(unsigned.items.length).toBe(all.items.filter((e) => !e.signed).length);
  });

  it('gives the same list for every flow and form, those the period has and those it has not (answered from the rollup)', async () => {
    const all = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Array<{ id: number; flow: string; form: string | null; digitization: string }> };
    const seen = new Set(all.items.map((e) => e.flow));
    expect(FLOWS.some((f) => !seen.has(f))).toBe(true);
    for (const flow of FLOWS) {
      const r = (await clients.admin.get(`/api/exchanges?period=2026-Q3&limit=500&flow=${flow}`)).json() as { items: Array<{ id: number }>; next: string | null };
      expect(r.items.map((e) => e.id)).toEqual(all.items.filter((e) => e.flow === flow).map((e) => e.id));
      if (!seen.has(flow)) expect(r.next).toBeNull();
    }
    for (const form of ['electronic', 'hybrid']) {
      for (const scanned of [true, false]) {
        const r = (await clients.admin.get(`/api/exchanges?period=2026-Q3&limit=500&form=${form}&scanned=${scanned}`)).json() as { items: Array<{ id: number }> };
        expect(r.items.map((e) => e.id)).toEqual(all.items.filter((e) => e.form === form && (e.digitization === 'scanned' || e.digitization === 'mixed') === scanned).map((e) => e.id));
      }
    }
    expect((await clients.admin.get('/api/exchanges?period=2019-Q1&flow=inter_agency')).json()).toMatchObject({ items: [], next: null });
  });

  it('filters the exchange list by a party on either side (an address or an agency code), alone and with an agency, across pages', async () => {
    type Item = { id: number; sender_address: string | null; receiver_address: string | null; sender_agency: string | null; receiver_agency: string | null };
    const all = (await clients.admin.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Item[] };
    const withAddress = (all.items.find((e) => e.receiver_address && (e.sender_agency === OWN || e.receiver_agency === OWN)) ?? all.items.find((e) => e.receiver_address)) as Item;
    const address = withAddress.receiver_address as string;
    const pageAll = async (query: string): Promise<number[]> => {
      const ids: number[] = [];
      let cursor = '';
      for (let i = 0; i < 50; i++) {
        const r = (await clients.admin.get(`/api/exchanges?period=2026-Q3&limit=3&${query}${cursor ? `&cursor=${cursor}` : ''}`)).json() as { items: Item[]; next: string | null };
        ids.push(...r.items.map((e) => e.id));
        if (!r.next) break;
        cursor = r.next;
      }
      return ids;
    };
    const on = (e: Item, x: string) => [e.sender_address, e.receiver_address, e.sender_agency, e.receiver_agency].includes(x);
    const byAddress = await pageAll(`party=${encodeURIComponent(address.toUpperCase())}`);
    expect(byAddress.length).toBeGreaterThan(0);
    expect(byAddress).toEqual(all.items.filter((e) => on(e, address)).map((e) => e.id));
    expect(await pageAll(`party=${OTHER}`)).toEqual(all.items.filter((e) => on(e, OTHER)).map((e) => e.id));
    expect(await pageAll(`party=${encodeURIComponent(address)}&agency=${OWN}`)).toEqual(
      all.items.filter((e) => on(e, address) && (e.sender_agency === OWN || e.receiver_agency === OWN)).map((e) => e.id),
    );
  });

  it('ranks agencies on the overview and marks those below target', async () => {
    const ov = (await clients.analyst.get('/api/overview?period=2026-Q3&rank=K5')).json() as {
      agencies: Array<{ code: string; rank: number | null; below: string[]; kpis: Record<string, { ratio: number | null; met: boolean | null }> }>;
      trend: { periods: string[]; series: Array<{ kpi: string; values: Array<number | null> }> };
    };
    const ranked = ov.agencies.filter((a) => a.rank !== null);
    expect(ranked.length).toBeGreaterThan(0);
    for (let i = 1; i < ranked.length; i++) expect((ranked[i - 1]?.kpis.K5?.ratio ?? 0) >= (ranked[i]?.kpis.K5?.ratio ?? 0)).toBe(true);
    expect(ov.agencies.slice(ranked.length).every((a) => a.rank === null)).toBe(true);
    for (const a of ov.agencies) expect(a.below).toEqual(Object.entries(a.kpis).filter(([, v]) => v.met === false).map(([k]) => k));
    expect(ov.trend.periods).toEqual(['2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3']);
    // The trend's last point is the period's own figure, for the province and for an agency.
    for (const s of ov.trend.series) expect(s.values.at(-1)).toBe((ov as unknown as { province: Record<string, { ratio: number | null }> }).province[s.kpi]?.ratio ?? null);
    expect(ov.trend.series.flatMap((s) => s.values.slice(0, -1)).every((v) => v === null)).toBe(true);
    const ag = (await clients.analyst.get(`/api/agencies/${OWN}?period=2026-Q3`)).json() as { kpis: Record<string, { ratio: number | null }>; trend: { series: Array<{ kpi: string; values: Array<number | null> }> } };
    for (const s of ag.trend.series) expect(s.values.at(-1)).toBe(ag.kpis[s.kpi]?.ratio ?? null);
    const html = await clients.analyst.get('/overview?period=2026-Q3', { accept: 'text/html' });
    expect(html.body).toContain('<svg');
    expect(html.body).toContain('Tổng quan toàn tỉnh');
    const en = await clients.analyst.get('/overview?period=2026-Q3&lang=en', { accept: 'text/html' });
    expect(en.body).toContain('Province overview');
    expect((await clients.analyst.get('/api/overview?rank=K99')).statusCode).toBe(400);
  });

  it('folds the exchange rows to the province for the trend without changing a province KPI', async () => {
    for (const id of ['2026-Q3', '2026']) {
      const p = parsePeriod(id);
      const opts = { year: p.year, targets: config.targets as Targets, paperRegister: false };
      const [full, folded, accounts] = await Promise.all([exchangeCounts(pool, p.start, p.end), provinceExchangeCounts(pool, p.start, p.end), accountCounts(pool, p.start, p.end)]);
      expect(full.length).toBeGreaterThan(0);
      expect(folded.length).toBeLessThanOrEqual(full.length);
      expect(computeKpis(folded, accounts, opts).province).toEqual(computeKpis(full, accounts, opts).province);
    }
  });

  it('exports the overview as an XLSX workbook that opens', async () => {
    const r = await clients.analyst.get('/api/overview?period=2026-Q3&format=xlsx');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toBe('attachment; filename="overview-2026-Q3.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws?.getRow(1).getCell(1).value).toBe('rank');
    expect(ws?.getRow(2).getCell(3).value).toBe('Toàn tỉnh / province');
    expect(ws?.rowCount).toBeGreaterThan(2);
  });

  it('lets only admins change mailboxes, with a CSRF token, and audits it', async () => {
    const id = mailboxes.get(OWN) as number;
    const token = await clients.admin.apiToken();
    // No token: refused before anything changes.
    const noToken = await clients.admin.send('PATCH', `/api/mailboxes/${id}`, { rate: 2 });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: 'csrf' });
    const analystToken = await clients.analyst.apiToken();
    expect((await clients.analyst.send('PATCH', `/api/mailboxes/${id}`, { rate: 2 }, { 'x-csrf-token': analystToken })).statusCode).toBe(403);
    expect((await clients.agency.send('POST', `/api/mailboxes/${id}/sync`, {}, { 'x-csrf-token': await clients.agency.apiToken() })).statusCode).toBe(403);
    const ok = await clients.admin.send('PATCH', `/api/mailboxes/${id}`, { rate: 2, folders: ['INBOX', 'Archive'] }, { 'x-csrf-token': token });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id, max_messages_per_second: 2, folders: ['INBOX', 'Archive'] });
    const off = await clients.admin.send('PATCH', `/api/mailboxes/${id}`, { enabled: false }, { 'x-csrf-token': token });
    expect(off.json()).toMatchObject({ enabled: false });
    expect((await clients.admin.send('PATCH', '/api/mailboxes/999999', { enabled: false }, { 'x-csrf-token': token })).statusCode).toBe(404);
    const sync = await clients.admin.send('POST', `/api/mailboxes/${id}/sync`, {}, { 'x-csrf-token': token });
    expect(sync.statusCode).toBe(202);
    expect(sync.json()).toEqual({ jobId: `mailbox-${id}` });
    expect(await queues.sync.getJob(`mailbox-${id}`)).toBeDefined();
    const q = (await clients.admin.get('/api/queues')).json() as { queues: Record<string, Record<string, number>> };
    expect((q.queues.sync?.waiting ?? 0) + (q.queues.sync?.prioritized ?? 0)).toBeGreaterThanOrEqual(1);
    const log = (await clients.admin.get('/api/audit')).json() as Array<{ action: string; actor: string; target: string }>;
    expect(log.filter((e) => e.target === `mailbox:${id}`).map((e) => e.action).sort()).toEqual(['mailbox_disable', 'mailbox_edit', 'mailbox_sync']);
    expect(log.some((e) => e.action === 'login' && e.actor === 'stc')).toBe(true);
  });

  it('lets admins and analysts correct a label, never an agency user; the statistics follow and the change is audited', async () => {
    type Kpi = { numerator: number; denominator: number };
    type Item = { id: number; document: string | null; form: string | null; secret: boolean; sender_agency: string | null; receiver_agency: string | null };
    const all = ((await clients.analyst.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Item[] }).items;
    const mine = ((await clients.agency.get('/api/exchanges?period=2026-Q3&limit=500')).json() as { items: Item[] }).items;
    // A document with a form counts in K6's denominator when electronic, not when hybrid.
    const target = all.find((e) => e.document !== null && e.form !== null && !e.secret) as Item;
    const foreign = all.find((e) => e.sender_agency !== OWN && e.receiver_agency !== OWN) as Item;
    expect(target).toBeDefined();
    expect(foreign).toBeDefined();
    expect(mine.length).toBeGreaterThan(0);
    const id = target.id;
    const own = (mine[0] as Item).id;
    const from = target.form as string;
    const to = from === 'electronic' ? 'hybrid' : 'electronic';
    const delta = to === 'hybrid' ? -1 : 1;
    const k6 = async (): Promise<{ overview: Kpi; stats: Kpi }> => {
      const ov = (await clients.analyst.get('/api/overview?period=2026-Q3')).json() as { province: Record<string, Kpi> };
      const st = (await clients.admin.get('/api/stats?period=2026-Q3')).json() as { province: Record<string, Kpi> };
      return { overview: ov.province.K6 as Kpi, stats: st.province.K6 as Kpi };
    };
    const before = await k6();
    const body = { label: 'form', value: to, reason: 'Đối chiếu sổ văn bản: sửa hình thức' };
    const tokens = { admin: await clients.admin.apiToken(), analyst: await clients.analyst.apiToken(), agency: await clients.agency.apiToken() };

    // An agency user may not correct, on its own exchange or another agency's; it reads its own history only.
    for (const ex of [own, foreign.id, id, 999999]) {
      const r = await clients.agency.send('POST', `/api/exchanges/${ex}/overrides`, body, { 'x-csrf-token': tokens.agency });
      expect(r.statusCode, r.body).toBe(403);
      expect(Object.keys(r.json() as object).sort()).toEqual(['error', 'message']);
      expect((await clients.agency.send('POST', `/exchanges/${ex}/overrides`, new URLSearchParams({ _csrf: tokens.agency, ...body }).toString(), { accept: 'text/html' })).statusCode).toBe(403);
    }
    expect((await clients.agency.get(`/api/exchanges/${foreign.id}/overrides`)).statusCode).toBe(404);
    expect((await clients.agency.get(`/api/exchanges/${own}/overrides`)).json()).toEqual({ exchange: own, active: [], history: [] });
    // Refused before anything changes: no CSRF token, no reason, a value outside the label's domain, an unknown exchange.
    expect((await clients.analyst.send('POST', `/api/exchanges/${id}/overrides`, body)).json()).toMatchObject({ error: 'csrf' });
    const noReason = await clients.analyst.send('POST', `/api/exchanges/${id}/overrides`, { ...body, reason: '  ' }, { 'x-csrf-token': tokens.analyst });
    expect(noReason.statusCode).toBe(400);
    expect((noReason.json() as { message: string }).message).toContain('a reason is required');
    const badValue = await clients.analyst.send('POST', `/api/exchanges/${id}/overrides`, { ...body, value: 'paper' }, { 'x-csrf-token': tokens.analyst });
    expect(badValue.statusCode).toBe(400);
    expect((badValue.json() as { message: string }).message).toContain('electronic|hybrid');
    expect((await clients.admin.send('POST', '/api/exchanges/999999/overrides', body, { 'x-csrf-token': tokens.admin })).statusCode).toBe(404);
    expect(await k6()).toEqual(before);

    // The analyst corrects the form: the document enters or leaves K6's denominator at once.
    const set = await clients.analyst.send('POST', `/api/exchanges/${id}/overrides`, body, { 'x-csrf-token': tokens.analyst });
    expect(set.statusCode, set.body).toBe(201);
    const change = set.json() as { override: { id: number; by: string; label: string; value: string }; before: unknown; after: unknown };
    expect(change).toMatchObject({ override: { by: 'analyst', label: 'form', value: to }, before: { form: from }, after: { form: to } });
    const during = await k6();
    expect(during.overview.denominator).toBe(before.overview.denominator + delta);
    expect(during.stats.denominator).toBe(before.stats.denominator + delta);
    // The exchange shows the override as the form's evidence: who, when, why, the analysis's value.
    const detail = (await clients.admin.get(`/api/exchanges/${id}`)).json() as { form: string; pinned: string[]; evidence: Array<{ label: string; rule: string; value: unknown; detail: unknown }>; overrides: Array<{ id: number }> };
    expect(detail.form).toBe(to);
    expect(detail.pinned).toEqual(['form']);
    expect(detail.overrides.map((o) => o.id)).toEqual([change.override.id]);
    expect(detail.evidence.filter((e) => e.label === 'form')).toEqual([
      { label: 'form', value: to, rule: 'override', detail: { by: 'analyst', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), reason: body.reason, before: from } },
    ]);
    expect(detail.evidence.some((e) => e.label === 'digitization' && e.rule.startsWith('digitization.'))).toBe(true);

    // Removing needs the right exchange and a reason; then the figures are back.
    const path = `/api/exchanges/${id}/overrides/${change.override.id}`;
    expect((await clients.agency.send('DELETE', path, { reason: 'x' }, { 'x-csrf-token': tokens.agency })).statusCode).toBe(403);
    expect((await clients.admin.send('DELETE', `/api/exchanges/${foreign.id === id ? own : foreign.id}/overrides/${change.override.id}`, { reason: 'x' }, { 'x-csrf-token': tokens.admin })).statusCode).toBe(404);
    expect((await clients.admin.send('DELETE', path, undefined, { 'x-csrf-token': tokens.admin })).statusCode).toBe(400);
    const removed = await clients.admin.send('DELETE', `${path}?reason=${encodeURIComponent('Kiểm tra lại: giữ như phân tích')}`, undefined, { 'x-csrf-token': tokens.admin });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ override: { removedBy: 'admin' }, before: { form: to }, after: { form: from } });
    expect(await k6()).toEqual(before);
    expect((await clients.admin.send('DELETE', path, { reason: 'again' }, { 'x-csrf-token': tokens.admin })).statusCode).toBe(404);

    // Who, when, before, after, why: in the exchange's history and in the audit log.
    const h = (await clients.analyst.get(`/api/exchanges/${id}/overrides`)).json() as { active: unknown[]; history: Array<{ action: string; actor: string; before: unknown; after: unknown; reason: string }> };
    expect(h.active).toEqual([]);
    expect(h.history.map((a) => [a.action, a.actor, a.before, a.after])).toEqual([
      ['set', 'analyst', { form: from }, { form: to }],
      ['remove', 'admin', { form: to }, { form: from }],
    ]);
    const log = (await clients.admin.get('/api/audit')).json() as Array<{ action: string; actor: string; target: string; detail: { reason: string } }>;
    expect(log.filter((e) => e.target === `exchange:${id}`).map((e) => [e.action, e.actor, e.detail.reason])).toEqual([
      ['override_remove', 'admin', 'Kiểm tra lại: giữ như phân tích'],
      ['override_set', 'analyst', body.reason],
    ]);

    // The page: a correction form per label for the analyst, none for the agency user, the history below.
    const page = (await clients.analyst.get(`/exchanges/${id}?lang=vi`, { accept: 'text/html' })).body;
    expect(page.match(/<form method="post" action="\/exchanges\/\d+\/overrides" class="correct"/g)).toHaveLength(8);
    expect(page).toContain('Lịch sử sửa đổi');
    expect(page).toContain('Kiểm tra lại: giữ như phân tích');
    const agencyPage = (await clients.agency.get(`/exchanges/${own}?lang=en`, { accept: 'text/html' })).body;
    expect(agencyPage).toContain('Correction history');
    expect(agencyPage).not.toContain('class="correct"');
  });

  it('limits failed sign-ins per account, audits them, and never reveals which names exist', async () => {
    const c = new WebClient(app());
    for (let i = 0; i < 3; i++) expect((await c.signIn('analyst', 'wrong password here')).statusCode).toBe(401);
    const unknown = await c.signIn('nobody', 'wrong password here');
    expect(unknown.statusCode).toBe(401);
    // The account is locked for the window, even with the right password.
    const locked = await c.signIn('analyst', PW);
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toContain('Quá nhiều lần đăng nhập sai');
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_failed' AND target = 'analyst'`);
    expect(rows[0]?.n).toBe(4);
    const log = await pool.query<{ detail: unknown }>(`SELECT detail FROM audit_log`);
    expect(JSON.stringify(log.rows)).not.toContain('wrong password');
    // The sign-in form itself needs its CSRF token.
    const bare = await app().inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=admin&password=x' });
    expect(bare.statusCode).toBe(403);
  });

  it('limits sign-in attempts per client address', async () => {
    const limited = buildApp({ pool, config: { ...config, web: { ...config.web, loginPerIpPerMinute: 2 } } }, { now });
    const c = new WebClient(limited);
    await c.get('/login');
    const attempt = () => c.send('POST', '/login', new URLSearchParams({ _csrf: c.csrf, name: 'nobody2', password: 'wrong password' }).toString(), { accept: 'text/html' });
    expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(401);
    const third = await attempt();
    expect(third.statusCode).toBe(429);
    expect(third.body).toContain('too many requests');
  });

  it('ends every session of a user that `user disable` disables', async () => {
    process.env.WEB_PW = PW;
    expect((await cli('user', 'add', '--name', 'temp', '--role', 'analyst', '--password-env', 'WEB_PW')).code).toBe(0);
    const c = new WebClient(app());
    expect((await c.signIn('temp', PW)).statusCode).toBe(303);
    expect((await c.get('/api/me')).statusCode).toBe(200);
    expect((await cli('user', 'disable', 'temp')).code).toBe(0);
    expect((await c.get('/api/me')).statusCode).toBe(401);
    expect((await c.signIn('temp', PW)).statusCode).toBe(401);
    const list = JSON.parse((await cli('user', 'list', '--json')).stdout) as Array<{ name: string; enabled: boolean }>;
    expect(list.find((u) => u.name === 'temp')?.enabled).toBe(false);
  });

  it('rejects bad accounts on the command line with a clear message', async () => {
    expect((await cli('user', 'add', '--name', 'x1', '--role', 'agency', '--password-env', 'WEB_PW')).stderr).toContain('--role agency cần / needs --agency CODE');
    process.env.SHORT_PW = 'short';
    expect((await cli('user', 'add', '--name', 'x2', '--role', 'admin', '--password-env', 'SHORT_PW')).code).toBe(2);
    const dup = await cli('user', 'add', '--name', 'admin', '--role', 'admin', '--password-env', 'WEB_PW');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('user admin already exists');
    expect((await cli('user', 'add', '--name', 'x3', '--role', 'agency', '--agency', 'NOPE', '--password-env', 'WEB_PW')).code).toBe(1);
    expect((await cli('user', 'disable', 'ghost')).code).toBe(1);
  });

  it('sends security headers: a CSP without inline scripts, HSTS only over https behind a trusted proxy', async () => {
    const r = await clients.admin.get('/overview?period=2026-Q3', { accept: 'text/html' });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['strict-transport-security']).toBeUndefined();
    const session = (await new WebClient(app()).signIn('admin', PW)).headers['set-cookie'];
    expect(String(session)).toMatch(/edocwatch_session=[^;]+;.*HttpOnly/);
    expect(String(session)).toContain('SameSite=Lax');
    const proxied = buildApp({ pool, config: { ...config, web: { ...config.web, trustProxy: true } } }, { now });
    const h = await proxied.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(h.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const login = await proxied.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } });
    expect(String(login.headers['set-cookie'])).toContain('Secure');
    const docs = await proxied.inject({ url: '/api/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys((docs.json() as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        '/api/overview', '/api/exchanges', '/api/exchanges/{id}', '/api/mailboxes', '/api/exchanges/{id}/overrides', '/api/exchanges/{id}/overrides/{overrideId}',
        '/api/reports', '/api/reports/{id}/{format}', '/api/reports/{id}/resend',
      ]),
    );
  });
});
