// The official email accounts of K7 in Postgres (migration 0008): versions read and written for an
// import (the plan is the pure src/domain/accounts.ts), and what K7 reads for a period: account
// versions overlapping it, the addresses active in it (period_address_rollup) and messages per
// agency (period_message_rollup). Every statement is parameterized; writes run in the caller's transaction.
import type { AccountVersion, AgencyAccounts, AgencyMessages, CurrentAccount, ImportPlan } from '../domain/accounts.js';
import type { AgencyLevel } from '../domain/types.js';
import type { Queryable } from './pool.js';
import { periodIdOf } from './stats.js';

/**
 * Serializes imports (two at once would both see the same current versions). Taken inside the
 * import's transaction, released at its end; readers are not blocked.
 */
export async function lockAccounts(tx: Queryable): Promise<void> {
  await tx.query('LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE');
}

export async function currentAccounts(db: Queryable): Promise<CurrentAccount[]> {
  const { rows } = await db.query<{ id: number; address: string; agency_code: string; display_name: string | null; enabled: boolean; source: string; valid_from: Date }>(
    'SELECT id, address, agency_code, display_name, enabled, source, valid_from FROM accounts WHERE valid_to IS NULL',
  );
  return rows.map((r) => ({ id: r.id, address: r.address, agencyCode: r.agency_code, displayName: r.display_name, enabled: r.enabled, source: r.source, validFrom: r.valid_from }));
}

/** The addresses among `addresses` with any version, current or closed. */
export async function addressesWithHistory(db: Queryable, addresses: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ address: string }>('SELECT DISTINCT address FROM accounts WHERE address = ANY($1::text[])', [addresses]);
  return new Set(rows.map((r) => r.address));
}

/** Writes a plan: closes, then opens (the unique index allows one current version per address). */
export async function applyAccountPlan(tx: Queryable, plan: ImportPlan, source: string, at: Date): Promise<void> {
  if (plan.close.length > 0) {
    await tx.query('UPDATE accounts SET valid_to = $2 WHERE id = ANY($1::bigint[]) AND valid_to IS NULL', [plan.close, at]);
  }
  if (plan.refresh.length > 0) {
    await tx.query(
      `UPDATE accounts a SET created_on = COALESCE(x.created_on, a.created_on), last_login = COALESCE(x.last_login, a.last_login),
              source = $4, imported_at = now()
         FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS x(id, created_on, last_login)
        WHERE a.id = x.id`,
      [plan.refresh.map((r) => r.id), plan.refresh.map((r) => r.created), plan.refresh.map((r) => r.lastLogin), source],
    );
  }
  if (plan.open.length > 0) {
    const o = plan.open;
    await tx.query(
      `INSERT INTO accounts (address, agency_code, display_name, enabled, created_on, last_login, source, valid_from)
       SELECT x.address, x.agency_code, x.display_name, x.enabled, x.created_on, x.last_login, $7, x.valid_from
         FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::timestamptz[], $8::timestamptz[])
              AS x(address, agency_code, display_name, enabled, created_on, last_login, valid_from)`,
      [o.map((a) => a.address), o.map((a) => a.agencyCode), o.map((a) => a.displayName), o.map((a) => a.enabled), o.map((a) => a.created), o.map((a) => a.lastLogin), source, o.map((a) => a.validFrom)],
    );
  }
}

/** Account versions that overlap [start, end), enabled or not. */
export async function accountVersions(db: Queryable, start: Date, end: Date): Promise<AccountVersion[]> {
  const { rows } = await db.query<{ address: string; agency_code: string; enabled: boolean; valid_from: Date; valid_to: Date | null }>(
    `SELECT address, agency_code, enabled, valid_from, valid_to FROM accounts
      WHERE valid_from < $2 AND (valid_to IS NULL OR valid_to > $1)`,
    [start, end],
  );
  return rows.map((r) => ({ address: r.address, agencyCode: r.agency_code, enabled: r.enabled, validFrom: r.valid_from, validTo: r.valid_to }));
}

/**
 * Account addresses with at least one exchange sent or received in [start, end): from the period
 * rollup for a reporting period, else from the exchanges themselves. Only addresses that are
 * accounts in the range are returned.
 */
export async function activeAccountAddresses(db: Queryable, start: Date, end: Date, opts: { byPeriod?: boolean } = {}): Promise<Set<string>> {
  const period = opts.byPeriod === false ? null : periodIdOf(start, end);
  const { rows } = period
    ? await db.query<{ address: string }>(
        `SELECT r.address FROM period_address_rollup r
          WHERE r.period = $3 AND (r.sent > 0 OR r.received > 0)
            AND EXISTS (SELECT 1 FROM accounts a WHERE a.address = r.address AND a.valid_from < $2 AND (a.valid_to IS NULL OR a.valid_to > $1))`,
        [start, end, period],
      )
    : await db.query<{ address: string }>(
        `SELECT x.address FROM (SELECT sender_address AS address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2
                                 UNION SELECT receiver_address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2) x
          WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.address = x.address AND a.valid_from < $2 AND (a.valid_to IS NULL OR a.valid_to > $1))`,
        [start, end],
      );
  return new Set(rows.map((r) => r.address));
}

/**
 * K7's account half reduced in SQL to one row per agency (what src/domain/accounts.ts `k7Counts`
 * computes from accountVersions and activeAccountAddresses, without shipping every account): each
 * address with an enabled version overlapping [start, end) counts once, under the agency of its
 * latest such version, and as active when it sent or received an exchange in the range (the
 * period rollup for a reporting period, else the exchanges).
 */
export async function agencyAccountCounts(db: Queryable, start: Date, end: Date): Promise<AgencyAccounts[]> {
  const period = periodIdOf(start, end);
  const latest = `SELECT DISTINCT ON (address) address, agency_code FROM accounts
                   WHERE enabled AND valid_from < $2 AND (valid_to IS NULL OR valid_to > $1)
                   ORDER BY address, valid_from DESC, id DESC`;
  const { rows } = period
    ? await db.query<{ agency_code: string; level: AgencyLevel; accounts: number; active: number }>(
        `SELECT v.agency_code, a.level, count(*)::int AS accounts, count(r.address)::int AS active
           FROM (${latest}) v JOIN agencies a ON a.code = v.agency_code
           LEFT JOIN period_address_rollup r ON r.period = $3 AND r.address = v.address AND (r.sent > 0 OR r.received > 0)
          GROUP BY 1, 2`,
        [start, end, period],
      )
    : await db.query<{ agency_code: string; level: AgencyLevel; accounts: number; active: number }>(
        `WITH active AS (SELECT sender_address AS address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2 AND sender_address IS NOT NULL
                         UNION SELECT receiver_address FROM exchanges WHERE msg_date >= $1 AND msg_date < $2 AND receiver_address IS NOT NULL)
         SELECT v.agency_code, a.level, count(*)::int AS accounts, count(x.address)::int AS active
           FROM (${latest}) v JOIN agencies a ON a.code = v.agency_code
           LEFT JOIN active x ON x.address = v.address
          GROUP BY 1, 2`,
        [start, end],
      );
  return rows.map((r) => ({ agencyCode: r.agency_code, level: r.level, accounts: r.accounts, activeAccounts: r.active }));
}

/** Messages sent and received per agency in [start, end), from its monitored mailboxes. */
export async function agencyMessages(db: Queryable, start: Date, end: Date, opts: { byPeriod?: boolean } = {}): Promise<AgencyMessages[]> {
  const period = opts.byPeriod === false ? null : periodIdOf(start, end);
  const { rows } = period
    ? await db.query<{ agency_code: string; level: AgencyLevel; sent: number; received: number }>(
        `SELECT b.agency_code, a.level,
                COALESCE(sum(r.n) FILTER (WHERE r.direction IN ('outbound','internal')), 0)::int AS sent,
                COALESCE(sum(r.n) FILTER (WHERE r.direction = 'inbound'), 0)::int AS received
           FROM mailboxes b JOIN agencies a ON a.code = b.agency_code
           LEFT JOIN period_message_rollup r ON r.mailbox_id = b.id AND r.period = $1 AND r.state IN ('analyzed', 'malformed') AND r.n > 0
          GROUP BY 1, 2`,
        [period],
      )
    : await db.query<{ agency_code: string; level: AgencyLevel; sent: number; received: number }>(
        `SELECT b.agency_code, a.level,
                COALESCE(sum(r.n) FILTER (WHERE r.direction IN ('outbound','internal')), 0)::int AS sent,
                COALESCE(sum(r.n) FILTER (WHERE r.direction = 'inbound'), 0)::int AS received
           FROM mailboxes b JOIN agencies a ON a.code = b.agency_code
           LEFT JOIN message_rollup r ON r.mailbox_id = b.id AND r.day >= edocwatch_local_day($1) AND r.day < edocwatch_local_day($2)
                AND r.state IN ('analyzed', 'malformed') AND r.n > 0
          GROUP BY 1, 2`,
        [start, end],
      );
  return rows.map((r) => ({ agencyCode: r.agency_code, level: r.level, sent: r.sent, received: r.received }));
}

export async function agencyLevels(db: Queryable): Promise<Map<string, AgencyLevel>> {
  const { rows } = await db.query<{ code: string; level: AgencyLevel }>('SELECT code, level FROM agencies');
  return new Map(rows.map((r) => [r.code, r.level]));
}

export interface AccountListRow {
  address: string;
  agency_code: string;
  display_name: string | null;
  enabled: boolean;
  created_on: string | null;
  last_login: string | null;
  source: string;
  valid_from: string;
  valid_to: string | null;
}

/** Accounts as `accounts list --json` shows them: current versions, or every version with history. */
export async function listAccounts(db: Queryable, o: { agency?: string; history?: boolean }): Promise<AccountListRow[]> {
  const { rows } = await db.query<AccountListRow>(
    `SELECT address, agency_code, display_name, enabled,
            to_char(created_on AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') AS created_on,
            to_char(last_login AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') AS last_login, source,
            to_char(valid_from AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') AS valid_from,
            to_char(valid_to AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') AS valid_to
       FROM accounts
      WHERE ($1::text IS NULL OR agency_code = $1) AND ($2::boolean OR valid_to IS NULL)
      ORDER BY agency_code, address, valid_from`,
    [o.agency ?? null, o.history === true],
  );
  return rows;
}
