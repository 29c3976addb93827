// The API section of `npm run bench -- --only api` (issue 7): latency of the dashboard's JSON API
// at 1 and 10 million message rows. `edocwatch serve` runs as a child process on 127.0.0.1 against
// the generated database of bench/dataset.ts (shared with the stats section; --keep-db keeps it);
// the bench signs in as an admin, an analyst and an agency user (POST /login, as a browser does)
// and drives each endpoint with autocannon on loopback: a fixed number of connections for a fixed
// time, every response timed. Reported per endpoint: requests, req/s, p50/p95/p99/max latency;
// the overview also while the statistics change once a second (serve's cache emptied as often) and
// computed afresh, alone, right after a change.
// Any answer other than 200 fails the run. Traffic goes to 127.0.0.1 only, bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { insertUser } from '../src/db/users.js';
import type { Pool } from '../src/db/pool.js';
import { hashPassword } from '../src/http/passwords.js';
import { STATS_CHANNEL } from '../src/http/stats-cache.js';
import { BenchError, ROOT, say, type SectionResult } from './common.js';
import { BENCH_AGENCY, dropDataset, openDataset, type Generated } from './dataset.js';

export interface ApiOptions {
  sizes: number[];
  keepDb: boolean;
  /** Seconds of load per endpoint. */
  duration: number;
  /** Concurrent connections of the load generator. */
  connections: number;
}

type Role = 'admin' | 'analyst' | 'agency';

interface Scenario {
  name: string;
  role: Role;
  /** Paths requested in turn by each connection. */
  paths: string[];
  /** Commits that change the statistics per second during the run (a NOTIFY as migration 0012's triggers send): the cache is emptied as often. */
  changesPerSecond?: number;
}

export interface EndpointFigures {
  name: string;
  role: Role;
  paths: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Load average (1 min) at the start and the end of the endpoint's run. */
  load: [number, number];
}

const PASSWORD = 'bench-mật-khẩu-dài-2026';
const USERS: Record<Role, { name: string; agency: string | null }> = {
  admin: { name: 'bench-admin', agency: null },
  analyst: { name: 'bench-analyst', agency: null },
  agency: { name: 'bench-agency', agency: BENCH_AGENCY },
};

/** The bench's three users, created afresh (their sessions go with them). */
async function ensureUsers(pool: Pool): Promise<void> {
  const names = Object.values(USERS).map((u) => u.name);
  await pool.query('DELETE FROM web_sessions WHERE user_id IN (SELECT id FROM web_users WHERE name = ANY($1::text[]))', [names]);
  await pool.query('DELETE FROM web_users WHERE name = ANY($1::text[])', [names]);
  const hash = await hashPassword(PASSWORD);
  for (const [role, u] of Object.entries(USERS) as Array<[Role, { name: string; agency: string | null }]>) {
    await insertUser(pool, { name: u.name, role, agencyCode: u.agency, passwordHash: hash });
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** `edocwatch serve` on 127.0.0.1 against the dataset; resolves once it listens. */
async function startServe(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  // BENCH_SERVE_BIN: another build's launcher, for a before/after on the same data.
  const bin = process.env['BENCH_SERVE_BIN'] ?? path.join(ROOT, 'bin', 'edocwatch.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchError(`edocwatch serve did not start within 60 s:\n${stderr}`)), 60_000);
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /edocwatch serve: (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new BenchError(`edocwatch serve exited (${code}) before listening:\n${stderr}`));
    });
  });
  return { child, base };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

function setCookies(res: Response, jar: Map<string, string>): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
  }
}

const cookieHeader = (jar: Map<string, string>): string => [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs in as a browser does (the sign-in page's CSRF cookie and token, then the form); the session cookie. */
async function signIn(base: string, name: string): Promise<string> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/login`);
  setCookies(page, jar);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new BenchError('no CSRF token on the sign-in page');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ _csrf: csrf, name, password: PASSWORD }).toString(),
    redirect: 'manual',
  });
  setCookies(res, jar);
  if (res.status !== 200 || !jar.has('edocwatch_session')) throw new BenchError(`sign-in as ${name} failed: ${res.status} ${await res.text()}`);
  return `edocwatch_session=${jar.get('edocwatch_session')}`;
}

async function getJson(base: string, cookie: string, p: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${p}`, { headers: { cookie } });
  if (res.status !== 200) throw new BenchError(`GET ${p}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The paths of pages 2 … depth+1 of an exchange list, from the `next` cursors of the pages before. */
async function deepPages(base: string, cookie: string, first: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  let p = first;
  for (let i = 0; i < depth; i++) {
    const page = await getJson(base, cookie, p);
    const next = page['next'];
    if (typeof next !== 'string') throw new BenchError(`${p}: no next page (${i + 1} pages deep)`);
    p = `${first}&cursor=${encodeURIComponent(next)}`;
    out.push(p);
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** One endpoint under load: `connections` connections, each requesting `paths` in turn, for `duration` s. */
async function load(base: string, cookie: string, s: Scenario, o: ApiOptions, pool: Pool): Promise<EndpointFigures> {
  const times: number[] = [];
  const changer = s.changesPerSecond
    ? setInterval(() => void pool.query(`SELECT pg_notify('${STATS_CHANNEL}', '')`).catch(() => undefined), 1000 / s.changesPerSecond)
    : null;
  let bad = 0;
  let firstBad = '';
  const load0 = loadavg()[0] ?? 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      {
        url: base,
        connections: o.connections,
        duration: o.duration,
        timeout: 60,
        headers: { cookie, accept: 'application/json' },
        requests: s.paths.map((p) => ({ method: 'GET' as const, path: p })),
      },
      (err: unknown, r: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r)),
    );
    inst.on('response', (_client, status, _bytes, responseTime) => {
      times.push(responseTime);
      if (status !== 200) {
        bad++;
        firstBad ||= String(status);
      }
    });
  }).finally(() => {
    if (changer) clearInterval(changer);
  });
  if (bad > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new BenchError(`${s.name}: ${bad} answers other than 200 (first: ${firstBad}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  if (times.length === 0) throw new BenchError(`${s.name}: no response within ${o.duration} s`);
  times.sort((a, b) => a - b);
  return {
    name: s.name,
    role: s.role,
    paths: s.paths.length,
    requests: times.length,
    rps: times.length / o.duration,
    p50: quantile(times, 0.5),
    p95: quantile(times, 0.95),
    p99: quantile(times, 0.99),
    max: times[times.length - 1] as number,
    load: [load0, loadavg()[0] ?? 0],
  };
}

/**
 * The overview computed afresh: each time a change is announced first (the cache empties), then
 * one request, alone; the time of a dashboard's first view after new mail.
 */
async function cold(base: string, cookie: string, p: string, pool: Pool, runs: number): Promise<{ path: string; p50: number; max: number; runs: number[] }> {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    await pool.query(`SELECT pg_notify('${STATS_CHANNEL}', '')`);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await getJson(base, cookie, p);
    ts.push(performance.now() - t0);
  }
  const sorted = [...ts].sort((a, b) => a - b);
  return { path: p, p50: quantile(sorted, 0.5), max: sorted[sorted.length - 1] as number, runs: ts };
}

export interface ApiSizeResult {
  size: number;
  generated: Generated;
  endpoints: EndpointFigures[];
  cold: Array<{ path: string; p50: number; max: number; runs: number[] }>;
}

export async function runApiSection(o: ApiOptions): Promise<SectionResult> {
  const results: ApiSizeResult[] = [];
  for (const size of o.sizes) {
    const { pool, url, generated } = await openDataset(size);
    let child: ChildProcess | null = null;
    try {
      await ensureUsers(pool);
      const served = await startServe(url);
      child = served.child;
      const base = served.base;
      const cookies: Record<Role, string> = { admin: await signIn(base, USERS.admin.name), analyst: await signIn(base, USERS.analyst.name), agency: await signIn(base, USERS.agency.name) };
      const ex = '/api/exchanges?period=2026-Q3';
      const scenarios: Scenario[] = [
        { name: 'overview quarter', role: 'analyst', paths: ['/api/overview?period=2026-Q3'] },
        { name: 'overview year', role: 'admin', paths: ['/api/overview?period=2025'] },
        { name: 'overview q, 1 change/s', role: 'analyst', paths: ['/api/overview?period=2026-Q3'], changesPerSecond: 1 },
        { name: 'exchanges first page', role: 'analyst', paths: [ex] },
        { name: 'exchanges pages 2-6', role: 'analyst', paths: await deepPages(base, cookies.analyst, ex, 5) },
        { name: 'exchanges flow+signed', role: 'analyst', paths: ['/api/exchanges?period=2025&flow=to_department_or_district&signed=true'] },
        { name: 'exchanges hybrid form', role: 'analyst', paths: ['/api/exchanges?period=2025&form=hybrid'] },
        // Labels no generated exchange carries together (hybrid mail is born digital here): an empty list.
        { name: 'exchanges no match', role: 'analyst', paths: ['/api/exchanges?period=2025&form=hybrid&scanned=true'] },
        { name: 'exchanges one agency', role: 'admin', paths: [`/api/exchanges?period=2025&agency=${BENCH_AGENCY}`] },
        { name: 'exchanges one address', role: 'analyst', paths: [`/api/exchanges?period=2025&party=u3%40a1.bench.gov.vn`] },
        { name: 'exchanges agency user', role: 'agency', paths: [ex, ...(await deepPages(base, cookies.agency, ex, 3))] },
      ];
      // Every endpoint answers (and is warm) before it is timed.
      for (const s of scenarios) for (const p of s.paths) await getJson(base, cookies[s.role], p);
      const endpoints: EndpointFigures[] = [];
      for (const s of scenarios) {
        const f = await load(base, cookies[s.role], s, o, pool);
        say(`api: ${size.toLocaleString('en')}: ${s.name}: p50 ${f.p50.toFixed(0)} ms, p95 ${f.p95.toFixed(0)} ms, ${f.rps.toFixed(1)} req/s (load ${f.load[0].toFixed(2)} → ${f.load[1].toFixed(2)})`);
        endpoints.push(f);
      }
      const colds = [];
      for (const p of ['/api/overview?period=2026-Q3', '/api/overview?period=2025']) {
        const c = await cold(base, cookies.analyst, p, pool, 5);
        say(`api: ${size.toLocaleString('en')}: ${p} uncached: p50 ${c.p50.toFixed(0)} ms, max ${c.max.toFixed(0)} ms (load ${(loadavg()[0] ?? 0).toFixed(2)})`);
        colds.push(c);
      }
      results.push({ size, generated, endpoints, cold: colds });
    } finally {
      if (child) await stopServe(child);
      await pool.end();
    }
    if (!o.keepDb) await dropDataset(size);
  }
  const lines: string[] = [];
  for (const r of results) {
    const g = r.generated;
    lines.push(
      '',
      `${g.messages.toLocaleString('en')} messages, ${g.exchanges.toLocaleString('en')} exchanges; ${o.connections} connections, ${o.duration} s per endpoint`,
      `  ${'endpoint'.padEnd(24)} ${'role'.padEnd(8)} ${'req'.padStart(6)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  load`,
    );
    for (const e of r.endpoints) {
      lines.push(
        `  ${e.name.padEnd(24)} ${e.role.padEnd(8)} ${String(e.requests).padStart(6)} ${e.rps.toFixed(1).padStart(7)} ${e.p50.toFixed(0).padStart(8)} ${e.p95.toFixed(0).padStart(8)} ${e.p99.toFixed(0).padStart(8)} ${e.max.toFixed(0).padStart(8)}  ${e.load[0].toFixed(2)}→${e.load[1].toFixed(2)}`,
      );
    }
    for (const c of r.cold) lines.push(`  ${c.path} computed afresh (after a change, alone): p50 ${c.p50.toFixed(0)} ms, max ${c.max.toFixed(0)} ms (${c.runs.length} runs)`);
    const over = r.endpoints.filter((e) => e.p95 >= 200);
    lines.push(`  p95 < 200 ms: ${over.length === 0 ? 'every endpoint' : `NOT for ${over.map((e) => e.name).join(', ')}`}`);
  }
  return { title: 'API: latency under load on loopback', rows: [], lines, json: { connections: o.connections, duration: o.duration, results } };
}
