// The HTTP app through Fastify's inject (no port): health, statistics and the report page, on a
// real migrated database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { cli } from '../helpers/cli.js';
import { WebClient } from '../helpers/web-session.js';

describe('the HTTP app', () => {
  let t: TestEnv;
  let pool: Pool;
  const now = () => new Date('2026-08-15T03:00:00Z');

  beforeAll(async () => {
    t = await createTestEnv('http');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    process.env.HTTP_PW = 'a-long-enough-password';
    expect((await cli('user', 'add', '--name', 'admin', '--role', 'admin', '--password-env', 'HTTP_PW')).code).toBe(0);
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

  it('exposes Prometheus metrics per mailbox from Postgres (messages, bytes, lag, last error) and of its process', async () => {
    const { insertMailbox } = await import('../../src/db/mailboxes.js');
    const id = await insertMailbox(pool, { agencyCode: '000.00.03.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'metrics', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    await pool.query(`UPDATE mailboxes SET last_success_at = $2, last_error = 'E' WHERE id = $1`, [id, new Date('2026-08-15T02:59:00Z')]);
    await pool.query(`INSERT INTO raw_objects (sha256, size) VALUES ($1, 1234)`, ['e'.repeat(64)]);
    await pool.query(`INSERT INTO messages (mailbox_id, dedup_key, sha256, size, state) VALUES ($1, 'sha:e', $2, 1234, 'analyzed')`, [id, 'e'.repeat(64)]);
    const app = buildApp({ pool, config: t.config }, { now });
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    const labels = `{mailbox="${id}",agency="000.00.03.H30"}`;
    expect(r.body).toContain(`edocwatch_messages_synced${labels} 1`);
    expect(r.body).toContain(`edocwatch_bytes_synced${labels} 1234`);
    expect(r.body).toContain(`edocwatch_mailbox_lag_seconds${labels} 60`);
    expect(r.body).toContain(`edocwatch_mailbox_error${labels} 1`);
    expect(r.body).toContain('edocwatch_messages{state="analyzed"} 1');
    expect(r.body).toContain('edocwatch_messages{state="pending"} 0');
    // The serving process's own health, named as the workers' is.
    expect(r.body).toMatch(/^edocwatch_process_resident_memory_bytes \d+$/m);
  });

  const signedIn = async (app: ReturnType<typeof buildApp>) => {
    const c = new WebClient(app);
    expect((await c.signIn('admin', 'a-long-enough-password')).statusCode).toBe(303);
    return c;
  };

  it('serves the statistics of a period as JSON, with null ratios on an empty quarter', async () => {
    const app = buildApp({ pool, config: t.config }, { now });
    expect((await app.inject({ url: '/api/stats?period=2026-Q3' })).statusCode).toBe(401);
    const r = await (await signedIn(app)).get('/api/stats?period=2026-Q3');
    expect(r.statusCode).toBe(200);
    const s = r.json<{ period: string; province: Record<string, { ratio: number | null; denominator: number }> }>();
    expect(s.period).toBe('2026-Q3');
    expect(s.province.K1).toMatchObject({ ratio: null, denominator: 0 });
  });

  it('refuses a malformed period with 400 and a message', async () => {
    const app = buildApp({ pool, config: t.config }, { now });
    const r = await (await signedIn(app)).get('/api/stats?period=2026-Q9');
    expect(r.statusCode).toBe(400);
    expect(r.json<{ error: string }>().error).toBe('bad_period');
  });

  it('shows the current quarter in Asia/Ho_Chi_Minh by default and renders a report', async () => {
    const app = buildApp({ pool, config: t.config }, { now: () => new Date('2026-09-30T18:30:00Z') });
    const c = await signedIn(app);
    expect((await c.get('/')).headers.location).toBe('/overview');
    // 01:30 on 1 October in Vietnam: the fourth quarter already.
    expect((await c.get('/overview')).body).toContain('2026-Q4');
    const page = await c.get('/report/2026-Q4');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Báo cáo tình hình sử dụng thư điện tử công vụ quý IV năm 2026');
  });
});
