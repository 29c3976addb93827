import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  it('loads the defaults with the Asia/Ho_Chi_Minh targets of the directive', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgres://localhost:5432/edocwatch');
    expect(c.queuePrefix).toBe('{edocwatch}');
    expect(c.targets['2015']?.K1).toEqual({ op: '>=', value: 0.8 });
    expect(c.targets['2014']?.K1s).toEqual({ op: '<', value: 0.5 });
    expect(c.secretKey).toBeNull();
  });

  it('takes environment overrides', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const c = loadConfig({ DATABASE_URL: 'postgres://db:5432/x', EDOCWATCH_SECRET_KEY: key, EDOCWATCH_ANALYZE_CONCURRENCY: '8' });
    expect(c.databaseUrl).toBe('postgres://db:5432/x');
    expect(c.secretKey?.length).toBe(32);
    expect(c.analyze.concurrency).toBe(8);
  });

  it('reports every bad value at once, naming the variable, never echoing the key', () => {
    let err: unknown;
    try {
      loadConfig({ REDIS_URL: 'localhost:6379', EDOCWATCH_SECRET_KEY: 'c2hvcnQ=', LOG_LEVEL: 'loud', EDOCWATCH_ANALYZE_CONCURRENCY: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toContain('redis_url (REDIS_URL): must be a URL starting with redis:// or rediss://');
    expect(problems.join('\n')).toContain('secret_key (EDOCWATCH_SECRET_KEY)');
    expect(problems.join('\n')).not.toContain('c2hvcnQ=');
    expect(problems.join('\n')).toContain('log_level (LOG_LEVEL)');
    expect(problems.join('\n')).toContain('analyze.concurrency (EDOCWATCH_ANALYZE_CONCURRENCY)');
  });

  it('turns the worker metrics listener on with a port, and refuses a port out of range', () => {
    expect(loadConfig({}).workerMetrics).toEqual({ port: null, host: '127.0.0.1' });
    expect(loadConfig({ EDOCWATCH_WORKER_METRICS_PORT: '9464', EDOCWATCH_WORKER_METRICS_HOST: '0.0.0.0' }).workerMetrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(() => loadConfig({ EDOCWATCH_WORKER_METRICS_PORT: '70000' })).toThrow(/worker_metrics\.port \(EDOCWATCH_WORKER_METRICS_PORT\)/);
  });

  it('reads the seeds of a Redis Cluster from REDIS_CLUSTER, and refuses a seed without a port', () => {
    expect(loadConfig({}).redisCluster).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER: '10.0.0.1:7000, redis-b:7001,[::1]:7002' }).redisCluster).toEqual(['10.0.0.1:7000', 'redis-b:7001', '[::1]:7002']);
    expect(() => loadConfig({ REDIS_CLUSTER: 'redis-a:7000,redis-b' })).toThrow(/redis_cluster.*must be host:port/);
  });

  it('refuses an override file that cannot be read', () => {
    expect(() => loadConfig({ EDOCWATCH_CONFIG: '/nonexistent/edocwatch.yaml' })).toThrow(/cannot read/);
  });

  it('reads the report settings, and names every bad one with its key', () => {
    const d = loadConfig({}).reports;
    expect([d.issuer, d.issuerSymbol, d.numberPattern, d.place, d.lang, d.rankBy, d.signer]).toEqual([null, null, '{seq}/BC-{issuer}', null, 'vi', 'K1', null]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-config-'));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, 'reports:\n  issuer: "000.00.09.H30"\n  issuer_symbol: SKHCN\n  number_pattern: "{seq}/{year}/BC-{issuer}"\n  place: Sơn Minh\n  rank_by: K6\n  signer: { title: "KT. GIÁM ĐỐC", name: "Nguyễn Văn A" }\n');
    const r = loadConfig({ EDOCWATCH_CONFIG: good, EDOCWATCH_REPORT_LANG: 'en' }).reports;
    expect(r).toMatchObject({ issuer: '000.00.09.H30', issuerSymbol: 'SKHCN', numberPattern: '{seq}/{year}/BC-{issuer}', place: 'Sơn Minh', lang: 'en', rankBy: 'K6', signer: { title: 'KT. GIÁM ĐỐC', name: 'Nguyễn Văn A' } });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'reports:\n  issuer_symbol: "sở kh"\n  number_pattern: "{seq}/BC-{org}"\n  place: ""\n  lang: fr\n  rank_by: K7\n');
    let err: unknown;
    try {
      loadConfig({ EDOCWATCH_CONFIG: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('reports.issuer_symbol: must be upper-case letters, digits and "-", e.g. SKHCN');
    expect(problems).toContain('reports.number_pattern: unknown placeholder {org} (use {seq}, {issuer}, {year}, {period})');
    expect(problems).toContain('reports.place');
    expect(problems).toContain('reports.lang (EDOCWATCH_REPORT_LANG)');
    expect(problems).toContain('reports.rank_by: must be a KPI id other than K7');
    expect((err as ConfigError).problems).toHaveLength(5);
  });
});
