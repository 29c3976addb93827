// The exchange list behind the dashboard, its API and exports: one parameterized query built from
// the active filters only, keyset-paginated on (msg_date, id) descending (migration 0009 indexes),
// so a page costs the same at any depth. An agency filter reads each side through its own index
// and merges the two ordered branches. Also one exchange with its evidence and the messages it
// was seen in, and an agency's counterparties from the rollups.
import type { SignatureFacts } from '../domain/types.js';
import type { ExchangeFilter } from '../domain/exchange-filter.js';
import { mergeEvidence, type LabelEvidence } from '../domain/overrides.js';
import type { Evidence } from '../domain/types.js';
import { listOverrides, type OverrideRecord } from './overrides.js';
import type { Queryable } from './pool.js';

export interface ExchangeListRow {
  id: number;
  msg_date: Date;
  document: string | null;
  sender_address: string | null;
  receiver_address: string | null;
  sender_kind: string;
  receiver_kind: string;
  sender_agency: string | null;
  receiver_agency: string | null;
  flow: string;
  form: string | null;
  digitization: string;
  signed: boolean;
  secret: boolean;
  has_document: boolean;
}

const COLUMNS = `e.id, e.msg_date, d.ref AS document, e.sender_address, e.receiver_address, e.sender_kind, e.receiver_kind,
  e.sender_agency, e.receiver_agency, e.flow, e.form, e.digitization, e.signed, e.secret, e.has_document`;

/**
 * How many of the period's exchanges carry the filter's labels (flow, form, signed, scanned), from
 * the period rollup: each exchange is one row of weight 1 there. Agency, party and cursor are left
 * out, so it bounds the list from above: 0 means the list is empty.
 */
async function labelMatches(db: Queryable, f: ExchangeFilter): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT COALESCE(sum(n), 0)::int AS n FROM period_exchange_rollup
      WHERE period = $1 AND weight = 1 AND n <> 0
        AND ($2::text IS NULL OR flow = $2) AND ($3::text IS NULL OR form = $3) AND ($4::boolean IS NULL OR signed = $4)
        AND ($5::boolean IS NULL OR (digitization IN ('scanned', 'mixed')) = $5)`,
    [f.period.id, f.flow, f.form, f.signed, f.scanned],
  );
  return rows[0]?.n ?? 0;
}

/** One page of exchanges, newest first; `next` is the cursor of the last row when more may follow. */
export async function listExchanges(db: Queryable, f: ExchangeFilter): Promise<{ rows: ExchangeListRow[]; hasMore: boolean }> {
  // Labels that no exchange of the period carries (hybrid and scanned, a flow the period has not
  // seen) would walk the whole period's index before answering "none" (14 s for a year at 10
  // million messages): the period rollup says so at once.
  if ((f.flow || f.form || f.signed !== null || f.scanned !== null) && (await labelMatches(db, f)) === 0) return { rows: [], hasMore: false };
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [`e.msg_date >= ${p(f.period.start)}::timestamptz`, `e.msg_date < ${p(f.period.end)}::timestamptz`];
  if (f.flow) where.push(`e.flow = ${p(f.flow)}`);
  if (f.form) where.push(`e.form = ${p(f.form)}`);
  if (f.signed !== null) where.push(`e.signed = ${p(f.signed)}`);
  if (f.scanned !== null) where.push(`(e.digitization IN ('scanned', 'mixed')) = ${p(f.scanned)}`);
  if (f.cursor) where.push(`(e.msg_date, e.id) < (${p(f.cursor.date)}::timestamptz, ${p(f.cursor.id)}::bigint)`);
  const limit = p(f.limit + 1);
  // An agency or a party on either side: one branch per side, each through its own index in the
  // list's order (migrations 0009, 0013), merged and cut to the page; UNION keeps an exchange that
  // matches on two sides once.
  const sides: string[][] = [];
  if (f.agency) {
    const a = p(f.agency);
    sides.push([`e.sender_agency = ${a}`, `e.receiver_agency = ${a}`]);
  }
  if (f.party) {
    const x = p(f.party);
    sides.push([`e.sender_address = ${x}`, `e.receiver_address = ${x}`, `e.sender_agency = ${x}`, `e.receiver_agency = ${x}`]);
  }
  const combos = sides.reduce<string[][]>((acc, options) => acc.flatMap((c) => options.map((o) => [...c, o])), [[]]);
  const branch = (extra: string[]) =>
    `SELECT ${COLUMNS} FROM exchanges e LEFT JOIN documents d ON d.id = e.document_id
      WHERE ${[...where, ...extra].join(' AND ')} ORDER BY e.msg_date DESC, e.id DESC LIMIT ${limit}`;
  const sql =
    combos.length === 1
      ? branch(combos[0] as string[])
      : `SELECT * FROM (${combos.map((c) => `(${branch(c)})`).join(' UNION ')}) x ORDER BY msg_date DESC, id DESC LIMIT ${limit}`;
  const { rows } = await db.query<ExchangeListRow>(sql, params);
  const hasMore = rows.length > f.limit;
  return { rows: hasMore ? rows.slice(0, f.limit) : rows, hasMore };
}

/** An attachment of a message the exchange was seen in, with the facts the labels were drawn from. */
export interface ExchangeAttachment {
  message_id: number;
  position: number;
  filename: string | null;
  declared_type: string | null;
  sha256: string;
  size: number;
  sniffed_type: string;
  kind: string;
  digitization: string;
  pages: number | null;
  text_pages: number | null;
  problem: string | null;
  /** The file's digital signatures as last checked (migration 0010): status, reason, signer, time. */
  signatures: SignatureFacts[];
}

export interface ExchangeDetail extends ExchangeListRow {
  /**
   * The analysis's evidence with every overridden label's entries replaced by the override's
   * (`{ label, value, rule: 'override', detail: { by, at, reason, before } }`).
   */
  evidence: LabelEvidence[];
  /** The analysis's own evidence, overridden labels included (what the labels would rest on without overrides). */
  analysis_evidence: Evidence[];
  /** Labels an active override decides (`flow` too when a corrected party decides it). */
  pinned: string[];
  /** The active overrides, newest first (their ids are what `DELETE …/overrides/ID` takes). */
  overrides: OverrideRecord[];
  document_kind: string | null;
  messages: Array<{ id: number; subject: string | null; from_address: string | null; msg_date: Date | null; direction: string | null; mailbox_id: number; mailbox_agency: string }>;
  attachments: ExchangeAttachment[];
}

export async function getExchange(db: Queryable, id: number): Promise<ExchangeDetail | null> {
  const { rows } = await db.query<ExchangeListRow & { evidence: Evidence[]; override_evidence: LabelEvidence[]; pinned: string[]; document_kind: string | null }>(
    `SELECT ${COLUMNS}, e.evidence, e.override_evidence, e.pinned, d.kind AS document_kind
       FROM exchanges e LEFT JOIN documents d ON d.id = e.document_id WHERE e.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  const [m, a, overrides] = await Promise.all([
    db.query<ExchangeDetail['messages'][number]>(
      `SELECT m.id, m.subject, m.from_address, m.msg_date, m.direction, m.mailbox_id, b.agency_code AS mailbox_agency
         FROM exchange_sightings s JOIN messages m ON m.id = s.message_id JOIN mailboxes b ON b.id = m.mailbox_id
        WHERE s.exchange_id = $1 ORDER BY m.id`,
      [id],
    ),
    db.query<ExchangeAttachment>(
      `SELECT ma.message_id, ma.position, ma.filename, ma.declared_type, a.sha256, a.size, a.sniffed_type, a.kind, a.digitization,
              a.pages, a.text_pages, a.problem, a.signatures
         FROM exchange_sightings s JOIN message_attachments ma ON ma.message_id = s.message_id JOIN attachments a ON a.sha256 = ma.sha256
        WHERE s.exchange_id = $1 ORDER BY ma.message_id, ma.position`,
      [id],
    ),
    listOverrides(db, { exchangeId: id }),
  ]);
  const { override_evidence: overlay, evidence, ...rest } = row;
  return { ...rest, evidence: mergeEvidence(evidence, overlay, row.pinned), analysis_evidence: evidence, overrides, messages: m.rows, attachments: a.rows };
}

export interface Counterparty {
  /** The other agency's code, or null for a party outside the directory (then `flow` says which kind). */
  agency: string | null;
  name: string | null;
  flow: string;
  sent: number;
  received: number;
}

/** An agency's counterparties in [start, end), from the rollups (secret exchanges left out). */
export async function counterparties(db: Queryable, agency: string, start: Date, end: Date, limit = 20): Promise<Counterparty[]> {
  const { rows } = await db.query<Counterparty>(
    `SELECT NULLIF(CASE WHEN r.sender_agency = $1 THEN r.receiver_agency ELSE r.sender_agency END, '') AS agency,
            a.name, r.flow,
            COALESCE(sum(r.n) FILTER (WHERE r.sender_agency = $1), 0)::int AS sent,
            COALESCE(sum(r.n) FILTER (WHERE r.receiver_agency = $1 AND r.sender_agency <> $1), 0)::int AS received
       FROM exchange_rollup r
       LEFT JOIN agencies a ON a.code = NULLIF(CASE WHEN r.sender_agency = $1 THEN r.receiver_agency ELSE r.sender_agency END, '')
      WHERE (r.sender_agency = $1 OR r.receiver_agency = $1) AND NOT r.secret AND r.n <> 0
        AND r.day >= edocwatch_local_day($2) AND r.day < edocwatch_local_day($3)
      GROUP BY 1, 2, 3 ORDER BY sum(r.n) DESC, 1 NULLS LAST, 3 LIMIT $4`,
    [agency, start, end, limit],
  );
  return rows;
}

/** The two agencies of an exchange (for scoping a request by id), or null when there is no such exchange. */
export async function exchangeSides(db: Queryable, id: number): Promise<{ sender_agency: string | null; receiver_agency: string | null } | null> {
  const { rows } = await db.query<{ sender_agency: string | null; receiver_agency: string | null }>(
    `SELECT sender_agency, receiver_agency FROM exchanges WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
