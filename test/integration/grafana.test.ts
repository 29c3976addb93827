// The Grafana dashboard's SQL against a migrated Postgres with demo data, as Grafana would run it:
// its macros and variables expanded, under the read-only role docker/grafana/grafana-reader.sql
// makes (so the grants cover every table the dashboard reads, and nothing private). Each query is
// EXPLAINed and run; the KPI table gives the ratios `edocwatch stats` gives, for the province and
// for one agency, and the messages per day add up to the messages stored.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';
import { periodStats } from '../../src/report/stats.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { expandGrafanaSql, GRAFANA_DIR, readDashboard, targetsOf } from '../helpers/grafana.js';
import { loadDemoData } from '../helpers/web-data.js';

const OWN = '000.00.03.H30';
// The whole of 2026-Q3 in Asia/Ho_Chi_Minh, as a Grafana time range.
const RANGE = { from: new Date('2026-06-30T17:00:00Z'), to: new Date('2026-09-30T16:59:59Z') };
const KPIS = ['K1', 'K1s', 'K4e', 'K4h', 'K5', 'K6'] as const;

describe('the Grafana dashboard on Postgres', () => {
  let t: TestEnv;
  let pool: Pool;
  let reader: pg.Client;
  const role = `grafana_reader_${(process.env.EDOCWATCH_TEST_SUFFIX ?? 'test').replace(/\W/g, '')}`.toLowerCase();
  const d = readDashboard();
  const sqlTargets = targetsOf(d).filter((x) => x.target.datasource.type === 'grafana-postgresql-datasource');
  const expand = (sql: string, agency: string) => expandGrafanaSql(sql, { ...RANGE, vars: { agency } });
  const kpiSql = sqlTargets.find((x) => x.panel.title.startsWith('Chỉ tiêu theo quý'))?.target.rawSql as string;

  beforeAll(async () => {
    t = await createTestEnv('grafana');
    pool = createPool(t.databaseUrl);
    await loadDemoData(pool, { count: 36, period: '2026-Q3', attachmentShare: 0.2 });
    await pool.query(`DROP ROLE IF EXISTS ${role}`);
    const url = new URL(t.databaseUrl);
    const r = spawnSync('psql', ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'root', '-d', url.pathname.slice(1), '-v', `reader=${role}`, '-f', path.join(GRAFANA_DIR, 'grafana-reader.sql')], {
      env: { ...process.env, GRAFANA_DB_PASSWORD: 'lecteur-de-grafana' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    url.username = role;
    reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
  });

  afterAll(async () => {
    await reader?.end();
    await pool?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await pool?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await pool?.end();
  });

  it('runs every panel query and the agency variable as the read-only role, for the province and one agency', async () => {
    expect(sqlTargets.length).toBeGreaterThanOrEqual(4);
    for (const agency of ['province', OWN]) {
      for (const { panel, target } of sqlTargets) {
        const sql = expand(target.rawSql as string, agency);
        const plan = await reader.query(`EXPLAIN ${sql}`);
        expect(plan.rows.length, panel.title).toBeGreaterThan(0);
        const rows = (await reader.query(sql)).rows as Array<Record<string, unknown>>;
        expect(rows.length, `${panel.title} (${agency})`).toBeGreaterThan(0);
        if (target.format === 'time_series') for (const r of rows) expect(r.time, panel.title).toBeInstanceOf(Date);
      }
    }
    const variable = d.templating.list.find((v) => v.name === 'agency');
    const options = (await reader.query(variable?.query as string)).rows as Array<{ __value: string; __text: string }>;
    expect(options[0]).toEqual({ __value: 'province', __text: 'Toàn tỉnh / province' });
    expect(options.map((o) => o.__value)).toContain(OWN);
  });

  it('gives the KPI ratios of `edocwatch stats`, for the province and for one agency', async () => {
    const stats = await periodStats(pool, t.config, '2026-Q3');
    const own = await periodStats(pool, t.config, '2026-Q3', OWN);
    for (const [agency, want] of [['province', stats.province], [OWN, own.agencies[OWN]]] as const) {
      const rows = (await reader.query(expand(kpiSql, agency))).rows as Array<Record<string, unknown>>;
      expect(rows.map((r) => r['Kỳ / period'])).toEqual(['2026-Q3']);
      const row = rows[0] as Record<string, number | null>;
      for (const k of KPIS) {
        const ratio = want?.[k]?.ratio ?? null;
        if (ratio === null) expect(row[k], `${k} ${agency}`).toBeNull();
        else expect(row[k], `${k} ${agency}`).toBeCloseTo(ratio, 10);
      }
      expect(KPIS.filter((k) => row[k] !== null).length, agency).toBeGreaterThan(0);
    }
  });

  it('counts every stored message once per mailbox in the messages per day', async () => {
    const sql = sqlTargets.find((x) => x.panel.title.startsWith('Thư mỗi ngày'))?.target.rawSql as string;
    const rows = (await reader.query(expand(sql, 'province'))).rows as Array<Record<string, unknown>>;
    const total = rows.reduce((n, r) => n + Object.entries(r).filter(([k]) => k !== 'time').reduce((m, [, v]) => m + Number(v ?? 0), 0), 0);
    const { rows: all } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)) BETWEEN '2026-07-01' AND '2026-09-30'`,
    );
    expect(total).toBe(all[0]?.n);
    expect(total).toBeGreaterThan(0);
  });

  it('lets the role read nothing beyond what the dashboard needs', async () => {
    for (const sql of ['SELECT * FROM web_users', 'SELECT * FROM web_sessions', 'SELECT secret_enc FROM mailboxes', 'SELECT subject FROM messages', 'SELECT * FROM audit_log'])
      await expect(reader.query(sql), sql).rejects.toThrow(/permission denied/);
    await expect(reader.query(`DELETE FROM exchange_rollup`)).rejects.toThrow(/permission denied/);
  });
});
