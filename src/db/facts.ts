// Writes one message's analysis (state, parties, attachments, documents, exchanges) as two SQL
// statements in one transaction: the facts as one statement of chained data-modifying CTEs (round
// trips, each waking a Postgres backend, were the largest cost of the write path), then the
// message's own row (with its thread). The message UPDATE is its own statement so that the rollup
// triggers always fire in one order — exchanges' (at the end of the first statement) before
// messages' — whatever plan Postgres picks: inside one statement the order of the CTEs'
// statement-level triggers is not defined, and two analyses taking the rollup rows in opposite
// orders deadlocked. A message analyzed again has its facts replaced by `replaceAnalysis`.
//
// Exchanges and sightings (src/domain/exchange-merge.ts): an exchange is keyed by (document,
// sender, receiver) — by (mail, receiver) without a document — so several mails may carry it. Each
// mail's analysis is stored as a sighting (exchange_sightings: its own labels, evidence, date and
// parties), and the exchange holds the merge of all its sightings. A new exchange is written with
// its one sighting's labels in the facts statement; when the exchange was there already (another
// mail of the same document, or the same mail in another mailbox), `recomputeExchanges` reads all
// its sightings and writes the merge, under the labels an override pins. The exchange rows are
// locked (upserted, or SELECT … FOR UPDATE) in exchange_key order before any sighting of theirs is
// added or removed, so concurrent analyses never merge from a stale set of sightings and take the
// locks in one order.
import type { MessageAnalysis } from '../analyze/message.js';
import { mergeSightings, type MergedExchange, type Sighting } from '../domain/exchange-merge.js';
import { subjectKey } from '../domain/thread.js';
import type { Digitization, Evidence, Flow, Form, PartyKind } from '../domain/types.js';
import { withTransaction, type Pool, type Queryable } from './pool.js';

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

interface SightingRow {
  exchange_id: string;
  mail_key: string;
  msg_date: Date;
  sender_address: string | null;
  receiver_address: string | null;
  sender_kind: PartyKind;
  receiver_kind: PartyKind;
  sender_agency: string | null;
  receiver_agency: string | null;
  document_id: string | null;
  flow: Flow;
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  secret: boolean;
  evidence: Evidence[];
}

function toSighting(r: SightingRow): Sighting {
  return {
    mailKey: r.mail_key,
    msgDate: r.msg_date.toISOString(),
    senderAddress: r.sender_address,
    receiverAddress: r.receiver_address,
    senderKind: r.sender_kind,
    receiverKind: r.receiver_kind,
    senderAgency: r.sender_agency,
    receiverAgency: r.receiver_agency,
    documentId: r.document_id === null ? null : Number(r.document_id),
    flow: r.flow,
    form: r.form,
    digitization: r.digitization,
    signed: r.signed,
    secret: r.secret,
    evidence: r.evidence,
  };
}

/** The sightings of these exchanges, by exchange id (an exchange without any is absent). */
export async function sightingsOf(db: Queryable, exchangeIds: number[]): Promise<Map<number, Sighting[]>> {
  const { rows } = await db.query<SightingRow>(
    `SELECT exchange_id, mail_key, msg_date, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency,
            receiver_agency, document_id, flow, form, digitization, signed, secret, evidence
       FROM exchange_sightings WHERE exchange_id = ANY($1::bigint[])`,
    [exchangeIds],
  );
  const out = new Map<number, Sighting[]>();
  for (const r of rows) {
    const id = Number(r.exchange_id);
    const list = out.get(id);
    if (list) list.push(toSighting(r));
    else out.set(id, [toSighting(r)]);
  }
  return out;
}

// The merge onto the exchange: computed = the merge; the label columns = the merge unless an active
// override pins them (`pinned`, src/db/overrides.ts). Rows that would not change are not written.
const MERGE_SQL = `
WITH u AS (
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::bigint[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::boolean[], $15::jsonb[])
    AS u(id, msg_date, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency, receiver_agency,
         document_id, flow, form, digitization, signed, secret, evidence)),
v AS (
  SELECT u.*, jsonb_build_object('flow', u.flow, 'form', u.form, 'digitization', u.digitization, 'signed', u.signed,
           'secret', u.secret, 'document_id', u.document_id, 'has_document', u.document_id IS NOT NULL,
           'sender_agency', u.sender_agency, 'sender_kind', u.sender_kind,
           'receiver_agency', u.receiver_agency, 'receiver_kind', u.receiver_kind) AS computed
    FROM u)
UPDATE exchanges x SET
  msg_date = v.msg_date, sender_address = v.sender_address, receiver_address = v.receiver_address,
  flow = CASE WHEN 'flow' = ANY(x.pinned) THEN x.flow ELSE v.flow END,
  form = CASE WHEN 'form' = ANY(x.pinned) THEN x.form ELSE v.form END,
  digitization = CASE WHEN 'digitization' = ANY(x.pinned) THEN x.digitization ELSE v.digitization END,
  signed = CASE WHEN 'signed' = ANY(x.pinned) THEN x.signed ELSE v.signed END,
  secret = CASE WHEN 'secret' = ANY(x.pinned) THEN x.secret ELSE v.secret END,
  document_id = CASE WHEN 'document' = ANY(x.pinned) THEN x.document_id ELSE v.document_id END,
  has_document = CASE WHEN 'document' = ANY(x.pinned) THEN x.has_document ELSE v.document_id IS NOT NULL END,
  sender_agency = CASE WHEN 'sender' = ANY(x.pinned) THEN x.sender_agency ELSE v.sender_agency END,
  sender_kind = CASE WHEN 'sender' = ANY(x.pinned) THEN x.sender_kind ELSE v.sender_kind END,
  receiver_agency = CASE WHEN 'receiver' = ANY(x.pinned) THEN x.receiver_agency ELSE v.receiver_agency END,
  receiver_kind = CASE WHEN 'receiver' = ANY(x.pinned) THEN x.receiver_kind ELSE v.receiver_kind END,
  evidence = v.evidence, computed = v.computed, updated_at = now()
FROM v
WHERE x.id = v.id
  AND (x.msg_date, x.sender_address, x.receiver_address, x.evidence, x.computed)
      IS DISTINCT FROM (v.msg_date, v.sender_address, v.receiver_address, v.evidence, v.computed)`;

/**
 * Writes onto each exchange (locked by the caller) the merge of its sightings as they are now.
 * Returns the ids that have no sighting left (nothing is written onto those).
 */
export async function recomputeExchanges(db: Queryable, exchangeIds: number[]): Promise<number[]> {
  const ids = [...new Set(exchangeIds)].sort((a, b) => a - b);
  if (ids.length === 0) return [];
  const sightings = await sightingsOf(db, ids);
  const merged: Array<[number, MergedExchange]> = [];
  const empty: number[] = [];
  for (const id of ids) {
    const list = sightings.get(id);
    if (list && list.length > 0) merged.push([id, mergeSightings(list)]);
    else empty.push(id);
  }
  if (merged.length > 0) {
    const col = <T>(f: (m: MergedExchange) => T): T[] => merged.map(([, m]) => f(m));
    await db.query(MERGE_SQL, [
      merged.map(([id]) => id), col((m) => m.msgDate), col((m) => m.senderAddress), col((m) => m.receiverAddress),
      col((m) => m.senderKind), col((m) => m.receiverKind), col((m) => m.senderAgency), col((m) => m.receiverAgency),
      col((m) => m.documentId), col((m) => m.flow), col((m) => m.form), col((m) => m.digitization), col((m) => m.signed),
      col((m) => m.secret), col((m) => JSON.stringify(m.evidence)),
    ]);
  }
  return empty;
}

export interface SettleResult {
  /** Exchanges deleted: no sighting left and never corrected. */
  removed: number;
  /** Exchanges left without a sighting but kept: an override (active or removed) and its audit refer to them. */
  keptForOverride: number;
}

/**
 * Recomputes exchanges (locked by the caller) whose sightings changed, and deletes those that have
 * none left, unless an administrator corrected them (exchange_overrides refers to them; they keep
 * their last labels, as before).
 */
export async function settleExchanges(db: Queryable, exchangeIds: number[]): Promise<SettleResult> {
  const empty = await recomputeExchanges(db, exchangeIds);
  if (empty.length === 0) return { removed: 0, keptForOverride: 0 };
  const del = await db.query(
    `DELETE FROM exchanges x WHERE x.id = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM exchange_sightings s WHERE s.exchange_id = x.id)
       AND NOT EXISTS (SELECT 1 FROM exchange_overrides o WHERE o.exchange_id = x.id)`,
    [empty],
  );
  const removed = del.rowCount ?? 0;
  return { removed, keptForOverride: empty.length - removed };
}

/**
 * Locks, in exchange_key order, the exchanges a message is sighted in and those with the given
 * keys (the ones a new analysis of it plans); returns the ids of the former.
 */
async function lockExchangesOf(db: Queryable, messageRowId: number, keys: string[] = []): Promise<number[]> {
  const { rows } = await db.query<{ id: string; sighted: boolean }>(
    `SELECT x.id, EXISTS (SELECT 1 FROM exchange_sightings s WHERE s.exchange_id = x.id AND s.message_id = $1) AS sighted
       FROM exchanges x
      WHERE x.id IN (SELECT exchange_id FROM exchange_sightings WHERE message_id = $1) OR x.exchange_key = ANY($2::text[])
      ORDER BY x.exchange_key FOR UPDATE OF x`,
    [messageRowId, keys],
  );
  return rows.filter((r) => r.sighted).map((r) => Number(r.id));
}

/** Deletes a message's own fact rows and sightings (the caller settles the exchanges). */
async function deleteFacts(db: Queryable, messageRowId: number): Promise<void> {
  await db.query(
    `WITH p AS (DELETE FROM message_parties WHERE message_id = $1),
          at AS (DELETE FROM message_attachments WHERE message_id = $1),
          d AS (DELETE FROM message_documents WHERE message_id = $1)
     DELETE FROM exchange_sightings WHERE message_id = $1`,
    [messageRowId],
  );
}

/**
 * Removes a message's facts (shared rows stay: attachments, documents) and its sightings; each
 * exchange it was sighted in is recomputed from the sightings that remain, and deleted when none
 * remains (unless corrected: see `settleExchanges`).
 */
export async function clearAnalysis(db: Queryable, messageRowId: number): Promise<SettleResult> {
  const sighted = await lockExchangesOf(db, messageRowId);
  await deleteFacts(db, messageRowId);
  return settleExchanges(db, sighted);
}

export interface ReplaceResult extends SettleResult {
  /** The exchanges the message was sighted in before, and is now. */
  before: number[];
  after: number[];
}

/**
 * Replaces a message's analysis inside the caller's transaction: its old sightings go, the new ones
 * come, every exchange either touches is merged again, and an exchange no mail sights any more is
 * deleted (unless corrected). An exchange that stays keeps its id (and its overrides).
 */
export async function replaceAnalysis(db: Queryable, messageRowId: number, a: MessageAnalysis): Promise<ReplaceResult> {
  const before = await lockExchangesOf(db, messageRowId, [...new Set(a.exchanges.map((e) => e.key))]);
  await deleteFacts(db, messageRowId);
  const after = await writeAnalysisIn(db, messageRowId, a);
  const still = new Set(after);
  const settled = await settleExchanges(db, before.filter((id) => !still.has(id)));
  return { ...settled, before, after };
}

// Shared rows (attachments, documents, exchanges) are upserted in key order: two messages that
// carry the same ones (the sender's Sent copy and the recipient's INBOX copy, analyzed at the same
// time) then lock them in the same order and cannot deadlock.
//
// Threads (src/domain/thread.ts): the thread of a message this one names by Message-ID (its own
// id too: the same mail in another mailbox), else of a message within 120 days with the same
// subject key that shares an address with it other than the monitored agency's own (every mail of
// a mailbox has those), else a thread of its own (its row id).
//
// Exchanges: each mail's sighting holds the labels its analysis gives, with form `hybrid` when a
// paper register of either side lists the document (dated within 200 days before to 31 days after
// the mail); the exchange's `computed` holds the merge of its sightings and the label columns the
// EFFECTIVE labels, so a column an override pins (`pinned`, src/db/overrides.ts) keeps its value.
const MESSAGE_SQL = `
WITH thr AS (
  SELECT COALESCE(
    (SELECT m2.thread_id FROM messages m2
      WHERE lower(btrim(m2.message_id, '<> ')) = ANY($11::text[]) AND m2.message_id IS NOT NULL
        AND m2.id <> $1 AND m2.thread_id IS NOT NULL
      ORDER BY m2.thread_id LIMIT 1),
    (SELECT m2.thread_id FROM messages m2
      WHERE $12::text IS NOT NULL AND m2.subject_key = $12 AND m2.id <> $1 AND m2.thread_id IS NOT NULL
        AND m2.msg_date BETWEEN $5::timestamptz - interval '120 days' AND $5::timestamptz + interval '120 days'
        AND EXISTS (SELECT 1 FROM message_parties p WHERE p.message_id = m2.id AND p.address = ANY($13::text[]))
      ORDER BY m2.thread_id LIMIT 1),
    $1::bigint) AS id)
UPDATE messages SET state = $2, state_reason = $3, analyzed_at = now(), subject = $4, msg_date = $5,
  direction = $6, from_address = $7, thread_key = $8, problems = $9::text[], message_id = COALESCE(message_id, $10),
  thread_id = (SELECT id FROM thr), subject_key = $12, signatures = $14::jsonb
WHERE id = $1`;

const WRITE_SQL = `
WITH parties AS (
  INSERT INTO message_parties (message_id, address, name, kind, agency_code, matched_by, roles)
  SELECT $1, x.address, x.name, x.kind, x.agency_code, x.matched_by, string_to_array(x.roles, ',')
    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS x(address, name, kind, agency_code, matched_by, roles)
  ON CONFLICT DO NOTHING),
att AS (
  INSERT INTO attachments (sha256, size, sniffed_type, kind, digitization, pages, text_pages, problem, signatures)
  SELECT * FROM unnest($9::text[], $10::int[], $11::text[], $12::text[], $13::text[], $14::int[], $15::int[], $16::text[], $43::jsonb[])
  ORDER BY 1
  -- The signatures of the latest analysis (trust anchors may have changed); the other columns are
  -- facts of the bytes. Rows are taken in sha256 order, as every shared row is.
  ON CONFLICT (sha256) DO UPDATE SET signatures = EXCLUDED.signatures
    WHERE attachments.signatures IS DISTINCT FROM EXCLUDED.signatures),
matt AS (
  INSERT INTO message_attachments (message_id, position, sha256, filename, declared_type)
  SELECT $1, x.pos, x.sha256, x.filename, x.declared_type
    FROM unnest($17::int[], $18::text[], $19::text[], $20::text[]) AS x(pos, sha256, filename, declared_type)
  ON CONFLICT DO NOTHING),
docs AS (
  INSERT INTO documents (ref, number, year, symbol, kind, issued_on, doc_year)
  SELECT * FROM unnest($21::text[], $22::text[], $23::int[], $24::text[], $25::text[], $26::date[], $44::int[]) ORDER BY 1, 7
  ON CONFLICT (ref, doc_year) DO UPDATE SET kind = COALESCE(documents.kind, EXCLUDED.kind),
    issued_on = COALESCE(documents.issued_on, EXCLUDED.issued_on)
  RETURNING id, ref, doc_year),
mdocs AS (
  INSERT INTO message_documents (message_id, document_id, role, source)
  SELECT $1, docs.id, x.role, x.source
    FROM unnest($21::text[], $44::int[], $27::text[], $28::text[]) AS x(ref, doc_year, role, source)
    JOIN docs ON docs.ref = x.ref AND docs.doc_year = x.doc_year
  ON CONFLICT DO NOTHING),
planned AS (
  SELECT x.key, docs.id AS document_id, x.sender_address, x.receiver_address, x.sender_kind, x.receiver_kind,
         x.sender_agency, x.receiver_agency, x.flow, x.digitization, x.signed, x.secret,
         CASE WHEN reg.evidence IS NOT NULL AND x.form IS NOT NULL THEN 'hybrid' ELSE x.form END AS form,
         CASE WHEN reg.evidence IS NOT NULL AND x.form IS NOT NULL
              THEN (SELECT COALESCE(jsonb_agg(el.item), '[]'::jsonb) FROM jsonb_array_elements(x.evidence::jsonb) AS el(item) WHERE el.item->>'label' <> 'form')
                   || jsonb_build_array(reg.evidence)
              ELSE x.evidence::jsonb END AS evidence
    FROM unnest($29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[],
                $37::text[], $38::text[], $39::text[], $40::boolean[], $41::boolean[], $42::text[], $45::int[])
         AS x(key, ref, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency, receiver_agency,
              flow, form, digitization, signed, secret, evidence, doc_year)
    LEFT JOIN docs ON docs.ref = x.ref AND docs.doc_year = x.doc_year
    LEFT JOIN LATERAL (
      SELECT jsonb_build_object('label', 'form', 'value', 'hybrid', 'rule', 'form.paper_register',
               'detail', format('Sổ văn bản %s của %s, dòng %s (tệp %s, nhập %s) / paper register entry %s',
                                CASE r.direction WHEN 'in' THEN 'đến' ELSE 'đi' END, r.agency_code, r.line, i.file_name,
                                to_char(i.imported_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD'), r.id)) AS evidence
        FROM register_entries r JOIN register_imports i ON i.id = r.import_id
       WHERE r.document_id = docs.id AND r.agency_code IN (x.sender_agency, x.receiver_agency)
         AND r.day BETWEEN edocwatch_local_day($2::timestamptz) - 200 AND edocwatch_local_day($2::timestamptz) + 31
       ORDER BY r.id LIMIT 1) reg ON true),
-- The sighting's evidence: each item names the mail ($46), as in the merge.
seen AS (
  SELECT p.*, (SELECT COALESCE(jsonb_agg(el.item || jsonb_build_object('message', $46::text) ORDER BY el.n), '[]'::jsonb)
                 FROM jsonb_array_elements(p.evidence) WITH ORDINALITY AS el(item, n)) AS sighting_evidence
    FROM planned p),
-- A new exchange gets its one sighting's labels (the merge of one); one already there is only
-- locked here (its merge is written by recomputeExchanges once this mail's sightings are in).
ex AS (
  INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind,
    sender_agency, receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, evidence, computed)
  SELECT p.key, p.document_id, p.sender_address, p.receiver_address, p.sender_kind, p.receiver_kind, p.sender_agency,
         p.receiver_agency, $2::timestamptz, p.document_id IS NOT NULL, p.flow, p.form, p.digitization, p.signed, p.secret,
         p.sighting_evidence,
         jsonb_build_object('flow', p.flow, 'form', p.form, 'digitization', p.digitization, 'signed', p.signed,
           'secret', p.secret, 'document_id', p.document_id, 'has_document', p.document_id IS NOT NULL,
           'sender_agency', p.sender_agency, 'sender_kind', p.sender_kind,
           'receiver_agency', p.receiver_agency, 'receiver_kind', p.receiver_kind)
    FROM seen p
   ORDER BY p.key
  ON CONFLICT (exchange_key) DO UPDATE SET updated_at = now()
  RETURNING id, exchange_key, (xmax = 0) AS inserted),
sig AS (
  INSERT INTO exchange_sightings (exchange_id, message_id, mail_key, msg_date, sender_address, receiver_address, sender_kind,
    receiver_kind, sender_agency, receiver_agency, document_id, flow, form, digitization, signed, secret, evidence)
  SELECT ex.id, $1, $46, $2::timestamptz, p.sender_address, p.receiver_address, p.sender_kind, p.receiver_kind, p.sender_agency,
         p.receiver_agency, p.document_id, p.flow, p.form, p.digitization, p.signed, p.secret, p.sighting_evidence
    FROM ex JOIN seen p ON p.key = ex.exchange_key
  ON CONFLICT (exchange_id, message_id) DO UPDATE SET mail_key = EXCLUDED.mail_key, msg_date = EXCLUDED.msg_date,
    sender_address = EXCLUDED.sender_address, receiver_address = EXCLUDED.receiver_address, sender_kind = EXCLUDED.sender_kind,
    receiver_kind = EXCLUDED.receiver_kind, sender_agency = EXCLUDED.sender_agency, receiver_agency = EXCLUDED.receiver_agency,
    document_id = EXCLUDED.document_id, flow = EXCLUDED.flow, form = EXCLUDED.form, digitization = EXCLUDED.digitization,
    signed = EXCLUDED.signed, secret = EXCLUDED.secret, evidence = EXCLUDED.evidence)
SELECT id, inserted FROM ex ORDER BY exchange_key`;

/**
 * Writes the analysis of a message that has no facts yet (a pending or failed message: a failed
 * attempt's transaction was rolled back whole), in a transaction of its own.
 */
export async function writeAnalysis(pool: Pool, messageRowId: number, a: MessageAnalysis): Promise<void> {
  await withTransaction(pool, (client) => writeAnalysisIn(client, messageRowId, a));
}

/**
 * The same inside the caller's transaction (both statements must commit together). To analyze a
 * message again, use `replaceAnalysis`. Returns the ids of the exchanges the message is sighted in.
 */
export async function writeAnalysisIn(db: Queryable, messageRowId: number, a: MessageAnalysis): Promise<number[]> {
  const m = a.message;
  const att = [...new Map(a.attachments.map((x) => [x.sha256, x])).values()].sort(byKey((x) => x.sha256));
  const refs = [...a.refs].sort(byKey((r) => `${r.ref}\u0000${r.docYear}`));
  const ex = [...new Map(a.exchanges.map((e) => [e.key, e])).values()].sort(byKey((e) => e.key));
  const mailKey = ex[0]?.mailKey ?? a.exchanges[0]?.mailKey ?? '';
  // Named: Postgres plans these long statements once per connection, not for every message.
  const written = await db.query<{ id: string; inserted: boolean }>({ name: 'facts-write', text: WRITE_SQL, values: [
    messageRowId, m.date,
    // parties $3–$8
    a.parties.map((p) => p.address), a.parties.map((p) => p.name), a.parties.map((p) => p.kind), a.parties.map((p) => p.agencyCode),
    a.parties.map((p) => p.matchedBy), a.parties.map((p) => p.roles.join(',')),
    // attachments $9–$16
    att.map((x) => x.sha256), att.map((x) => x.size), att.map((x) => x.sniffedType), att.map((x) => x.kind), att.map((x) => x.digitization),
    att.map((x) => x.pages), att.map((x) => x.textPages), att.map((x) => x.problem),
    // message_attachments $17–$20
    a.attachments.map((_, i) => i), a.attachments.map((x) => x.sha256), a.attachments.map((x) => x.filename), a.attachments.map((x) => x.declaredType),
    // documents $21–$26, message_documents $27–$28 (joined on $21, $44)
    refs.map((r) => r.ref), refs.map((r) => r.number), refs.map((r) => r.year), refs.map((r) => r.symbol), refs.map((r) => r.kind), refs.map((r) => r.date),
    refs.map((r) => r.role), refs.map((r) => r.source),
    // exchanges $29–$42
    ex.map((e) => e.key), ex.map((e) => e.documentRef), ex.map((e) => e.sender.address), ex.map((e) => e.receiver.address),
    ex.map((e) => e.sender.kind), ex.map((e) => e.receiver.kind), ex.map((e) => e.sender.agencyCode), ex.map((e) => e.receiver.agencyCode),
    ex.map((e) => e.labels.flow), ex.map((e) => e.labels.form), ex.map((e) => e.labels.digitization), ex.map((e) => e.labels.signed),
    ex.map((e) => e.labels.secret), ex.map((e) => JSON.stringify(e.evidence)),
    // attachments' signatures $43 (in the order of $9)
    att.map((x) => JSON.stringify(x.signatures)),
    // documents' years $44 (in the order of $21), exchanges' document years $45 (in the order of $29), the mail's key $46
    refs.map((r) => r.docYear), ex.map((e) => e.documentYear), mailKey,
  ] });
  const existing = written.rows.filter((r) => !r.inserted).map((r) => Number(r.id));
  // Exchanges other mails sight too: their merge changes with this sighting.
  if (existing.length > 0) await recomputeExchanges(db, existing);
  await db.query({ name: 'facts-message', text: MESSAGE_SQL, values: [
    messageRowId, m.state, m.machineGenerated ?? (m.problems.length ? m.problems.join(', ') : null), m.subject.slice(0, 2000), m.date,
    m.direction, m.from, m.threadKey, m.problems, m.messageId,
    // threads $11–$13
    m.threadLinks, subjectKey(m.subject),
    a.parties.filter((p) => p.agencyCode === null || p.agencyCode !== m.monitoredAgency).map((p) => p.address),
    // the message's own S/MIME signatures $14
    JSON.stringify(m.signatures),
  ] });
  return written.rows.map((r) => Number(r.id));
}
