// The Grafana dashboard and its provisioning (docker/grafana, docker/prometheus, docker-compose.yml)
// against the code: every Prometheus expression names metrics and labels that `serve` and the
// workers register (read from their real prom-client registries), every panel uses a provisioned
// data source, the layout does not overlap, the SQL uses only macros and variables Grafana knows,
// and the compose file mounts what the provisioning files point at. (The SQL itself is run against
// a migrated database by test/integration/grafana.test.ts.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Queryable } from '../../src/db/pool.js';
import { metricsRegistry } from '../../src/http/metrics.js';
import { workerMetrics } from '../../src/queue/worker-metrics.js';
import { expandGrafanaSql, GRAFANA_DIR, readDashboard, targetsOf } from '../helpers/grafana.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const yaml = (file: string) => parseYaml(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

/** Metric names → label names, as the code registers them (histograms with their series). */
async function registeredMetrics(): Promise<Map<string, Set<string>>> {
  // Building serve's registry runs no query (that happens at scrape time).
  const unused = { query: () => Promise.reject(new Error('not queried')) } as unknown as Queryable;
  const out = new Map<string, Set<string>>();
  for (const registry of [metricsRegistry(unused), workerMetrics().registry]) {
    for (const m of (await registry.getMetricsAsJSON()) as unknown as Array<{ name: string; type: string; values: Array<{ labels: Record<string, unknown> }> }>) {
      const labels = new Set(m.values.flatMap((v) => Object.keys(v.labels)));
      const own = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] } | undefined;
      for (const l of own?.labelNames ?? []) labels.add(l);
      if (m.type === 'histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) out.set(`${m.name}${suffix}`, new Set([...labels, ...(suffix === '_bucket' ? ['le'] : [])]));
      } else {
        out.set(m.name, labels);
      }
    }
  }
  return out;
}

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'delta', 'deriv', 'histogram_quantile',
  'topk', 'bottomk', 'and', 'or', 'unless', 'on', 'ignoring', 'offset', 'bool', 'abs', 'clamp_min', 'clamp_max', 'label_replace',
]);
/** Series Prometheus itself adds for every target. */
const PROMETHEUS_SERIES = new Map([['up', new Set<string>()]]);
const TARGET_LABELS = ['job', 'instance'];

/** The metrics an expression selects, with the labels its selectors and groupings name. */
function promqlMetrics(expr: string): Array<{ metric: string; labels: string[] }> {
  const grouping = [...expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) => (m[1] as string).split(',').map((s) => s.trim()).filter(Boolean));
  const out: Array<{ metric: string; labels: string[] }> = [];
  // Strings, ranges and grouping clauses hold no metric names.
  const bare = expr.replace(/"[^"]*"/g, '""').replace(/\[[^\]]*\]/g, '').replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  for (const m of bare.matchAll(/(?<![a-zA-Z0-9_:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![a-zA-Z0-9_:])\s*(\{[^}]*\})?(?!\s*\()/g)) {
    const name = m[1] as string;
    if (PROMQL_WORDS.has(name) || /^\d/.test(name)) continue;
    const selector = m[2] ?? '';
    out.push({ metric: name, labels: [...selector.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1] as string) });
  }
  return out.map((x) => ({ ...x, labels: [...x.labels, ...grouping] }));
}

describe('the Grafana dashboard', () => {
  const d = readDashboard();
  const datasources = (yaml('docker/grafana/provisioning/datasources/edocwatch.yaml').datasources as Array<{ uid: string; type: string }>) ?? [];
  const dsType = new Map(datasources.map((x) => [x.uid, x.type]));

  it('uses only provisioned data sources, by uid and type', () => {
    const refs = [...d.panels.flatMap((p) => (p.datasource ? [p.datasource] : [])), ...targetsOf(d).map((t) => t.target.datasource), ...d.templating.list.map((v) => v.datasource)];
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(dsType.get(r.uid), JSON.stringify(r)).toBe(r.type);
    expect([...new Set(refs.map((r) => r.type))].sort()).toEqual(['grafana-postgresql-datasource', 'prometheus']);
  });

  it('has unique panel ids and a layout of 24 columns without overlaps', () => {
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const cells = new Set<string>();
    for (const p of d.panels) {
      const g = p.gridPos;
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('names in every Prometheus expression only metrics and labels the code registers', async () => {
    const registered = await registeredMetrics();
    expect(registered.has('edocwatch_mailbox_lag_seconds')).toBe(true);
    expect(registered.has('edocwatch_worker_job_duration_seconds_bucket')).toBe(true);
    const exprs = targetsOf(d).filter((t) => t.target.datasource.type === 'prometheus').map((t) => t.target.expr as string);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set<string>();
    for (const expr of exprs) {
      const metrics = promqlMetrics(expr);
      expect(metrics.length, expr).toBeGreaterThan(0);
      for (const { metric, labels } of metrics) {
        const known = registered.get(metric) ?? PROMETHEUS_SERIES.get(metric);
        expect(known, `${metric} in ${expr} is not registered by src/http/metrics.ts or src/queue/worker-metrics.ts`).toBeDefined();
        for (const l of labels) expect([...(known as Set<string>), ...TARGET_LABELS], `label ${l} of ${metric} in ${expr}`).toContain(l);
        used.add(metric);
      }
    }
    // The dashboard covers serve's mailbox metrics and the workers' jobs.
    for (const m of ['edocwatch_mailbox_lag_seconds', 'edocwatch_mailbox_error', 'edocwatch_messages', 'edocwatch_messages_synced', 'edocwatch_worker_jobs_total']) expect(used).toContain(m);
  });

  it('reads the metric names out of PromQL', () => {
    expect(promqlMetrics('sum by (queue, le) (rate(edocwatch_worker_job_duration_seconds_bucket{outcome="completed"}[15m]))')).toEqual([
      { metric: 'edocwatch_worker_job_duration_seconds_bucket', labels: ['outcome', 'queue', 'le'] },
    ]);
    expect(promqlMetrics('sum by (job) (up{job=~"edocwatch-.+"})')).toEqual([{ metric: 'up', labels: ['job', 'job'] }]);
    expect(promqlMetrics('a_total / on(instance) b_total')).toEqual([
      { metric: 'a_total', labels: ['instance'] },
      { metric: 'b_total', labels: ['instance'] },
    ]);
    expect(promqlMetrics('sum(edocwatch_mailbox_error) * 60')).toEqual([{ metric: 'edocwatch_mailbox_error', labels: [] }]);
  });

  it('uses in SQL only the macros Grafana expands and the variables the dashboard defines', () => {
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, 'province']));
    const sqls = targetsOf(d).filter((t) => t.target.datasource.type === 'grafana-postgresql-datasource');
    expect(sqls.length).toBeGreaterThanOrEqual(4);
    for (const { target } of sqls) {
      expect(['table', 'time_series']).toContain(target.format);
      const sql = expandGrafanaSql(target.rawSql as string, { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z'), vars });
      expect(sql).not.toMatch(/\$(__|\{|\w)/);
      if (target.format === 'time_series') expect(sql).toMatch(/AS "time"/);
    }
    expect(() => expandGrafanaSql('SELECT $__timeGroup(day, 1d)', { from: new Date(), to: new Date(), vars })).toThrow(/unsupported Grafana macro/);
    expect(() => expandGrafanaSql("SELECT '${nope}'", { from: new Date(), to: new Date(), vars })).toThrow(/unknown dashboard variable/);
  });
});

describe('the monitoring services of docker-compose.yml', () => {
  const compose = yaml('docker-compose.yml') as { services: Record<string, { command?: string[]; volumes?: string[]; environment?: Record<string, string>; profiles?: string[] }> };
  const prometheus = yaml('docker/prometheus/prometheus.yml') as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
  const s = compose.services;

  it('scrapes serve and every worker service on the ports they listen on, under job names the dashboard counts', () => {
    const jobs = new Map(prometheus.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((x) => x.targets)]));
    for (const job of jobs.keys()) expect(job).toMatch(/^edocwatch-.+$/);
    const servePort = (s.dashboard?.command ?? [])[(s.dashboard?.command ?? []).indexOf('--port') + 1];
    expect(jobs.get('edocwatch-serve')).toEqual([`dashboard:${servePort}`]);
    const workers = Object.entries(s).filter(([, v]) => v.command?.[0] === 'worker').map(([k]) => k);
    expect(workers.length).toBe(3);
    const port = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8').match(/EDOCWATCH_WORKER_METRICS_PORT: "(\d+)"/)?.[1];
    expect(jobs.get('edocwatch-worker')?.sort()).toEqual(workers.map((w) => `${w}:${port}`).sort());
  });

  it('mounts the provisioning and dashboards where the provisioning files look, in the monitoring profile', () => {
    const providers = (yaml('docker/grafana/provisioning/dashboards/edocwatch.yaml').providers as Array<{ options: { path: string } }>) ?? [];
    const grafana = s.grafana;
    expect(grafana?.profiles).toEqual(['monitoring']);
    expect(s.prometheus?.profiles).toEqual(['monitoring']);
    expect(grafana?.volumes).toEqual(expect.arrayContaining(['./docker/grafana/provisioning:/etc/grafana/provisioning:ro', `./docker/grafana/dashboards:${providers[0]?.options.path}:ro`]));
    expect(s.prometheus?.volumes).toContain('./docker/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    // The data source's $VARS are in Grafana's environment; the reader role is made before Grafana starts.
    const dsText = readFileSync(path.join(GRAFANA_DIR, 'provisioning/datasources/edocwatch.yaml'), 'utf8').replace(/^\s*#.*$/gm, '');
    for (const v of dsText.matchAll(/\$([A-Z_]+)/g)) expect(Object.keys(grafana?.environment ?? {})).toContain(v[1]);
    expect(s['grafana-reader']?.volumes).toContain('./docker/grafana/grafana-reader.sql:/sql/grafana-reader.sql:ro');
  });
});
