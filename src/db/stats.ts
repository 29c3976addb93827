// The counts behind `stats`: exchanges of a period grouped by agency side and labels (the KPI
// arithmetic is the pure src/domain/kpi.ts), message counts, and mailbox activity for K7. They are
// read from the rollups (migration 0004: per local day, kept by triggers), not from the facts, so
// a year costs the same at 10 million messages as at 10 thousand; src/db/rollups.ts proves the two
// agree. Periods start and end at local midnight, so they are whole days.
// Each exchange appears under each agency on its sides; the sender side (or the only agency side)
// carries provinceWeight 1 so that province-wide totals count it once.
import type { AccountCount, ExchangeCount } from '../domain/kpi.js';
import type { Queryable } from './pool.js';

// Paper registers (migration 0007) add two things: `paper` rows, the registered documents never seen
// in mail (one per document and pair of sides, however many registers list it), which enter only
// the denominators of K2a, K2b and K3; and `paper_register`, true for the rows with a side whose
// agency has a register entry in the period: that register would list the document, paper or not
// (src/domain/kpi.ts gives those KPIs a ratio only when all their rows are covered).
// A registered document is "seen in mail" when an exchange of the same document has the register's
// agency on one side and is dated 200 days before to 31 days after the entry (numbers restart yearly).
export async function exchangeCounts(db: Queryable, start: Date, end: Date): Promise<ExchangeCount[]> {
  const { rows } = await db.query<{
    agency_code: string; level: ExchangeCount['level']; flow: ExchangeCount['flow']; form: ExchangeCount['form'];
    digitization: ExchangeCount['digitization']; signed: boolean; secret: boolean; has_document: boolean;
    direction: ExchangeCount['direction']; weight: number; paper_only: boolean; paper_register: boolean; n: number;
  }>(
    `WITH e AS (
       SELECT NULLIF(sender_agency, '') AS sender_agency, NULLIF(receiver_agency, '') AS receiver_agency, flow,
              NULLIF(form, '') AS form, digitization, signed, secret, has_document, false AS paper_only, n
         FROM exchange_rollup WHERE day >= edocwatch_local_day($1) AND day < edocwatch_local_day($2) AND n <> 0
       UNION ALL
       SELECT sender_agency, receiver_agency, flow, NULL, 'none', false, bool_or(secret), true, true, 1
         FROM register_entries r
        WHERE r.day >= edocwatch_local_day($1) AND r.day < edocwatch_local_day($2)
          AND NOT EXISTS (
            SELECT 1 FROM exchanges x
             WHERE x.document_id = r.document_id AND r.agency_code IN (x.sender_agency, x.receiver_agency)
               AND edocwatch_local_day(x.msg_date) BETWEEN r.day - 31 AND r.day + 200)
        GROUP BY r.document_id, COALESCE(r.sender_agency, 'k:' || r.counterparty_key), COALESCE(r.receiver_agency, 'k:' || r.counterparty_key),
                 r.sender_agency, r.receiver_agency, r.flow),
     covered AS (
       SELECT DISTINCT agency_code FROM register_entries
        WHERE day >= edocwatch_local_day($1) AND day < edocwatch_local_day($2)),
     ec AS (
       SELECT e.*, (e.sender_agency IN (SELECT agency_code FROM covered) OR e.receiver_agency IN (SELECT agency_code FROM covered)) IS TRUE AS paper_register
         FROM e),
     sides AS (
       SELECT ec.*, ec.sender_agency AS agency_code,
              CASE WHEN ec.sender_agency = ec.receiver_agency THEN 'internal' ELSE 'outbound' END AS direction, 1 AS weight
         FROM ec WHERE ec.sender_agency IS NOT NULL
       UNION ALL
       SELECT ec.*, ec.receiver_agency, 'inbound', CASE WHEN ec.sender_agency IS NULL THEN 1 ELSE 0 END
         FROM ec WHERE ec.receiver_agency IS NOT NULL AND ec.receiver_agency IS DISTINCT FROM ec.sender_agency)
     SELECT s.agency_code, a.level, s.flow, s.form, s.digitization, s.signed, s.secret, s.has_document, s.direction,
            s.weight, s.paper_only, s.paper_register, sum(s.n)::int AS n
       FROM sides s JOIN agencies a ON a.code = s.agency_code
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12`,
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
    ...(r.paper_only ? { paperOnly: true } : {}),
    ...(r.paper_register ? { paperRegister: true } : {}),
  }));
}

/** K7: mailboxes per agency, those with mail in the period, messages sent and received. */
export async function accountCounts(db: Queryable, start: Date, end: Date): Promise<AccountCount[]> {
  const { rows } = await db.query<{ agency_code: string; level: AccountCount['level']; accounts: number; active: number; sent: number; received: number }>(
    `SELECT b.agency_code, a.level, count(DISTINCT b.id)::int AS accounts,
            count(DISTINCT r.mailbox_id)::int AS active,
            COALESCE(sum(r.n) FILTER (WHERE r.direction IN ('outbound','internal')), 0)::int AS sent,
            COALESCE(sum(r.n) FILTER (WHERE r.direction = 'inbound'), 0)::int AS received
       FROM mailboxes b JOIN agencies a ON a.code = b.agency_code
       LEFT JOIN message_rollup r ON r.mailbox_id = b.id AND r.day >= edocwatch_local_day($1) AND r.day < edocwatch_local_day($2)
            AND r.state IN ('analyzed', 'malformed') AND r.n > 0
      GROUP BY 1, 2`,
    [start, end],
  );
  return rows.map((r) => ({ agencyCode: r.agency_code, level: r.level, accounts: r.accounts, activeAccounts: r.active, sent: r.sent, received: r.received }));
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
