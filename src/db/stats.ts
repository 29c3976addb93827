// The counts behind `stats`: exchanges of a period grouped by agency side and labels (the KPI
// arithmetic is the pure src/domain/kpi.ts), message counts, and K7's accounts and activity. They are
// read from the rollups, not from the facts, so a year costs the same at 10 million messages as at
// 10 thousand; src/db/rollups.ts proves the two agree. A reporting period (YYYY-Qn, YYYY) reads the
// period rollups of migration 0008, one key per period; any other range (whole local days) the
// day rollups of 0004, which at 10 million messages are hardly smaller than the facts
// (docs/benchmarks.md, "Statistics").
// Each exchange appears under each agency on its sides; the sender side (or the only agency side)
// carries provinceWeight 1 so that province-wide totals count it once.
import type { AccountCount, ExchangeCount } from '../domain/kpi.js';
import { k7Rows } from '../domain/accounts.js';
import { agencyAccountCounts, agencyMessages } from './accounts.js';
import { parsePeriod, VN_UTC_OFFSET_MS } from '../domain/period.js';
import type { Queryable } from './pool.js';

/** The id of the reporting period that is exactly [start, end), else null. */
export function periodIdOf(start: Date | null, end: Date | null): string | null {
  if (start === null || end === null) return null;
  const local = new Date(start.getTime() + VN_UTC_OFFSET_MS);
  const year = local.getUTCFullYear();
  for (const id of [String(year), `${year}-Q${Math.floor(local.getUTCMonth() / 3) + 1}`]) {
    try {
      const p = parsePeriod(id);
      if (p.start.getTime() === start.getTime() && p.end.getTime() === end.getTime()) return p.id;
    } catch {
      // A year outside the periods parsePeriod accepts: no period rollup has it.
    }
  }
  return null;
}

type ExchangeRow = {
  agency_code: string; level: ExchangeCount['level']; flow: ExchangeCount['flow']; form: ExchangeCount['form'];
  digitization: ExchangeCount['digitization']; signed: boolean; secret: boolean; has_document: boolean;
  direction: ExchangeCount['direction']; weight: number; paper_only: boolean; paper_register: boolean; n: number;
};

// Paper registers (migration 0007) add two things: `paper` rows, the registered documents never seen
// in mail (one per document and pair of sides, however many registers list it), which enter only
// the denominators of K2a, K2b and K3; and `paper_register`, true for the rows with a side whose
// agency has a register entry in the period: that register would list the document, paper or not
// (src/domain/kpi.ts gives those KPIs a ratio only when all their rows are covered).
// A registered document is "seen in mail" when an exchange of the same document has the register's
// agency on one side and is dated 200 days before to 31 days after the entry (numbers restart yearly).
async function hasRegisterEntries(db: Queryable, start: Date, end: Date): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM register_entries WHERE day >= edocwatch_local_day($1) AND day < edocwatch_local_day($2) LIMIT 1`,
    [start, end],
  );
  return rows.length > 0;
}

export async function exchangeCounts(db: Queryable, start: Date, end: Date): Promise<ExchangeCount[]> {
  return exchangeCountsFrom(db, start, end, periodIdOf(start, end));
}

/**
 * exchangeCounts folded into what the province-wide KPIs read (src/domain/kpi.ts reads neither the
 * agency nor the direction of a row for the province, and weighs each row by provinceWeight): one row
 * per label combination, agencyCode '' and level 'province_pc' standing for the whole province. A
 * hundred rows instead of every agency's thousands: the dashboard's trend charts read eight periods
 * at once. A period with a paper register gets the full rows (registered paper needs both sides).
 */
export async function provinceExchangeCounts(db: Queryable, start: Date, end: Date): Promise<ExchangeCount[]> {
  const period = periodIdOf(start, end);
  if (period === null || (await hasRegisterEntries(db, start, end))) return exchangeCounts(db, start, end);
  const { rows } = await db.query<Omit<ExchangeRow, 'agency_code' | 'level' | 'direction' | 'weight' | 'paper_only' | 'paper_register'>>(
    `SELECT r.flow, NULLIF(r.form, '') AS form, r.digitization, r.signed, r.secret, r.has_document, sum(r.n)::int AS n
       FROM period_exchange_rollup r JOIN agencies a ON a.code = r.agency_code
      WHERE r.period = $1 AND r.weight = 1 AND r.n <> 0
      GROUP BY 1, 2, 3, 4, 5, 6`,
    [period],
  );
  return rows.map((r) => ({
    agencyCode: '',
    level: 'province_pc',
    flow: r.flow,
    form: r.form,
    digitization: r.digitization,
    signed: r.signed,
    secret: r.secret,
    hasDocument: r.has_document,
    direction: 'outbound',
    provinceWeight: 1,
    count: r.n,
  }));
}

/** exchangeCounts from the day rollups of 0004, whatever the range (the code before 0008; kept for ranges that are no period). */
export async function exchangeCountsByDay(db: Queryable, start: Date, end: Date): Promise<ExchangeCount[]> {
  return exchangeCountsFrom(db, start, end, null);
}

async function exchangeCountsFrom(db: Queryable, start: Date, end: Date, periodId: string | null): Promise<ExchangeCount[]> {
  // The period rollups know one agency side per row, not both: registered paper (which needs both
  // sides) is counted from the day rollups and register_entries whenever the period has a register.
  const period = periodId !== null && !(await hasRegisterEntries(db, start, end)) ? periodId : null;
  const { rows } = period
    ? await db.query<ExchangeRow>(
        `SELECT r.agency_code, a.level, r.flow, NULLIF(r.form, '') AS form, r.digitization, r.signed, r.secret, r.has_document,
                r.direction, r.weight::int AS weight, false AS paper_only, false AS paper_register, sum(r.n)::int AS n
           FROM period_exchange_rollup r JOIN agencies a ON a.code = r.agency_code
          WHERE r.period = $1 AND r.n <> 0
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
        [period],
      )
    : await db.query<ExchangeRow>(
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

/**
 * K7 per agency (src/domain/accounts.ts `k7Counts`): official accounts existing in the period (the
 * imported account lists, migration 0008), those active in it (an exchange sent or received,
 * period_address_rollup), and messages sent and received by the agency's monitored mailboxes.
 * The accounts are counted per agency in SQL (agencyAccountCounts): a few hundred rows reach Node,
 * not every account and active address.
 */
export async function accountCounts(db: Queryable, start: Date, end: Date): Promise<AccountCount[]> {
  const [accounts, messages] = await Promise.all([agencyAccountCounts(db, start, end), agencyMessages(db, start, end)]);
  return k7Rows(accounts, messages);
}

export interface MessageTotals {
  total: number;
  byState: Record<string, number>;
  exchanges: number;
  documents: number;
}

/** Messages (distinct per mailbox) and exchanges of a period; all time when start/end are null. */
export async function messageTotals(db: Queryable, start: Date | null, end: Date | null, agency?: string): Promise<MessageTotals> {
  return messageTotalsFrom(db, start, end, periodIdOf(start, end), agency);
}

/** messageTotals from the day rollups of 0004 and the exchanges (the code before 0008). */
export async function messageTotalsByDay(db: Queryable, start: Date | null, end: Date | null, agency?: string): Promise<MessageTotals> {
  return messageTotalsFrom(db, start, end, null, agency);
}

async function messageTotalsFrom(db: Queryable, start: Date | null, end: Date | null, period: string | null, agency?: string): Promise<MessageTotals> {
  const byState: Record<string, number> = { pending: 0, analyzed: 0, skipped: 0, malformed: 0, over_limit: 0, failed: 0 };
  if (period) {
    const [states, ex, docs] = await Promise.all([
      db.query<{ state: string; n: number }>(
        `SELECT r.state, sum(r.n)::int AS n FROM period_message_rollup r JOIN mailboxes b ON b.id = r.mailbox_id
          WHERE r.period = $1 AND ($2::text IS NULL OR b.agency_code = $2) GROUP BY 1`,
        [period, agency ?? null],
      ),
      // Province-wide each exchange is its weight-1 row; an agency's are the rows of its sides.
      db.query<{ n: number }>(
        `SELECT COALESCE(sum(n), 0)::int AS n FROM period_exchange_rollup
          WHERE period = $1 AND (CASE WHEN $2::text IS NULL THEN weight = 1 ELSE agency_code = $2 END)`,
        [period, agency ?? null],
      ),
      db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM period_document_rollup WHERE period = $1 AND agency_code = COALESCE($2::text, '') AND n > 0`,
        [period, agency ?? null],
      ),
    ]);
    for (const r of states.rows) byState[r.state] = r.n;
    return { total: Object.values(byState).reduce((a, b) => a + b, 0), byState, exchanges: ex.rows[0]?.n ?? 0, documents: docs.rows[0]?.n ?? 0 };
  }
  const { rows } = await db.query<{ state: string; n: number }>(
    `SELECT r.state, sum(r.n)::int AS n FROM message_rollup r JOIN mailboxes b ON b.id = r.mailbox_id
      WHERE ($1::timestamptz IS NULL OR r.day >= edocwatch_local_day($1))
        AND ($2::timestamptz IS NULL OR r.day < edocwatch_local_day($2))
        AND ($3::text IS NULL OR b.agency_code = $3)
      GROUP BY 1`,
    [start, end, agency ?? null],
  );
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
