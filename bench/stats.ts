// The statistics section of `npm run bench -- --only stats` (issue 6): `stats` for a quarter and a
// year at 1 and 10 million message rows, from the rollups (the code path of the CLI: periodStats)
// and from a direct scan of the facts in the same run, plus `rollups check` and `rollups rebuild`;
// and, for the before/after of migration 0008, through the day rollups of 0004 as `stats` read
// them before.
//
// The rows are those of bench/dataset.ts (shared with the API section), one database per size,
// dropped at the end unless --keep-db (a kept database is reused by the next run).
import { loadConfig } from '../src/config/config.js';
import type { Pool } from '../src/db/pool.js';
import { checkRollups } from '../src/db/rollups.js';
import { accountVersions, activeAccountAddresses, agencyLevels, agencyMessages } from '../src/db/accounts.js';
import { exchangeCountsByDay, messageTotalsByDay } from '../src/db/stats.js';
import { k7Counts } from '../src/domain/accounts.js';
import { computeKpis, type AccountCount, type ExchangeCount, type Targets } from '../src/domain/kpi.js';
import { parsePeriod } from '../src/domain/period.js';
import { periodStats } from '../src/report/stats.js';
import { BenchError, say, type SectionResult } from './common.js';
import { BENCH_AGENCY, dropDataset, openDataset, secs, type Generated } from './dataset.js';

export interface StatsOptions {
  sizes: number[];
  runs: number;
  factRuns: number;
  keepDb: boolean;
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
    const { pool, generated } = await openDataset(size);
    try {
      say(`stats: ${generated.messages} messages, ${generated.exchanges} exchanges, ${generated.documents} documents, ${generated.parties} parties; database ${(generated.dbBytes / 1e9).toFixed(1)} GB`);
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
        timings[`rollups ${period} one agency`] = await timeRuns(o.runs, () => periodStats(pool, config, period, BENCH_AGENCY));
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
    if (!o.keepDb) await dropDataset(size);
  }
  const lines: string[] = [];
  for (const r of results) {
    const g = r.generated;
    lines.push(
      '',
      `${g.messages.toLocaleString('en')} messages (${g.mails.toLocaleString('en')} mails), ${g.exchanges.toLocaleString('en')} exchanges, ${g.documents.toLocaleString('en')} documents, ${g.parties.toLocaleString('en')} parties, ${g.accounts} accounts; database ${(g.dbBytes / 1e9).toFixed(2)} GB`,
      `  generated in ${g.generateS.toFixed(1)} s, rollups rebuilt in ${g.rebuildS.toFixed(1)} s, VACUUM ANALYZE ${g.analyzeS.toFixed(1)} s${g.reused ? ` (when the kept database was made, ${g.steps['analyzed']?.at ?? '?'})` : ''}; rollups check ${r.checkS.toFixed(1)} s (${r.checkDifferences} differences)`,
    );
    for (const [k, t] of Object.entries(r.timings)) lines.push(`  stats ${k.padEnd(28)} p50 ${t.p50.toFixed(1).padStart(9)} ms   p95 ${t.p95.toFixed(1).padStart(9)} ms   (${t.runs.length} runs)`);
    lines.push(`  rollups = facts: ${Object.entries(r.agree).map(([p, ok]) => `${p} ${ok ? 'yes' : 'NO'}`).join(', ')}`);
  }
  for (const r of results) {
    for (const [p, ok] of Object.entries(r.agree)) if (!ok) throw new BenchError(`stats ${p} at ${r.size}: the rollups and a direct scan of the facts disagree`);
  }
  return { title: 'Statistics: stats from the rollups and from the facts', rows: [], lines, json: { results } };
}
