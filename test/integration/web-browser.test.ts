// The dashboard in a real browser: playwright-core driving Debian's chromium (installed by
// `scripts/services.sh up --browser`, never a downloaded build) against `serve`'s app on a loopback
// port, with data from the demo generator. Signs in, reads the overview, filters exchanges, adds a
// mailbox whose connection is tested against the test Dovecot, downloads an export, (as an
// analyst) corrects a label and sees the overview's KPI move, opens an archived report (its
// charts decoded by the browser) and downloads its PDF. A screenshot of each page goes to
// out/screenshots/ as a test artifact.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { createQueues, type Queues } from '../../src/queue/queues.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { loadDemoData } from '../helpers/web-data.js';
import { buildReport } from '../../src/report/build.js';

const SHOTS = path.resolve('out', 'screenshots');
const PW = 'mật-khẩu-trình-duyệt-1';
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));

describe('the dashboard in chromium', () => {
  let t: TestEnv;
  let pool: Pool;
  let queues: Queues;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let reportId: number;

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("Debian's chromium is missing: run `bash scripts/services.sh up --browser`");
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestEnv('webbrowser');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    queues = createQueues(t.config, t.config.queuePrefix);
    await loadDemoData(pool, { count: 24, period: '2026-Q3', attachmentShare: 0.2 });
    reportId = (await buildReport({ pool, config: t.config }, '2026-Q3', { builtBy: 'test', now: new Date('2026-10-01T00:00:00Z') })).buildId;
    process.env.WEB_PW = PW;
    expect((await cli('user', 'add', '--name', 'quantri', '--role', 'admin', '--password-env', 'WEB_PW')).code).toBe(0);
    expect((await cli('user', 'add', '--name', 'chuyenvien', '--role', 'analyst', '--password-env', 'WEB_PW')).code).toBe(0);
    app = buildApp({ pool, config: t.config }, { now: () => new Date('2026-10-05T03:00:00Z'), queues: () => queues });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
    page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await queues?.close();
    await pool?.end();
  });

  it('signs in and reads the province overview', async () => {
    await page.goto(`${base}/overview?period=2026-Q3`);
    expect(page.url()).toContain('/login?next=');
    await shot('01-sign-in');
    await page.fill('input[name=name]', 'quantri');
    await page.fill('input[name=password]', PW);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/overview\?period=2026-Q3$/);
    await expect.poll(() => page.textContent('h1')).toContain('Tổng quan toàn tỉnh');
    expect(await page.locator('table.kpis tr[data-kpi=K1]').count()).toBe(1);
    expect(await page.locator('table.ranking tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart polyline, svg.chart circle').count()).toBeGreaterThan(0);
    await shot('02-overview');
  });

  it('filters the exchange list and opens one exchange with its evidence', async () => {
    await page.goto(`${base}/exchanges?period=2026-Q3`);
    const all = await page.locator('table.exchanges tbody tr').count();
    expect(all).toBeGreaterThan(0);
    const flow = (await page.locator('select[name=flow] option').nth(1).getAttribute('value')) as string;
    await page.selectOption('select[name=scanned]', 'false');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/scanned=false/);
    const unscanned = await page.locator('table.exchanges tbody tr').count();
    expect(unscanned).toBeLessThanOrEqual(all);
    await shot('03-exchanges-filtered');
    expect(flow).toBeTruthy();
    await page.locator('table.exchanges tbody tr a').first().click();
    await page.waitForURL(/\/exchanges\/\d+$/);
    expect(await page.locator('table.evidence tbody tr').count()).toBeGreaterThan(0);
    await shot('04-exchange-evidence');
  });

  it('downloads the filtered exchanges as CSV', async () => {
    await page.goto(`${base}/exchanges?period=2026-Q3&scanned=false`);
    const rows = await page.locator('table.exchanges tbody tr').count();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('p.exports a:text("CSV")')]);
    expect(download.suggestedFilename()).toBe('exchanges-2026-Q3.csv');
    const file = await download.path();
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(text[0]).toMatch(/^id,date,document,sender/);
    // The page shows up to 50; the export holds them all (here fewer than a page).
    expect(text.length - 1).toBe(rows);
  });

  it('adds a mailbox after testing its connection against the test Dovecot', async () => {
    const user = `web-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(9).toString('base64url');
    await ensureImapUser(user, password, { reset: true });
    const dd = devDovecot();
    await page.goto(`${base}/admin/mailboxes`);
    const before = await page.locator('table.mailboxes tbody tr').count();
    await page.selectOption('select[name=agency]', '000.00.09.H30');
    await page.fill('input[name=host]', dd.host);
    await page.fill('input[name=port]', String(dd.port));
    await page.selectOption('select[name=security]', 'none');
    await page.fill('input[name=user]', user);
    // A wrong password first: the test fails, nothing is saved, the reason is shown.
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('form.stack button[type=submit]');
    await expect.poll(() => page.textContent('p.error[role=status]')).toContain('IMAP');
    expect(await page.locator('table.mailboxes tbody tr').count()).toBe(before);
    await shot('05-mailbox-refused');
    await page.selectOption('select[name=agency]', '000.00.09.H30');
    await page.fill('input[name=host]', dd.host);
    await page.fill('input[name=port]', String(dd.port));
    await page.selectOption('select[name=security]', 'none');
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', password);
    await page.click('form.stack button[type=submit]');
    await page.waitForURL(/done=added/);
    expect(await page.textContent('p.notice')).toContain('Đã kiểm tra kết nối');
    expect(await page.locator('table.mailboxes tbody tr').count()).toBe(before + 1);
    expect(await page.locator(`table.mailboxes tr:has-text("${user}")`).count()).toBe(1);
    await shot('06-mailbox-added');
    const { rows } = await pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE action = 'mailbox_add'`);
    expect(rows).toHaveLength(1);
    await page.goto(`${base}/admin/queues`);
    expect(await page.locator('table.queues tr[data-queue=sync]').count()).toBe(1);
    await shot('07-queues');
  });

  it('corrects a label as an analyst and sees the KPI change on the overview', async () => {
    // A context of its own: the analyst's session beside the admin's.
    const analyst = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const k6Denominator = async () => Number(await analyst.locator('table.kpis tr[data-kpi=K6] td').nth(4).textContent());
    await analyst.goto(`${base}/overview?period=2026-Q3`);
    await analyst.fill('input[name=name]', 'chuyenvien');
    await analyst.fill('input[name=password]', PW);
    await analyst.click('button[type=submit]');
    await analyst.waitForURL(/\/overview\?period=2026-Q3$/);
    const before = await k6Denominator();

    // An exchange that transmits a document (K6 counts electronic documents; a hybrid one is not).
    await analyst.goto(`${base}/exchanges?period=2026-Q3`);
    const rows = analyst.locator('table.exchanges tbody tr');
    let id: string | null = null;
    let form = '';
    for (let i = 0; i < (await rows.count()) && !id; i++) {
      const cells = rows.nth(i).locator('td');
      const doc = ((await cells.nth(1).textContent()) ?? '').trim();
      form = ((await cells.nth(5).textContent()) ?? '').trim();
      if (doc !== '—' && !doc.includes('mật') && (form === 'electronic' || form === 'hybrid')) id = await rows.nth(i).getAttribute('data-id');
    }
    expect(id).not.toBeNull();
    const to = form === 'electronic' ? 'hybrid' : 'electronic';
    await analyst.goto(`${base}/exchanges/${id as string}`);
    const correct = analyst.locator('form.correct[data-label=form]');
    await correct.locator('select[name=value]').selectOption(to);
    await correct.locator('input[name=reason]').fill('Đối chiếu sổ văn bản đi: sửa hình thức');
    await correct.locator('button[type=submit]').click();
    await analyst.waitForURL(/done=corrected$/);
    expect(await analyst.textContent('p.notice')).toContain('Đã sửa nhãn');
    const row = analyst.locator('table.labels tr[data-label=form]');
    expect(await row.getAttribute('class')).toBe('overridden');
    expect(await row.locator('.override').textContent()).toContain('chuyenvien');
    expect(await analyst.locator('table.history tbody tr').count()).toBe(1);
    await analyst.screenshot({ path: path.join(SHOTS, '08-label-corrected.png'), fullPage: true });

    await analyst.goto(`${base}/overview?period=2026-Q3`);
    expect(await k6Denominator()).toBe(before + (to === 'hybrid' ? -1 : 1));
    await analyst.screenshot({ path: path.join(SHOTS, '09-overview-after-correction.png'), fullPage: true });
    const { rows: audited } = await pool.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'override_set' AND target = $1`, [`exchange:${id as string}`]);
    expect(audited).toEqual([{ actor: 'chuyenvien' }]);
    await analyst.context().close();
  });

  it('opens an archived report with its charts drawn, and downloads its PDF', async () => {
    await page.goto(`${base}/reports`);
    expect(await page.textContent('h1')).toContain('Lưu trữ báo cáo');
    const row = page.locator(`tr[data-report="${reportId}"]`);
    expect(await row.count()).toBe(1);
    await shot('10-report-archive');
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a:text("PDF")').click()]);
    expect(download.suggestedFilename()).toBe('bao-cao-thu-cong-vu-2026-Q3.pdf');
    expect(readFileSync(await download.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.goto(`${base}/api/reports/${reportId}/html`);
    expect(await page.textContent('body')).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    // Every chart is a data: image the browser decoded (a broken one has no natural width).
    const widths = await page.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 640)).toBe(true);
    await shot('11-report-html');
    // Build one now from the archive page's form: it comes back with the number it took, listed.
    await page.goto(`${base}/reports`);
    const rows = await page.locator('tr[data-report]').count();
    await page.fill('section.build input[name="period"]', '2026-Q3');
    await page.selectOption('section.build select[name="scope"]', 'province');
    await Promise.all([page.waitForURL(/done=built/), page.click('section.build button[type="submit"]')]);
    expect(await page.textContent('p[role="status"]')).toMatch(/Đã lập báo cáo số \d+\/BC-/);
    expect(await page.locator('tr[data-report]').count()).toBe(rows + 1);
    await shot('12-report-built');
  });
});
