// The counts behind `stats`: exchanges of a period grouped by agency side and labels (the KPI
// arithmetic is the pure src/domain/kpi.ts), message counts, and K7's accounts and activity. They are
// read from the rollups (migration 0004: per local day, kept by triggers), not from the facts, so
// a year costs the same at 10 million messages as at 10 thousand; src/db/rollups.ts proves the two
// agree. Periods start and end at local midnight, so they are whole days.
// Each exchange appears under each agency on its sides; the sender side (or the only agency side)
// carries provinceWeight 1 so that province-wide totals count it once.
import type { AccountCount, ExchangeCount } from '../domain/kpi.js';
import { k7Counts } from '../domain/accounts.js';
import { accountVersions, activeAccountAddresses, agencyLevels, agencyMessages } from './accounts.js';
import type { Queryable } from './pool.js';

export async function exchangeCounts(db: Queryable, start: Date, end: Date): Promise<ExchangeCount[]> {
  const { rows } = await db.query<{
    agency_code: string; level: ExchangeCount['level']; flow: ExchangeCount['flow']; form: ExchangeCount['form'];
    digitization: ExchangeCount['digitization']; signed: boolean; secret: boolean; has_document: boolean;
    direction: ExchangeCount['direction']; weight: number; n: number;
  }>(
    `WITH e AS (
       SELECT NULLIF(sender_agency, '') AS sender_agency, NULLIF(receiver_agency, '') AS receiver_agency, flow,
              NULLIF(form, '') AS form, digitization, signed, secret, has_document, n
         FROM exchange_rollup WHERE day >= edocwatch_local_day($1) AND day < edocwatch_local_day($2) AND n <> 0),
     sides AS (
       SELECT e.*, e.sender_agency AS agency_code,
              CASE WHEN e.sender_agency = e.receiver_agency THEN 'internal' ELSE 'outbound' END AS direction, 1 AS weight
         FROM e WHERE e.sender_agency IS NOT NULL
       UNION ALL
       SELECT e.*, e.receiver_agency, 'inbound', CASE WHEN e.sender_agency IS NULL THEN 1 ELSE 0 END
         FROM e WHERE e.receiver_agency IS NOT NULL AND e.receiver_agency IS DISTINCT FROM e.sender_agency)
     SELECT s.agency_code, a.level, s.flow, s.form, s.digitization, s.signed, s.secret, s.has_document, s.direction,
            s.weight, sum(s.n)::int AS n
       FROM sides s JOIN agencies a ON a.code = s.agency_code
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    [start, end],
  );
  return rows.map((r) => ({
    agencyCode: r.agency_code,
    level: r.level,
    flow: r.flow,
    form: r.form,
    digitization: r.digitization,
    signed: r.signed,
    secret: r.secret,
    hasDocument: r.has_document,
    direction: r.direction,
    provinceWeight: r.weight,
    count: r.n,
  }));
}

/**
 * K7 per agency (src/domain/accounts.ts `k7Counts`): official accounts existing in the period (the
 * imported account lists, migration 0008), those active in it (an exchange sent or received,
 * address_rollup), and messages sent and received by the agency's monitored mailboxes.
 */
export async function accountCounts(db: Queryable, start: Date, end: Date): Promise<AccountCount[]> {
  const [versions, active, messages, levels] = await Promise.all([
    accountVersions(db, start, end),
    activeAccountAddresses(db, start, end),
    agencyMessages(db, start, end),
    agencyLevels(db),
  ]);
  return k7Counts(versions, active, messages, levels, start, end);
}

export interface MessageTotals {
  total: number;
  byState: Record<string, number>;
  exchanges: number;
  documents: number;
}

/** Messages (distinct per mailbox) and exchanges of a period; all time when start/end are null. */
export async function messageTotals(db: Queryable, start: Date | null, end: Date | null, agency?: string): Promise<MessageTotals> {
  const { rows } = await db.query<{ state: string; n: number }>(
    `SELECT r.state, sum(r.n)::int AS n FROM message_rollup r JOIN mailboxes b ON b.id = r.mailbox_id
      WHERE ($1::timestamptz IS NULL OR r.day >= edocwatch_local_day($1))
        AND ($2::timestamptz IS NULL OR r.day < edocwatch_local_day($2))
        AND ($3::text IS NULL OR b.agency_code = $3)
      GROUP BY 1`,
    [start, end, agency ?? null],
  );
  const byState: Record<string, number> = { pending: 0, analyzed: 0, skipped: 0, malformed: 0, over_limit: 0, failed: 0 };
  for (const r of rows) byState[r.state] = r.n;
  const ex = await db.query<{ exchanges: number; documents: number }>(
    `SELECT count(*)::int AS exchanges, count(DISTINCT document_id)::int AS documents FROM exchanges
      WHERE ($1::timestamptz IS NULL OR msg_date >= $1) AND ($2::timestamptz IS NULL OR msg_date < $2)
        AND ($3::text IS NULL OR sender_agency = $3 OR receiver_agency = $3)`,
    [start, end, agency ?? null],
  );
  return {
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    exchanges: ex.rows[0]?.exchanges ?? 0,
    documents: ex.rows[0]?.documents ?? 0,
  };
}
