// The statistics section of `npm run bench -- --only stats` (issue 6): `stats` for a quarter and a
// year at 1 and 10 million message rows, from the rollups (the code path of the CLI: periodStats)
// and from a direct scan of the facts in the same run, plus `rollups check` and `rollups rebuild`;
// and, for the before/after of migration 0008, through the day rollups of 0004 as `stats` read
// them before.
//
// The rows are generated in a dedicated database (edocwatch_bench_stats, dropped at the end unless
// --keep-db) by set-based SQL only (generate_series, INSERT … SELECT), mail by mail: ~300 agencies
// of every level, one monitored mailbox each, ~4,000 official accounts (some disabled, some created
// or closed mid-way), mails over 3 years (2024–2026) from a skewed choice of senders to 1–3 other
// agencies; each mail is one message in the sender's Sent and one in each recipient's INBOX, one
// exchange per recipient, a document for 70% of them, and the parties of each message. Triggers are
// off while loading (session_replication_role = replica: the rollup triggers and foreign keys
// would only slow the load), then the rollups are filled with `rebuildRollups`, the code of
// `edocwatch rollups rebuild`.
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, pgSettings, type Pool } from '../src/db/pool.js';
import { checkRollups, rebuildRollups } from '../src/db/rollups.js';
import { accountVersions, activeAccountAddresses, agencyLevels, agencyMessages } from '../src/db/accounts.js';
import { exchangeCountsByDay, messageTotalsByDay } from '../src/db/stats.js';
import { k7Counts } from '../src/domain/accounts.js';
import { computeKpis, type AccountCount, type ExchangeCount, type Targets } from '../src/domain/kpi.js';
import { parsePeriod } from '../src/domain/period.js';
import { periodStats } from '../src/report/stats.js';
import { BenchError, say, type SectionResult } from './common.js';

export const STATS_DB = 'edocwatch_bench_stats';

export interface StatsOptions {
  sizes: number[];
  runs: number;
  factRuns: number;
  keepDb: boolean;
}

export const AGENCY_COUNT = 300;

/** The bench database's URL and the server's maintenance database (another section names its own). */
export function adminUrl(dbName: string = STATS_DB): { admin: string; db: string } {
  const base = new URL(process.env['DATABASE_URL'] ?? 'postgres://127.0.0.1:5432/edocwatch');
  base.pathname = `/${dbName}`;
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  return { admin: admin.toString(), db: base.toString() };
}

export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client(pgSettings(adminUrl().admin));
  try {
    await c.connect();
  } catch (err) {
    throw new BenchError(`cannot reach PostgreSQL: ${(err as Error).message} (run: bash scripts/services.sh up)`);
  }
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

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
    `INSERT INTO documents (id, ref, number, year, symbol, kind, issued_on, first_seen)
     SELECT i, i || '/VB-' || scode, i::text, NULL, 'VB-' || scode, 'Công văn', (ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, ts
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
    // computed (migration 0007: the labels before any override) is NOT NULL: the same labels.
    `INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency,
                            receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, computed)
     SELECT x.*, jsonb_build_object('flow', x.flow, 'form', x.form, 'digitization', x.digitization, 'signed', x.signed, 'secret', x.secret,
              'document_id', x.document_id, 'has_document', x.has_document, 'sender_agency', x.sender_agency, 'sender_kind', x.sender_kind,
              'receiver_agency', x.receiver_agency, 'receiver_kind', x.receiver_kind)
       FROM (
     SELECT 'm' || m.i || '-' || r.k AS exchange_key, CASE WHEN m.has_doc THEN m.i END AS document_id, m.saddr, r.raddr, 'agency' AS sender_kind, 'agency' AS receiver_kind,
            m.scode AS sender_agency, r.rcode AS receiver_agency, m.ts, m.has_doc AS has_document,
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
  generateS: number;
  indexesS: number;
  rebuildS: number;
  analyzeS: number;
  dbBytes: number;
}

export async function generate(pool: Pool, targetMessages: number): Promise<Generated> {
  // Three messages per mail on average (one Sent copy, 1–3 INBOX copies).
  const mails = Math.round(targetMessages / 3);
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
      say(`stats: ${hi - 1} / ${mails} mails written (${secs(t0).toFixed(0)} s)`);
    }
    await client.query('SET session_replication_role = origin');
  } finally {
    client.release();
  }
  const generateS = secs(t0);
  const t1 = process.hrtime.bigint();
  await pool.query(`SELECT setval('messages_id_seq', (SELECT max(id) FROM messages)), setval('documents_id_seq', (SELECT max(id) FROM documents))`);
  const indexesS = secs(t1);
  const t2 = process.hrtime.bigint();
  const rebuilt = await rebuildRollups(pool);
  const rebuildS = secs(t2);
  say(`stats: rollups rebuilt in ${rebuildS.toFixed(1)} s (${rebuilt.exchangeRows} exchange, ${rebuilt.messageRows} message, ${rebuilt.periodRows} period rows)`);
  const t3 = process.hrtime.bigint();
  await pool.query('VACUUM ANALYZE');
  const analyzeS = secs(t3);
  const { rows } = await pool.query<{ messages: number; exchanges: number; documents: number; parties: number; accounts: number; bytes: number }>(
    `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM exchanges)::int AS exchanges,
            (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM message_parties)::int AS parties,
            (SELECT count(*) FROM accounts)::int AS accounts, pg_database_size(current_database())::bigint AS bytes`,
  );
  const r = rows[0]!;
  return { mails, messages: r.messages, exchanges: r.exchanges, documents: r.documents, parties: r.parties, accounts: r.accounts, generateS, indexesS, rebuildS, analyzeS, dbBytes: r.bytes };
}

// ---------------------------------------------------------------------------------------------
// The same statistics from the facts, without any rollup: what `stats` would cost without them.

async function factExchangeCounts(db: Pool, start: Date, end: Date): Promise<ExchangeCount[]> {
  const { rows } = await db.query<{ agency_code: string; level: ExchangeCount['level']; flow: ExchangeCount['flow']; form: ExchangeCount['form']; digitization: ExchangeCount['digitization']; signed: boolean; secret: boolean; has_document: boolean; direction: ExchangeCount['direction']; weight: number; n: number }>(
    `WITH e AS (SELECT sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document, count(*) AS n
                  FROM exchanges WHERE msg_date >= $1 AND msg_date < $2 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
     sides AS (
       SELECT e.*, e.sender_agency AS agency_code, CASE WHEN e.sender_agency = e.receiver_agency THEN 'internal' ELSE 'outbound' END AS direction, 1 AS weight
         FROM e WHERE e.sender_agency IS NOT NULL
       UNION ALL
       SELECT e.*, e.receiver_agency, 'inbound', CASE WHEN e.sender_agency IS NULL THEN 1 ELSE 0 END
         FROM e WHERE e.receiver_agency IS NOT NULL AND e.receiver_agency IS DISTINCT FROM e.sender_agency)
     SELECT s.agency_code, a.level, s.flow, s.form, s.digitization, s.signed, s.secret, s.has_document, s.direction, s.weight, sum(s.n)::int AS n
       FROM sides s JOIN agencies a ON a.code = s.agency_code GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    [start, end],
  );
  return rows.map((r) => ({ agencyCode: r.agency_code, level: r.level, flow: r.flow, form: r.form, digitization: r.digitization, signed: r.signed, secret: r.secret, hasDocument: r.has_document, direction: r.direction, provinceWeight: r.weight, count: r.n }));
}

async function factAccountCounts(db: Pool, start: Date, end: Date): Promise<AccountCount[]> {
  const versions = await db.query<{ address: string; agency_code: string; enabled: boolean; valid_from: Date; valid_to: Date | null }>(
    'SELECT address, agency_code, enabled, valid_from, valid_to FROM accounts WHERE valid_from < $2 AND (valid_to IS NULL OR valid_to > $1)',
    [start, end],
  );
  const active = await db.query<{ address: string }>(
    `SELECT sender_address AS address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2 AND sender_address IS NOT NULL
     UNION SELECT receiver_address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2 AND receiver_address IS NOT NULL`,
    [start, end],
  );
  const messages = await db.query<{ agency_code: string; level: AccountCount['level']; sent: number; received: number }>(
    `SELECT b.agency_code, a.level,
            count(m.id) FILTER (WHERE m.direction IN ('outbound','internal'))::int AS sent, count(m.id) FILTER (WHERE m.direction = 'inbound')::int AS received
       FROM mailboxes b JOIN agencies a ON a.code = b.agency_code
       LEFT JOIN messages m ON m.mailbox_id = b.id AND COALESCE(m.msg_date, m.internal_date, m.fetched_at) >= $1
            AND COALESCE(m.msg_date, m.internal_date, m.fetched_at) < $2 AND m.state IN ('analyzed', 'malformed')
      GROUP BY 1, 2`,
    [start, end],
  );
  const levels = await db.query<{ code: string; level: AccountCount['level'] }>('SELECT code, level FROM agencies');
  return k7Counts(
    versions.rows.map((v) => ({ address: v.address, agencyCode: v.agency_code, enabled: v.enabled, validFrom: v.valid_from, validTo: v.valid_to })),
    new Set(active.rows.map((r) => r.address)),
    messages.rows.map((m) => ({ agencyCode: m.agency_code, level: m.level, sent: m.sent, received: m.received })),
    new Map(levels.rows.map((l) => [l.code, l.level])),
    start,
    end,
  );
}

async function factStats(db: Pool, targets: Targets, periodId: string): Promise<unknown> {
  const p = parsePeriod(periodId);
  const [rows, accounts, states, ex] = await Promise.all([
    factExchangeCounts(db, p.start, p.end),
    factAccountCounts(db, p.start, p.end),
    db.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM messages WHERE COALESCE(msg_date, internal_date, fetched_at) >= $1 AND COALESCE(msg_date, internal_date, fetched_at) < $2 GROUP BY 1',
      [p.start, p.end],
    ),
    db.query<{ exchanges: number; documents: number }>(
      'SELECT count(*)::int AS exchanges, count(DISTINCT document_id)::int AS documents FROM exchanges WHERE msg_date >= $1 AND msg_date < $2',
      [p.start, p.end],
    ),
  ]);
  const k = computeKpis(rows, accounts, { year: p.year, targets, paperRegister: false });
  return { messages: Object.fromEntries(states.rows.map((r) => [r.state, r.n])), ...ex.rows[0], province: k.province, levels: k.levels, agencies: k.agencies };
}

/**
 * The same statistics through the day rollups of 0004 (what `stats` read before migration 0008),
 * composed as periodStats composes them: the "before" of docs/benchmarks.md.
 */
async function dayRollupStats(db: Pool, targets: Targets, periodId: string): Promise<unknown> {
  const p = parsePeriod(periodId);
  const [rows, versions, active, messages, levels, totals] = await Promise.all([
    exchangeCountsByDay(db, p.start, p.end),
    accountVersions(db, p.start, p.end),
    activeAccountAddresses(db, p.start, p.end, { byPeriod: false }),
    agencyMessages(db, p.start, p.end, { byPeriod: false }),
    agencyLevels(db),
    messageTotalsByDay(db, p.start, p.end),
  ]);
  const accounts = k7Counts(versions, active, messages, levels, p.start, p.end);
  const k = computeKpis(rows, accounts, { year: p.year, targets, paperRegister: false });
  return { messages: { total: totals.total, ...totals.byState }, exchanges: totals.exchanges, documents: totals.documents, province: k.province, levels: k.levels, agencies: k.agencies };
}

// ---------------------------------------------------------------------------------------------

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[idx] as number;
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; min: number; max: number; runs: number[] }> {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(secs(t0) * 1000);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), min: Math.min(...times), max: Math.max(...times), runs: times };
}

export interface StatsSizeResult {
  size: number;
  generated: Generated;
  timings: Record<string, { p50: number; p95: number; min: number; max: number; runs: number[] }>;
  checkS: number;
  checkDifferences: number;
  agree: Record<string, boolean>;
}

/** What must be equal between the rollups and the facts: every KPI and every count `stats` shows. */
function comparable(s: Record<string, unknown>): unknown {
  const m = s['messages'] as Record<string, number>;
  const states = Object.fromEntries(Object.entries(m).filter(([k, v]) => k !== 'total' && v !== 0).sort());
  return { states, exchanges: s['exchanges'], documents: s['documents'], province: s['province'], levels: s['levels'], agencies: s['agencies'] };
}

export async function runStatsSection(o: StatsOptions): Promise<SectionResult> {
  const config = loadConfig();
  const targets = config.targets as Targets;
  const results: StatsSizeResult[] = [];
  for (const size of o.sizes) {
    say(`stats: ${size.toLocaleString('en')} messages: database ${STATS_DB} re-created ...`);
    await adminQuery(`DROP DATABASE IF EXISTS ${STATS_DB} WITH (FORCE)`);
    await migrate(adminUrl().db);
    const pool = createPool(adminUrl().db, 6);
    try {
      const generated = await generate(pool, size);
      say(`stats: ${generated.messages} messages, ${generated.exchanges} exchanges, ${generated.documents} documents, ${generated.parties} parties in ${generated.generateS.toFixed(0)} s; database ${(generated.dbBytes / 1e9).toFixed(1)} GB`);
      const timings: StatsSizeResult['timings'] = {};
      const agree: Record<string, boolean> = {};
      for (const period of ['2026-Q3', '2025']) {
        // One untimed call each warms the caches, as a dashboard that is in use has them.
        const fromRollups = (await periodStats(pool, config, period)) as unknown as Record<string, unknown>;
        const fromFacts = (await factStats(pool, targets, period)) as Record<string, unknown>;
        const fromDays = (await dayRollupStats(pool, targets, period)) as Record<string, unknown>;
        agree[period] = JSON.stringify(comparable(fromRollups)) === JSON.stringify(comparable(fromFacts));
        agree[`${period} (day rollups)`] = JSON.stringify(comparable(fromDays)) === JSON.stringify(comparable(fromFacts));
        if (!agree[period]) say(`stats: WARNING: ${period}: rollups and facts disagree`);
        timings[`rollups ${period}`] = await timeRuns(o.runs, () => periodStats(pool, config, period));
        say(`stats: ${period} from rollups p50 ${timings[`rollups ${period}`]!.p50.toFixed(0)} ms`);
        timings[`facts ${period}`] = await timeRuns(o.factRuns, () => factStats(pool, targets, period));
        say(`stats: ${period} from facts p50 ${timings[`facts ${period}`]!.p50.toFixed(0)} ms`);
        timings[`rollups ${period} one agency`] = await timeRuns(o.runs, () => periodStats(pool, config, period, 'B001.H30'));
        timings[`day rollups (0004) ${period}`] = await timeRuns(o.factRuns, () => dayRollupStats(pool, targets, period));
        say(`stats: ${period} from the day rollups of 0004 p50 ${timings[`day rollups (0004) ${period}`]!.p50.toFixed(0)} ms`);
      }
      const t0 = process.hrtime.bigint();
      const check = await checkRollups(pool);
      const checkS = secs(t0);
      say(`stats: rollups check ${checkS.toFixed(1)} s, ${check.differences.length} differences`);
      if (check.differences.length > 0) throw new BenchError(`rollups check found ${check.differences.length} differences after a rebuild: ${JSON.stringify(check.differences.slice(0, 3))}`);
      results.push({ size, generated, timings, checkS, checkDifferences: check.differences.length, agree });
    } finally {
      await pool.end();
    }
    if (!o.keepDb) await adminQuery(`DROP DATABASE IF EXISTS ${STATS_DB} WITH (FORCE)`);
  }
  const lines: string[] = [];
  for (const r of results) {
    const g = r.generated;
    lines.push(
      '',
      `${g.messages.toLocaleString('en')} messages (${g.mails.toLocaleString('en')} mails), ${g.exchanges.toLocaleString('en')} exchanges, ${g.documents.toLocaleString('en')} documents, ${g.parties.toLocaleString('en')} parties, ${g.accounts} accounts; database ${(g.dbBytes / 1e9).toFixed(2)} GB`,
      `  generated in ${g.generateS.toFixed(1)} s, rollups rebuilt in ${g.rebuildS.toFixed(1)} s, VACUUM ANALYZE ${g.analyzeS.toFixed(1)} s; rollups check ${r.checkS.toFixed(1)} s (${r.checkDifferences} differences)`,
    );
    for (const [k, t] of Object.entries(r.timings)) lines.push(`  stats ${k.padEnd(28)} p50 ${t.p50.toFixed(1).padStart(9)} ms   p95 ${t.p95.toFixed(1).padStart(9)} ms   (${t.runs.length} runs)`);
    lines.push(`  rollups = facts: ${Object.entries(r.agree).map(([p, ok]) => `${p} ${ok ? 'yes' : 'NO'}`).join(', ')}`);
  }
  for (const r of results) {
    for (const [p, ok] of Object.entries(r.agree)) if (!ok) throw new BenchError(`stats ${p} at ${r.size}: the rollups and a direct scan of the facts disagree`);
  }
  return { title: 'Statistics: stats from the rollups and from the facts', rows: [], lines, json: { results } };
}
