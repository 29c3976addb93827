// Writes one message's analysis (state, parties, attachments, documents, exchanges) as two SQL
// statements in one transaction: the facts as one statement of chained data-modifying CTEs (round
// trips, each waking a Postgres backend, were the largest cost of the write path), then the
// message's own row (with its thread). The message UPDATE is its own statement so that the rollup
// triggers always fire in one order — exchanges' (at the end of the first statement) before
// messages' — whatever plan Postgres picks: inside one statement the order of the CTEs'
// statement-level triggers is not defined, and two analyses taking the rollup rows in opposite
// orders deadlocked. Facts of an earlier analysis are removed first by `clearAnalysis` when a
// message is analyzed again.
import type { MessageAnalysis } from '../analyze/message.js';
import { subjectKey } from '../domain/thread.js';
import { withTransaction, type Pool, type Queryable } from './pool.js';

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

/** Removes a message's facts (not shared rows: attachments, documents, exchanges stay). */
export async function clearAnalysis(db: Queryable, messageRowId: number): Promise<void> {
  await db.query(
    `WITH p AS (DELETE FROM message_parties WHERE message_id = $1),
          at AS (DELETE FROM message_attachments WHERE message_id = $1),
          d AS (DELETE FROM message_documents WHERE message_id = $1)
     DELETE FROM exchange_sightings WHERE message_id = $1`,
    [messageRowId],
  );
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
// Exchanges: `computed` holds the labels the analysis gives, with form `hybrid` when a paper
// register of either side lists the document (dated within 200 days before to 31 days after the
// mail: administrative numbers restart every year); the label columns hold the EFFECTIVE labels,
// so a column an override pins (`pinned`, src/db/overrides.ts) keeps its value here.
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
  INSERT INTO documents (ref, number, year, symbol, kind, issued_on)
  SELECT * FROM unnest($21::text[], $22::text[], $23::int[], $24::text[], $25::text[], $26::date[]) ORDER BY 1
  ON CONFLICT (ref) DO UPDATE SET kind = COALESCE(documents.kind, EXCLUDED.kind),
    issued_on = COALESCE(documents.issued_on, EXCLUDED.issued_on)
  RETURNING id, ref),
mdocs AS (
  INSERT INTO message_documents (message_id, document_id, role, source)
  SELECT $1, docs.id, x.role, x.source
    FROM unnest($21::text[], $27::text[], $28::text[]) AS x(ref, role, source) JOIN docs ON docs.ref = x.ref
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
                $37::text[], $38::text[], $39::text[], $40::boolean[], $41::boolean[], $42::text[])
         AS x(key, ref, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency, receiver_agency,
              flow, form, digitization, signed, secret, evidence)
    LEFT JOIN docs ON docs.ref = x.ref
    LEFT JOIN LATERAL (
      SELECT jsonb_build_object('label', 'form', 'value', 'hybrid', 'rule', 'form.paper_register',
               'detail', format('Sổ văn bản %s của %s, dòng %s (tệp %s, nhập %s) / paper register entry %s',
                                CASE r.direction WHEN 'in' THEN 'đến' ELSE 'đi' END, r.agency_code, r.line, i.file_name,
                                to_char(i.imported_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD'), r.id)) AS evidence
        FROM register_entries r JOIN register_imports i ON i.id = r.import_id
       WHERE r.document_id = docs.id AND r.agency_code IN (x.sender_agency, x.receiver_agency)
         AND r.day BETWEEN edocwatch_local_day($2::timestamptz) - 200 AND edocwatch_local_day($2::timestamptz) + 31
       ORDER BY r.id LIMIT 1) reg ON true),
ex AS (
  INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind,
    sender_agency, receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, evidence, computed)
  SELECT p.key, p.document_id, p.sender_address, p.receiver_address, p.sender_kind, p.receiver_kind, p.sender_agency,
         p.receiver_agency, $2::timestamptz, p.document_id IS NOT NULL, p.flow, p.form, p.digitization, p.signed, p.secret,
         p.evidence,
         jsonb_build_object('flow', p.flow, 'form', p.form, 'digitization', p.digitization, 'signed', p.signed,
           'secret', p.secret, 'document_id', p.document_id, 'has_document', p.document_id IS NOT NULL,
           'sender_agency', p.sender_agency, 'sender_kind', p.sender_kind,
           'receiver_agency', p.receiver_agency, 'receiver_kind', p.receiver_kind)
    FROM planned p
   ORDER BY p.key
  ON CONFLICT (exchange_key) DO UPDATE SET
    flow = CASE WHEN 'flow' = ANY(exchanges.pinned) THEN exchanges.flow ELSE EXCLUDED.flow END,
    form = CASE WHEN 'form' = ANY(exchanges.pinned) THEN exchanges.form ELSE EXCLUDED.form END,
    digitization = CASE WHEN 'digitization' = ANY(exchanges.pinned) THEN exchanges.digitization ELSE EXCLUDED.digitization END,
    signed = CASE WHEN 'signed' = ANY(exchanges.pinned) THEN exchanges.signed ELSE EXCLUDED.signed END,
    secret = CASE WHEN 'secret' = ANY(exchanges.pinned) THEN exchanges.secret ELSE EXCLUDED.secret END,
    document_id = CASE WHEN 'document' = ANY(exchanges.pinned) THEN exchanges.document_id ELSE EXCLUDED.document_id END,
    has_document = CASE WHEN 'document' = ANY(exchanges.pinned) THEN exchanges.has_document ELSE EXCLUDED.has_document END,
    sender_agency = CASE WHEN 'sender' = ANY(exchanges.pinned) THEN exchanges.sender_agency ELSE EXCLUDED.sender_agency END,
    sender_kind = CASE WHEN 'sender' = ANY(exchanges.pinned) THEN exchanges.sender_kind ELSE EXCLUDED.sender_kind END,
    receiver_agency = CASE WHEN 'receiver' = ANY(exchanges.pinned) THEN exchanges.receiver_agency ELSE EXCLUDED.receiver_agency END,
    receiver_kind = CASE WHEN 'receiver' = ANY(exchanges.pinned) THEN exchanges.receiver_kind ELSE EXCLUDED.receiver_kind END,
    evidence = EXCLUDED.evidence, computed = EXCLUDED.computed, updated_at = now()
  RETURNING id)
INSERT INTO exchange_sightings (exchange_id, message_id)
SELECT ex.id, $1 FROM ex
ON CONFLICT DO NOTHING`;

/**
 * Writes the analysis of a message that has no facts yet (a pending or failed message: a failed
 * attempt's transaction was rolled back whole), in a transaction of its own.
 */
export async function writeAnalysis(pool: Pool, messageRowId: number, a: MessageAnalysis): Promise<void> {
  await withTransaction(pool, (client) => writeAnalysisIn(client, messageRowId, a));
}

/**
 * The same inside the caller's transaction (both statements must commit together). To analyze a
 * message again, `clearAnalysis` it first, in the same transaction.
 */
export async function writeAnalysisIn(db: Queryable, messageRowId: number, a: MessageAnalysis): Promise<void> {
  const m = a.message;
  const att = [...new Map(a.attachments.map((x) => [x.sha256, x])).values()].sort(byKey((x) => x.sha256));
  const refs = [...a.refs].sort(byKey((r) => r.ref));
  const ex = [...new Map(a.exchanges.map((e) => [e.key, e])).values()].sort(byKey((e) => e.key));
  await db.query({ name: "facts-write", text: WRITE_SQL, values: [
    messageRowId, m.date,
    // parties $3–$8
    a.parties.map((p) => p.address), a.parties.map((p) => p.name), a.parties.map((p) => p.kind), a.parties.map((p) => p.agencyCode),
    a.parties.map((p) => p.matchedBy), a.parties.map((p) => p.roles.join(',')),
    // attachments $9–$16
    att.map((x) => x.sha256), att.map((x) => x.size), att.map((x) => x.sniffedType), att.map((x) => x.kind), att.map((x) => x.digitization),
    att.map((x) => x.pages), att.map((x) => x.textPages), att.map((x) => x.problem),
    // message_attachments $17–$20
    a.attachments.map((_, i) => i), a.attachments.map((x) => x.sha256), a.attachments.map((x) => x.filename), a.attachments.map((x) => x.declaredType),
    // documents $21–$26, message_documents $27–$28 (joined on $21)
    refs.map((r) => r.ref), refs.map((r) => r.number), refs.map((r) => r.year), refs.map((r) => r.symbol), refs.map((r) => r.kind), refs.map((r) => r.date),
    refs.map((r) => r.role), refs.map((r) => r.source),
    // exchanges $29–$42
    ex.map((e) => e.key), ex.map((e) => e.documentRef), ex.map((e) => e.sender.address), ex.map((e) => e.receiver.address),
    ex.map((e) => e.sender.kind), ex.map((e) => e.receiver.kind), ex.map((e) => e.sender.agencyCode), ex.map((e) => e.receiver.agencyCode),
    ex.map((e) => e.labels.flow), ex.map((e) => e.labels.form), ex.map((e) => e.labels.digitization), ex.map((e) => e.labels.signed),
    ex.map((e) => e.labels.secret), ex.map((e) => JSON.stringify(e.evidence)),
    // attachments' signatures $43 (in the order of $9)
    att.map((x) => JSON.stringify(x.signatures)),
  ] });
  await db.query({ name: "facts-message", text: MESSAGE_SQL, values: [
    messageRowId, m.state, m.machineGenerated ?? (m.problems.length ? m.problems.join(', ') : null), m.subject.slice(0, 2000), m.date,
    m.direction, m.from, m.threadKey, m.problems, m.messageId,
    // threads $11–$13
    m.threadLinks, subjectKey(m.subject),
    a.parties.filter((p) => p.agencyCode === null || p.agencyCode !== m.monitoredAgency).map((p) => p.address),
    // the message's own S/MIME signatures $14
    JSON.stringify(m.signatures),
  ] });
}
