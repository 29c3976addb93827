// The HTTP app through Fastify's inject (no port): health, statistics and the report page, on a
// real migrated database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

describe('the HTTP app', () => {
  let t: TestEnv;
  let pool: Pool;
  const now = () => new Date('2026-08-15T03:00:00Z');

  beforeAll(async () => {
    t = await createTestEnv('http');
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('answers /health when the database does', async () => {
    const app = buildApp({ pool, config: t.config }, { now });
    const r = await app.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the statistics of a period as JSON, with null ratios on an empty quarter', async () => {
    const app = buildApp({ pool, config: t.config }, { now });
    const r = await app.inject({ url: '/api/stats?period=2026-Q3' });
    expect(r.statusCode).toBe(200);
    const s = r.json<{ period: string; province: Record<string, { ratio: number | null; denominator: number }> }>();
    expect(s.period).toBe('2026-Q3');
    expect(s.province.K1).toMatchObject({ ratio: null, denominator: 0 });
  });

  it('refuses a malformed period with 400 and a message', async () => {
    const app = buildApp({ pool, config: t.config }, { now });
    const r = await app.inject({ url: '/api/stats?period=2026-Q9' });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ error: string }>().error).toBe('bad_period');
  });

  it('redirects / to the current quarter in Asia/Ho_Chi_Minh and renders its report', async () => {
    const app = buildApp({ pool, config: t.config }, { now: () => new Date('2026-09-30T18:30:00Z') });
    const r = await app.inject({ url: '/' });
    // 01:30 on 1 October in Vietnam: the fourth quarter already.
    expect(r.headers.location).toBe('/report/2026-Q4');
    const page = await app.inject({ url: '/report/2026-Q4' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Báo cáo tình hình sử dụng thư điện tử công vụ quý IV năm 2026');
  });
});
