// The Grafana dashboard of docker/grafana as the tests read it: its panels' queries, and the SQL
// macros and template variables expanded the way Grafana's PostgreSQL data source does
// ($__timeFilter(col) → col BETWEEN 'from' AND 'to', $__timeFrom()/$__timeTo() → 'ISO time',
// ${var} → its value), so the queries can be run against a real database.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const GRAFANA_DIR = path.resolve(import.meta.dirname, '../../docker/grafana');

export interface DashboardTarget {
  refId: string;
  datasource: { type: string; uid: string };
  expr?: string;
  rawSql?: string;
  format?: string;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: DashboardTarget[];
}

export interface Dashboard {
  uid: string;
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string; query: string; datasource: { type: string; uid: string } }> };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(path.join(GRAFANA_DIR, 'dashboards', 'edocwatch.json'), 'utf8')) as Dashboard;
}

export function targetsOf(d: Dashboard): Array<{ panel: DashboardPanel; target: DashboardTarget }> {
  return d.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}

const iso = (d: Date) => d.toISOString();

/** Expands the macros and variables Grafana would; throws on any it would not know. */
export function expandGrafanaSql(sql: string, o: { from: Date; to: Date; vars: Record<string, string> }): string {
  let out = sql
    .replace(/\$__timeFilter\(([^()]+)\)/g, (_m, col: string) => `${col.trim()} BETWEEN '${iso(o.from)}' AND '${iso(o.to)}'`)
    .replace(/\$__timeFrom\(\)/g, `'${iso(o.from)}'`)
    .replace(/\$__timeTo\(\)/g, `'${iso(o.to)}'`);
  out = out.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a?: string, b?: string) => {
    const name = (a ?? b) as string;
    if (name.startsWith('__')) throw new Error(`unsupported Grafana macro ${m}`);
    const v = o.vars[name];
    if (v === undefined) throw new Error(`unknown dashboard variable ${m}`);
    return v;
  });
  return out;
}
