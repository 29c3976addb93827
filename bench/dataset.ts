// The generated database that the statistics (bench/stats.ts) and API (bench/api.ts) sections of
// `npm run bench` share: ~300 agencies and their mail over 3 years, at a given number of message
// rows, in a database of its own per size (edocwatch_bench_1000000, …).
//
// Rows are written by set-based SQL only (generate_series, INSERT … SELECT), mail by mail: ~300
// agencies of every level, one monitored mailbox each, ~4,000 official accounts (some disabled,
// some created or closed mid-way), mails over 3 years (2024–2026) from a skewed choice of senders to
// 1–3 other agencies; each mail is one message in the sender's Sent and one in each recipient's
// INBOX, one exchange per recipient, a document for 70% of them, and the parties of each message.
// Triggers are off while loading (session_replication_role = replica: the rollup triggers and
// foreign keys would only slow the load), then the rollups are filled with `rebuildRollups`, the
// code of `edocwatch rollups rebuild`, and the database is VACUUM ANALYZEd.
//
// Each step that completes is recorded in the table bench_meta, so a database kept with --keep-db
// is reused as it is by the next run (and by the other section), and a run stopped after the facts
// were written resumes at the rollups. A database whose generator version differs is re-created.
import { loadavg } from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool, pgSettings, type Pool } from '../src/db/pool.js';
import { rebuildRollups } from '../src/db/rollups.js';
import { BenchError, say } from './common.js';

/** Bumped whenever the generated rows change: a kept database of another version is re-created. */
const GENERATOR_VERSION = 1;

export const AGENCY_COUNT = 300;

/** The agency whose user the API section signs in as, and whose one-agency statistics are timed. */
export const BENCH_AGENCY = 'B001.H30';

export function datasetDbName(size: number): string {
  return `edocwatch_bench_${size}`;
}

export function datasetUrls(size: number): { admin: string; db: string } {
  const base = new URL(process.env['DATABASE_URL'] ?? 'postgres://127.0.0.1:5432/edocwatch');
  base.pathname = `/${datasetDbName(size)}`;
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  return { admin: admin.toString(), db: base.toString() };
}

async function adminQuery(size: number, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client(pgSettings(datasetUrls(size).admin));
  try {
    await c.connect();
  } catch (err) {
    throw new BenchError(`cannot reach PostgreSQL: ${(err as Error).message} (run: bash scripts/services.sh up)`);
  }
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

export async function dropDataset(size: number): Promise<void> {
  await adminQuery(size, `DROP DATABASE IF EXISTS ${datasetDbName(size)} WITH (FORCE)`);
}

export const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/** The directory, mailboxes and accounts: small, the same at every size. */
const SETUP_SQL = `
CREATE FUNCTION bench_h(i bigint, salt int) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8(i * 1000003 + salt) & 2147483647)::float8 / 2147483648 $$;
CREATE TABLE bench_agencies AS
SELECT g AS idx,
       CASE WHEN g = 0 THEN 'province_pc' WHEN g <= 30 THEN 'department' WHEN g <= 39 THEN 'provincial_org'
            WHEN g <= 49 THEN 'district_pc' WHEN g <= 249 THEN 'commune_pc' ELSE 'unit' END AS level,
       CASE WHEN g = 0 THEN 30 WHEN g <= 30 THEN 40 WHEN g <= 39 THEN 15 WHEN g <= 49 THEN 30 WHEN g <= 249 THEN 10 ELSE 8 END AS n_acc,
       'B' || lpad(g::text, 3, '0') || '.H30' AS code,
       'a' || g || '.bench.gov.vn' AS domain
  FROM generate_series(0, ${AGENCY_COUNT - 1}) g;
INSERT INTO agencies (code, name, level, parent, domains)
SELECT code, 'Cơ quan ' || idx, level, CASE WHEN idx = 0 THEN NULL ELSE 'B000.H30' END, ARRAY[domain] FROM bench_agencies ORDER BY idx;
INSERT INTO mailboxes (id, agency_code, host, port, security, username, secret_enc, folders)
SELECT idx + 1, code, '127.0.0.1', 993, 'tls', 'vanthu@' || domain, '\\x00'::bytea, '{INBOX}' FROM bench_agencies;
SELECT setval('mailboxes_id_seq', ${AGENCY_COUNT});
INSERT INTO accounts (address, agency_code, display_name, enabled, created_on, source, valid_from, valid_to)
SELECT 'u' || k || '@' || a.domain, a.code, 'Người dùng ' || k, bench_h(a.idx * 100 + k, 1) >= 0.05,
       CASE WHEN bench_h(a.idx * 100 + k, 2) < 0.1 THEN timestamptz '2025-07-01 00:00+07' ELSE timestamptz '2023-06-01 00:00+07' END,
       'csv:by-domain',
       CASE WHEN bench_h(a.idx * 100 + k, 2) < 0.1 THEN timestamptz '2025-07-01 00:00+07' ELSE timestamptz '2023-06-01 00:00+07' END,
       CASE WHEN bench_h(a.idx * 100 + k, 3) < 0.03 THEN timestamptz '2026-04-01 00:00+07' END
  FROM bench_agencies a, generate_series(0, a.n_acc - 1) k;
`;

/**
 * Mails [lo, hi): sender skewed toward the Provincial PC and departments, 1–3 recipients at
 * distinct other agencies, a working-hours date in 2024–2026 (local time).
 */
function chunkSql(lo: number, hi: number): string[] {
  return [
    `CREATE TEMP TABLE bench_mails AS
     SELECT i, s.idx AS sidx, s.code AS scode, s.level AS slevel, s.domain AS sdomain,
            'u' || floor(bench_h(i, 4) * s.n_acc)::int || '@' || s.domain AS saddr,
            1 + floor(bench_h(i, 5) * 3)::int AS r,
            timestamptz '2024-01-01 08:00+07' + floor(bench_h(i, 6) * 1096)::int * interval '1 day'
              + floor(bench_h(i, 7) * 32400)::int * interval '1 second' AS ts,
            bench_h(i, 8) < 0.7 AS has_doc, bench_h(i, 9) AS f
       FROM generate_series(${lo}::bigint, ${hi - 1}::bigint) i
       JOIN bench_agencies s ON s.idx = floor(power(bench_h(i, 3), 2) * ${AGENCY_COUNT})::int`,
    `CREATE TEMP TABLE bench_rcpt AS
     SELECT m.i, k, t.code AS rcode, t.level AS rlevel, 'u' || floor(bench_h(m.i * 4 + k, 11) * t.n_acc)::int || '@' || t.domain AS raddr,
            t.idx + 1 AS rmailbox
       FROM bench_mails m, generate_series(1, m.r) k,
            LATERAL (SELECT * FROM bench_agencies WHERE idx = (m.sidx + 1 + (k - 1) * 100 + floor(bench_h(m.i, 10 + k) * 99)::int) % ${AGENCY_COUNT}) t`,
    `INSERT INTO documents (id, ref, number, year, symbol, kind, issued_on, first_seen, doc_year)
     SELECT i, i || '/VB-' || scode, i::text, NULL, 'VB-' || scode, 'Công văn', (ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, ts,
            extract(year FROM ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::int
       FROM bench_mails WHERE has_doc`,
    // The Sent copy (k = 0) and one INBOX copy per recipient; 97% analyzed, 2% skipped, 1% malformed.
    `INSERT INTO messages (id, mailbox_id, dedup_key, sha256, message_id, internal_date, size, state, fetched_at, analyzed_at,
                           subject, msg_date, direction, from_address)
     SELECT c.i * 4 + c.k, c.mailbox, '<m' || c.i || '@bench>', lpad(to_hex(c.i * 4 + c.k), 64, '0'), '<m' || c.i || '@bench>', c.ts,
            20000 + floor(bench_h(c.i, 12) * 400000)::int,
            CASE WHEN bench_h(c.i, 13) < 0.97 THEN 'analyzed' WHEN bench_h(c.i, 13) < 0.99 THEN 'skipped' ELSE 'malformed' END,
            c.ts, c.ts, 'Công văn số ' || c.i, c.ts, CASE WHEN c.k = 0 THEN 'outbound' ELSE 'inbound' END, c.saddr
       FROM (SELECT m.i, 0 AS k, m.sidx + 1 AS mailbox, m.ts, m.saddr FROM bench_mails m
             UNION ALL
             SELECT m.i, r.k, r.rmailbox, m.ts, m.saddr FROM bench_mails m JOIN bench_rcpt r USING (i)) c`,
    `INSERT INTO message_parties (message_id, address, name, kind, agency_code, matched_by, roles)
     SELECT m.i * 4, m.saddr, NULL, 'agency', m.scode, 'domain', '{from}'::text[] FROM bench_mails m
     UNION ALL
     SELECT m.i * 4, r.raddr, NULL, 'agency', r.rcode, 'domain', '{to}'::text[] FROM bench_mails m JOIN bench_rcpt r USING (i)
     UNION ALL
     SELECT m.i * 4 + r.k, m.saddr, NULL, 'agency', m.scode, 'domain', '{from}'::text[] FROM bench_mails m JOIN bench_rcpt r USING (i)
     UNION ALL
     SELECT m.i * 4 + r.k, r.raddr, NULL, 'agency', r.rcode, 'domain', '{to}'::text[] FROM bench_mails m JOIN bench_rcpt r USING (i)`,
    // Flow by the rules of DESIGN.md from the two levels (provincial_org acts as a department).
    // The labels also as `computed` (migration 0007: what the analysis said; no override here).
    `INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency,
                            receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, computed)
     SELECT x.*, jsonb_build_object('flow', flow, 'form', form, 'digitization', digitization, 'signed', signed, 'secret', secret,
                                    'document_id', document_id, 'has_document', has_document, 'sender_agency', sender_agency,
                                    'sender_kind', sender_kind, 'receiver_agency', receiver_agency, 'receiver_kind', receiver_kind)
       FROM (
         SELECT 'm' || m.i || '-' || r.k AS exchange_key, CASE WHEN m.has_doc THEN m.i END AS document_id, m.saddr AS sender_address, r.raddr AS receiver_address,
                'agency' AS sender_kind, 'agency' AS receiver_kind, m.scode AS sender_agency, r.rcode AS receiver_agency, m.ts AS msg_date, m.has_doc AS has_document,
              CASE WHEN r.rlevel = 'province_pc' THEN 'to_province_pc'
                   WHEN m.slevel IN ('province_pc', 'department', 'provincial_org', 'district_pc') AND r.rlevel IN ('department', 'provincial_org', 'district_pc') THEN 'inter_agency'
                   WHEN m.slevel IN ('commune_pc', 'unit') AND r.rlevel IN ('department', 'provincial_org', 'district_pc') THEN 'to_department_or_district'
                   ELSE 'commune_level' END AS flow,
              CASE WHEN m.f < 0.85 THEN 'electronic' ELSE 'hybrid' END AS form,
              CASE WHEN NOT m.has_doc THEN 'none' WHEN m.f < 0.55 THEN 'born_digital' WHEN m.f < 0.8 THEN 'scanned' WHEN m.f < 0.85 THEN 'mixed' ELSE 'born_digital' END AS digitization,
              m.has_doc AND bench_h(m.i, 14) < 0.4 AS signed, bench_h(m.i, 15) < 0.01 AS secret
       FROM bench_mails m JOIN bench_rcpt r USING (i)) x`,
    'DROP TABLE bench_mails, bench_rcpt',
  ];
}

export interface Generated {
  mails: number;
  messages: number;
  exchanges: number;
  documents: number;
  parties: number;
  accounts: number;
  /** Seconds to write the facts, to rebuild the rollups, to VACUUM ANALYZE (as measured when the database was made). */
  generateS: number;
  rebuildS: number;
  analyzeS: number;
  dbBytes: number;
  /** When each step finished, and the load average then (1, 5, 15 min). */
  steps: Record<string, { at: string; load: number[] }>;
  /** True when this run found the database complete and did not write it. */
  reused: boolean;
}

interface Meta {
  version: number;
  size: number;
  mails: number;
  generateS?: number;
  rebuildS?: number;
  analyzeS?: number;
  steps: Record<string, { at: string; load: number[] }>;
}

async function readMeta(pool: Pool): Promise<Meta | null> {
  const t = await pool.query<{ ok: boolean }>(`SELECT to_regclass('bench_meta') IS NOT NULL AS ok`);
  if (!t.rows[0]?.ok) return null;
  const { rows } = await pool.query<{ meta: Meta }>('SELECT meta FROM bench_meta');
  return rows[0]?.meta ?? null;
}

async function writeMeta(pool: Pool, meta: Meta): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_meta (meta jsonb NOT NULL)');
  await pool.query('DELETE FROM bench_meta');
  await pool.query('INSERT INTO bench_meta (meta) VALUES ($1)', [JSON.stringify(meta)]);
}

function stepDone(meta: Meta, step: string): void {
  meta.steps[step] = { at: new Date().toISOString(), load: loadavg().map((l) => Math.round(l * 100) / 100) };
}

async function writeFacts(pool: Pool, mails: number): Promise<number> {
  const chunk = 250_000;
  const t0 = process.hrtime.bigint();
  const client = await pool.connect();
  try {
    await client.query(SETUP_SQL);
    await client.query('SET session_replication_role = replica');
    for (let lo = 1; lo <= mails; lo += chunk) {
      const hi = Math.min(mails + 1, lo + chunk);
      await client.query('BEGIN');
      for (const sql of chunkSql(lo, hi)) await client.query(sql);
      await client.query('COMMIT');
      say(`dataset: ${hi - 1} / ${mails} mails written (${secs(t0).toFixed(0)} s, load ${loadavg()[0]?.toFixed(2)})`);
    }
    await client.query('SET session_replication_role = origin');
  } finally {
    client.release();
  }
  await pool.query(`SELECT setval('messages_id_seq', (SELECT max(id) FROM messages)), setval('documents_id_seq', (SELECT max(id) FROM documents))`);
  return secs(t0);
}

/**
 * The database of `size` message rows, ready: reused when kept complete from an earlier run (any
 * pending migration is applied to it), else (re-)created. factsOnly stops after the facts (the
 * next run resumes at the rollups). The caller ends the pool.
 */
export async function openDataset(size: number, opts: { poolSize?: number; factsOnly?: boolean } = {}): Promise<{ pool: Pool; url: string; generated: Generated }> {
  const urls = datasetUrls(size);
  const mails = Math.round(size / 3); // three messages per mail on average (one Sent copy, 1–3 INBOX copies)
  const exists = (await adminQuery(size, 'SELECT 1 FROM pg_database WHERE datname = $1', [datasetDbName(size)])).rows.length > 0;
  let meta: Meta | null = null;
  if (exists) {
    const probe = createPool(urls.db, 1);
    try {
      meta = await readMeta(probe);
    } finally {
      await probe.end();
    }
    if (meta && (meta.version !== GENERATOR_VERSION || meta.size !== size || !meta.steps['facts'])) meta = null;
  }
  const reused = meta?.steps['analyzed'] !== undefined;
  if (!meta) {
    say(`dataset: ${size.toLocaleString('en')} messages: database ${datasetDbName(size)} (re-)created ...`);
    await dropDataset(size);
    await adminQuery(size, `CREATE DATABASE ${datasetDbName(size)}`);
  } else {
    say(`dataset: ${size.toLocaleString('en')} messages: database ${datasetDbName(size)} kept from ${meta.steps['facts']?.at}${reused ? '' : ' (facts only: resuming)'}`);
  }
  const tm = process.hrtime.bigint();
  await migrate(urls.db);
  say(`dataset: migrations applied in ${secs(tm).toFixed(1)} s`);
  const pool = createPool(urls.db, opts.poolSize ?? 6);
  try {
    if (!meta) {
      meta = { version: GENERATOR_VERSION, size, mails, steps: {} };
      meta.generateS = await writeFacts(pool, mails);
      stepDone(meta, 'facts');
      await writeMeta(pool, meta);
    }
    if (!meta.steps['rollups'] && !opts.factsOnly) {
      const t = process.hrtime.bigint();
      const rebuilt = await rebuildRollups(pool);
      meta.rebuildS = secs(t);
      stepDone(meta, 'rollups');
      await writeMeta(pool, meta);
      say(`dataset: rollups rebuilt in ${meta.rebuildS.toFixed(1)} s (${rebuilt.exchangeRows} exchange, ${rebuilt.messageRows} message, ${rebuilt.periodRows} period rows)`);
    }
    if (!meta.steps['analyzed'] && !opts.factsOnly) {
      const t = process.hrtime.bigint();
      await pool.query('VACUUM ANALYZE');
      meta.analyzeS = secs(t);
      stepDone(meta, 'analyzed');
      await writeMeta(pool, meta);
    }
    const { rows } = await pool.query<{ messages: number; exchanges: number; documents: number; parties: number; accounts: number; bytes: number }>(
      `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM exchanges)::int AS exchanges,
              (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM message_parties)::int AS parties,
              (SELECT count(*) FROM accounts)::int AS accounts, pg_database_size(current_database())::bigint AS bytes`,
    );
    const r = rows[0]!;
    const generated: Generated = {
      mails, messages: r.messages, exchanges: r.exchanges, documents: r.documents, parties: r.parties, accounts: r.accounts,
      generateS: meta.generateS ?? 0, rebuildS: meta.rebuildS ?? 0, analyzeS: meta.analyzeS ?? 0, dbBytes: r.bytes, steps: meta.steps, reused,
    };
    return { pool, url: urls.db, generated };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
