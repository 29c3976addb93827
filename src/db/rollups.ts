// The rollup tables (migrations 0004 and 0008): checked against the facts and rebuilt from them. The triggers
// keep them current; these functions prove it (`edocwatch rollups check`) and repair them after a
// manual change of the facts with triggers disabled, or a bug (`edocwatch rollups rebuild`).
import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './pool.js';

/** The rollups as the facts give them now, one SELECT per table. */
const EXPECTED_EXCHANGES = `
  SELECT edocwatch_local_day(msg_date) AS day, COALESCE(sender_agency, '') AS sender_agency, COALESCE(receiver_agency, '') AS receiver_agency,
         flow, COALESCE(form, '') AS form, digitization, signed, secret, has_document, count(*)::bigint AS n
    FROM exchanges GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`;
const EXPECTED_MESSAGES = `
  SELECT edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)) AS day, mailbox_id, state,
         COALESCE(direction, '') AS direction, count(*)::bigint AS n
    FROM messages GROUP BY 1, 2, 3, 4`;

/**
 * The period rollups of migration 0008: their key columns and counters, and the SELECT that gives
 * them from the facts. Each reads its table once, computes a fact's periods once
 * (edocwatch_periods: its quarter and its year; OFFSET 0 keeps the subquery, so the function runs
 * once per fact and not once per side), takes the sides of an exchange from a LATERAL VALUES list
 * (not one scan per side), and where it can counts per pair of periods before splitting them, so
 * few rows are grouped per period. At 1 million messages the former UNION ALL of one scan per
 * side sorted 2.7 million wide rows on disk (docs/benchmarks.md, "Statistics").
 */
const EXPECTED_PERIOD_EXCHANGES = `
  WITH q AS (
    SELECT e.ps, s.agency_code, s.direction, s.weight, e.flow, e.form, e.digitization, e.signed, e.secret, e.has_document, count(*) AS n
      FROM (SELECT edocwatch_periods(msg_date) AS ps, sender_agency, receiver_agency, flow, COALESCE(form, '') AS form, digitization, signed,
                   secret, has_document
              FROM exchanges OFFSET 0) e
           CROSS JOIN LATERAL (VALUES
             (e.sender_agency, CASE WHEN e.sender_agency = e.receiver_agency THEN 'internal' ELSE 'outbound' END, 1::smallint, e.sender_agency IS NOT NULL),
             (e.receiver_agency, 'inbound', CASE WHEN e.sender_agency IS NULL THEN 1 ELSE 0 END::smallint,
              e.receiver_agency IS NOT NULL AND e.receiver_agency IS DISTINCT FROM e.sender_agency),
             ('', '', 1::smallint, e.sender_agency IS NULL AND e.receiver_agency IS NULL)) s(agency_code, direction, weight, keep)
     WHERE s.keep
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
  SELECT p AS period, q.agency_code, q.direction, q.weight, q.flow, q.form, q.digitization, q.signed, q.secret, q.has_document, sum(q.n)::bigint AS n
    FROM q, unnest(q.ps) p
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`;
const EXPECTED_PERIOD_DOCUMENTS = `
  SELECT p AS period, s.agency_code, e.document_id, count(*)::bigint AS n
    FROM (SELECT edocwatch_periods(msg_date) AS ps, document_id, sender_agency, receiver_agency FROM exchanges WHERE document_id IS NOT NULL OFFSET 0) e
         CROSS JOIN LATERAL (VALUES
           ('', true), (e.sender_agency, e.sender_agency IS NOT NULL),
           (e.receiver_agency, e.receiver_agency IS NOT NULL AND e.receiver_agency IS DISTINCT FROM e.sender_agency)) s(agency_code, keep),
         unnest(e.ps) p
   WHERE s.keep
   GROUP BY 1, 2, 3`;
const EXPECTED_PERIOD_ADDRESSES = `
  WITH q AS (
    SELECT e.ps, s.address, sum(s.sent) AS sent, sum(s.received) AS received
      FROM (SELECT edocwatch_periods(msg_date) AS ps, sender_address, receiver_address FROM exchanges OFFSET 0) e
           CROSS JOIN LATERAL (VALUES (e.sender_address, 1, 0), (e.receiver_address, 0, 1)) s(address, sent, received)
     WHERE s.address IS NOT NULL
     GROUP BY 1, 2)
  SELECT p AS period, q.address, sum(q.sent)::bigint AS sent, sum(q.received)::bigint AS received
    FROM q, unnest(q.ps) p
   GROUP BY 1, 2`;
const EXPECTED_PERIOD_MESSAGES = `
  WITH q AS (
    SELECT edocwatch_periods(COALESCE(msg_date, internal_date, fetched_at)) AS ps, mailbox_id, state, COALESCE(direction, '') AS direction, count(*) AS n
      FROM messages GROUP BY 1, 2, 3, 4)
  SELECT p AS period, q.mailbox_id, q.state, q.direction, sum(q.n)::bigint AS n
    FROM q, unnest(q.ps) p
   GROUP BY 1, 2, 3, 4`;

interface PeriodTable {
  table: RollupDifference['table'];
  keys: string[];
  counters: string[];
  expected: string;
}
const PERIOD_TABLES: PeriodTable[] = [
  { table: 'period_exchange_rollup', keys: ['period', 'agency_code', 'direction', 'weight', 'flow', 'form', 'digitization', 'signed', 'secret', 'has_document'], counters: ['n'], expected: EXPECTED_PERIOD_EXCHANGES },
  { table: 'period_document_rollup', keys: ['period', 'agency_code', 'document_id'], counters: ['n'], expected: EXPECTED_PERIOD_DOCUMENTS },
  { table: 'period_address_rollup', keys: ['period', 'address'], counters: ['sent', 'received'], expected: EXPECTED_PERIOD_ADDRESSES },
  { table: 'period_message_rollup', keys: ['period', 'mailbox_id', 'state', 'direction'], counters: ['n'], expected: EXPECTED_PERIOD_MESSAGES },
];

export interface RollupDifference {
  table: 'exchange_rollup' | 'message_rollup' | 'period_exchange_rollup' | 'period_document_rollup' | 'period_address_rollup' | 'period_message_rollup';
  /** For rollups with several counters (period_address_rollup: sent, received), the one that differs. */
  counter?: string;
  key: Record<string, unknown>;
  stored: number;
  expected: number;
}

export interface RollupCheck {
  exchangeRows: number;
  messageRows: number;
  /** Rows of the four period rollups (migration 0008). */
  periodRows: number;
  differences: RollupDifference[];
}

/** Compares both rollups with the facts in one snapshot; rows of 0 count as absent. */
export async function checkRollups(pool: Pool, limit = 50): Promise<RollupCheck> {
  return withTransaction(pool, async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await bulkSettings(tx);
    const ex = await tx.query<Record<string, unknown> & { stored: string; expected: string }>(
      `WITH e AS (${EXPECTED_EXCHANGES}), r AS (SELECT * FROM exchange_rollup WHERE n <> 0)
       SELECT COALESCE(e.day, r.day) AS day, COALESCE(e.sender_agency, r.sender_agency) AS sender_agency,
              COALESCE(e.receiver_agency, r.receiver_agency) AS receiver_agency, COALESCE(e.flow, r.flow) AS flow,
              COALESCE(e.form, r.form) AS form, COALESCE(e.digitization, r.digitization) AS digitization,
              COALESCE(e.signed, r.signed) AS signed, COALESCE(e.secret, r.secret) AS secret,
              COALESCE(e.has_document, r.has_document) AS has_document,
              COALESCE(r.n, 0) AS stored, COALESCE(e.n, 0) AS expected
         FROM e FULL JOIN r USING (day, sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document)
        WHERE COALESCE(r.n, 0) <> COALESCE(e.n, 0)
        ORDER BY 1, 2, 3 LIMIT $1`,
      [limit],
    );
    const msg = await tx.query<Record<string, unknown> & { stored: string; expected: string }>(
      `WITH e AS (${EXPECTED_MESSAGES}), r AS (SELECT * FROM message_rollup WHERE n <> 0)
       SELECT COALESCE(e.day, r.day) AS day, COALESCE(e.mailbox_id, r.mailbox_id) AS mailbox_id,
              COALESCE(e.state, r.state) AS state, COALESCE(e.direction, r.direction) AS direction,
              COALESCE(r.n, 0) AS stored, COALESCE(e.n, 0) AS expected
         FROM e FULL JOIN r USING (day, mailbox_id, state, direction)
        WHERE COALESCE(r.n, 0) <> COALESCE(e.n, 0)
        ORDER BY 1, 2 LIMIT $1`,
      [limit],
    );
    // The period rollups (migration 0008): each counter compared on its own; identifiers are ours.
    const period: RollupDifference[] = [];
    let periodRows = 0;
    for (const t of PERIOD_TABLES) {
      const nonZero = t.counters.map((c) => `${c} <> 0`).join(' OR ');
      const keys = t.keys.map((k) => `COALESCE(e.${k}, r.${k}) AS ${k}`).join(', ');
      for (const c of t.counters) {
        const { rows } = await tx.query<Record<string, unknown> & { stored: string; expected: string }>(
          `WITH e AS (${t.expected}), r AS (SELECT * FROM ${t.table} WHERE ${nonZero})
           SELECT ${keys}, COALESCE(r.${c}, 0) AS stored, COALESCE(e.${c}, 0) AS expected
             FROM e FULL JOIN r USING (${t.keys.join(', ')})
            WHERE COALESCE(r.${c}, 0) <> COALESCE(e.${c}, 0)
            ORDER BY 1, 2 LIMIT $1`,
          [limit],
        );
        for (const r of rows) {
          const { stored, expected, ...key } = r;
          period.push({ table: t.table, key, ...(t.counters.length > 1 ? { counter: c } : {}), stored: Number(stored), expected: Number(expected) });
        }
      }
      const n = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${nonZero}`);
      periodRows += n.rows[0]?.n ?? 0;
    }
    const counts = await tx.query<{ e: number; m: number }>(
      `SELECT (SELECT count(*) FROM exchange_rollup WHERE n <> 0)::int AS e, (SELECT count(*) FROM message_rollup WHERE n <> 0)::int AS m`,
    );
    const diff = (table: RollupDifference['table']) => (r: Record<string, unknown> & { stored: string; expected: string }): RollupDifference => {
      const { stored, expected, ...key } = r;
      if (key.day instanceof Date) key.day = key.day.toISOString().slice(0, 10);
      return { table, key, stored: Number(stored), expected: Number(expected) };
    };
    return {
      exchangeRows: counts.rows[0]?.e ?? 0,
      messageRows: counts.rows[0]?.m ?? 0,
      periodRows,
      differences: [...ex.rows.map(diff('exchange_rollup')), ...msg.rows.map(diff('message_rollup')), ...period],
    };
  });
}

/**
 * Settings for the whole-table aggregations of check and rebuild, for their transaction only: no
 * JIT (compiling each statement cost 3–4 s of CPU, more than it saved); memory enough to hash the
 * period groups (a few hundred MB at 10 million messages, released at the end of the
 * transaction); and hashing preferred to sorting. The planner estimates the groups of the period
 * exchange rollup as the product of ten columns' distinct counts (10 million at 10 million
 * messages, for about 100,000 real ones) and then sorts 13 million wide rows on disk: 87 s
 * against 25 s hashed. A hash aggregate larger than work_mem spills to disk in batches
 * (PostgreSQL 13+), so preferring it risks no memory; sorts that are needed (ORDER BY) still run.
 */
async function bulkSettings(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('jit', 'off', true), set_config('work_mem', '512MB', true), set_config('enable_sort', 'off', true)`);
}

/**
 * Recomputes both rollups from the facts in one transaction. Writers of facts wait meanwhile
 * (SHARE lock on exchanges and messages), so nothing is counted twice or lost; readers keep
 * reading the old rows until the commit. Rows are inserted in primary-key order, so each index
 * grows at its right edge instead of taking random pages.
 */
export async function rebuildRollups(pool: Pool): Promise<{ exchangeRows: number; messageRows: number; periodRows: number }> {
  return withTransaction(pool, async (tx: Queryable) => {
    await bulkSettings(tx);
    await tx.query('LOCK TABLE exchanges, messages IN SHARE MODE');
    await tx.query('DELETE FROM exchange_rollup');
    await tx.query('DELETE FROM message_rollup');
    const e = await tx.query(`INSERT INTO exchange_rollup SELECT * FROM (${EXPECTED_EXCHANGES}) x ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`);
    const m = await tx.query(`INSERT INTO message_rollup SELECT * FROM (${EXPECTED_MESSAGES}) x ORDER BY 1, 2, 3, 4`);
    let periodRows = 0;
    for (const t of PERIOD_TABLES) {
      await tx.query(`DELETE FROM ${t.table}`);
      periodRows += (await tx.query(`INSERT INTO ${t.table} SELECT * FROM (${t.expected}) x ORDER BY ${t.keys.map((_, i) => i + 1).join(', ')}`)).rowCount ?? 0;
    }
    return { exchangeRows: e.rowCount ?? 0, messageRows: m.rowCount ?? 0, periodRows };
  });
}
