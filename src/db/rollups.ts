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

const EXPECTED_ADDRESSES = `
  SELECT month, address, sum(s)::bigint AS sent, sum(rc)::bigint AS received
    FROM (SELECT edocwatch_local_month(msg_date) AS month, sender_address AS address, 1 AS s, 0 AS rc FROM exchanges WHERE sender_address IS NOT NULL
          UNION ALL
          SELECT edocwatch_local_month(msg_date), receiver_address, 0, 1 FROM exchanges WHERE receiver_address IS NOT NULL) x
   GROUP BY 1, 2`;

export interface RollupDifference {
  table: 'exchange_rollup' | 'message_rollup' | 'address_rollup';
  key: Record<string, unknown>;
  stored: number;
  expected: number;
}

export interface RollupCheck {
  exchangeRows: number;
  messageRows: number;
  addressRows: number;
  differences: RollupDifference[];
}

/** Compares both rollups with the facts in one snapshot; rows of 0 count as absent. */
export async function checkRollups(pool: Pool, limit = 50): Promise<RollupCheck> {
  return withTransaction(pool, async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
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
    // address_rollup (migration 0008): sent and received are compared as one "stored"/"expected"
    // pair each, so a difference names the column.
    const addr = await tx.query<Record<string, unknown> & { stored: string; expected: string }>(
      `WITH e AS (${EXPECTED_ADDRESSES}), r AS (SELECT * FROM address_rollup WHERE sent <> 0 OR received <> 0),
            j AS (SELECT COALESCE(e.month, r.month) AS month, COALESCE(e.address, r.address) AS address,
                         COALESCE(r.sent, 0) AS rs, COALESCE(e.sent, 0) AS es, COALESCE(r.received, 0) AS rr, COALESCE(e.received, 0) AS er
                    FROM e FULL JOIN r USING (month, address))
       SELECT month AS day, address, 'sent' AS counter, rs AS stored, es AS expected FROM j WHERE rs <> es
       UNION ALL
       SELECT month, address, 'received', rr, er FROM j WHERE rr <> er
       ORDER BY 1, 2 LIMIT $1`,
      [limit],
    );
    const counts = await tx.query<{ e: number; m: number; a: number }>(
      `SELECT (SELECT count(*) FROM exchange_rollup WHERE n <> 0)::int AS e, (SELECT count(*) FROM message_rollup WHERE n <> 0)::int AS m,
              (SELECT count(*) FROM address_rollup WHERE sent <> 0 OR received <> 0)::int AS a`,
    );
    const diff = (table: RollupDifference['table']) => (r: Record<string, unknown> & { stored: string; expected: string }): RollupDifference => {
      const { stored, expected, ...key } = r;
      if (key.day instanceof Date) key.day = key.day.toISOString().slice(0, 10);
      return { table, key, stored: Number(stored), expected: Number(expected) };
    };
    return {
      exchangeRows: counts.rows[0]?.e ?? 0,
      messageRows: counts.rows[0]?.m ?? 0,
      addressRows: counts.rows[0]?.a ?? 0,
      differences: [...ex.rows.map(diff('exchange_rollup')), ...msg.rows.map(diff('message_rollup')), ...addr.rows.map(diff('address_rollup'))],
    };
  });
}

/**
 * Recomputes both rollups from the facts in one transaction. Writers of facts wait meanwhile
 * (SHARE lock on exchanges and messages), so nothing is counted twice or lost.
 */
export async function rebuildRollups(pool: Pool): Promise<{ exchangeRows: number; messageRows: number; addressRows: number }> {
  return withTransaction(pool, async (tx: Queryable) => {
    await tx.query('LOCK TABLE exchanges, messages IN SHARE MODE');
    await tx.query('DELETE FROM exchange_rollup');
    await tx.query('DELETE FROM message_rollup');
    await tx.query('DELETE FROM address_rollup');
    const e = await tx.query(`INSERT INTO exchange_rollup ${EXPECTED_EXCHANGES}`);
    const m = await tx.query(`INSERT INTO message_rollup ${EXPECTED_MESSAGES}`);
    const a = await tx.query(`INSERT INTO address_rollup ${EXPECTED_ADDRESSES}`);
    return { exchangeRows: e.rowCount ?? 0, messageRows: m.rowCount ?? 0, addressRows: a.rowCount ?? 0 };
  });
}
