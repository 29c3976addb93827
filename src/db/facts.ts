// Writes one message's analysis (parties, attachments, documents, exchanges, state) — call inside a
// transaction so a message's facts are all there or none are. Re-running it for the same message
// replaces its facts (idempotent on the message). Each table is written with one multi-row
// statement (unnest of parameter arrays): a handful of round trips per message, not dozens.
import type { MessageAnalysis } from '../analyze/message.js';
import type { Queryable } from './pool.js';

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

export async function writeAnalysis(db: Queryable, messageRowId: number, a: MessageAnalysis): Promise<void> {
  const m = a.message;
  // The message row, and the facts of an earlier analysis removed, in one statement.
  await db.query(
    `WITH p AS (DELETE FROM message_parties WHERE message_id = $1),
          at AS (DELETE FROM message_attachments WHERE message_id = $1),
          d AS (DELETE FROM message_documents WHERE message_id = $1),
          s AS (DELETE FROM exchange_sightings WHERE message_id = $1)
     UPDATE messages SET state = $2, state_reason = $3, analyzed_at = now(), subject = $4, msg_date = $5,
       direction = $6, from_address = $7, thread_key = $8, problems = $9::text[], message_id = COALESCE(message_id, $10)
     WHERE id = $1`,
    [messageRowId, m.state, m.machineGenerated ?? (m.problems.length ? m.problems.join(', ') : null), m.subject.slice(0, 2000), m.date,
      m.direction, m.from, m.threadKey, m.problems, m.messageId],
  );

  if (a.parties.length > 0) {
    await db.query(
      `INSERT INTO message_parties (message_id, address, name, kind, agency_code, matched_by, roles)
       SELECT $1, x.address, x.name, x.kind, x.agency_code, x.matched_by, string_to_array(x.roles, ',')
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              AS x(address, name, kind, agency_code, matched_by, roles)
       ON CONFLICT DO NOTHING`,
      [messageRowId, a.parties.map((p) => p.address), a.parties.map((p) => p.name), a.parties.map((p) => p.kind),
        a.parties.map((p) => p.agencyCode), a.parties.map((p) => p.matchedBy), a.parties.map((p) => p.roles.join(','))],
    );
  }

  // Shared rows (attachments, documents, exchanges) are upserted in key order: two messages that
  // carry the same ones (the sender's Sent copy and the recipient's INBOX copy, analyzed at the
  // same time) then lock them in the same order and cannot deadlock.
  if (a.attachments.length > 0) {
    const uniq = [...new Map(a.attachments.map((x) => [x.sha256, x])).values()].sort(byKey((x) => x.sha256));
    await db.query(
      `INSERT INTO attachments (sha256, size, sniffed_type, kind, digitization, pages, text_pages, problem)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[])
       ORDER BY 1
       ON CONFLICT (sha256) DO NOTHING`,
      [uniq.map((x) => x.sha256), uniq.map((x) => x.size), uniq.map((x) => x.sniffedType), uniq.map((x) => x.kind),
        uniq.map((x) => x.digitization), uniq.map((x) => x.pages), uniq.map((x) => x.textPages), uniq.map((x) => x.problem)],
    );
    await db.query(
      `INSERT INTO message_attachments (message_id, position, sha256, filename, declared_type)
       SELECT $1, x.pos, x.sha256, x.filename, x.declared_type
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS x(pos, sha256, filename, declared_type)`,
      [messageRowId, a.attachments.map((_, i) => i), a.attachments.map((x) => x.sha256), a.attachments.map((x) => x.filename),
        a.attachments.map((x) => x.declaredType)],
    );
  }

  const docIds = new Map<string, number>();
  if (a.refs.length > 0) {
    const refs = [...a.refs].sort(byKey((r) => r.ref));
    const { rows } = await db.query<{ id: number; ref: string }>(
      `INSERT INTO documents (ref, number, year, symbol, kind, issued_on)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::date[]) ORDER BY 1
       ON CONFLICT (ref) DO UPDATE SET kind = COALESCE(documents.kind, EXCLUDED.kind),
         issued_on = COALESCE(documents.issued_on, EXCLUDED.issued_on)
       RETURNING id, ref`,
      [refs.map((r) => r.ref), refs.map((r) => r.number), refs.map((r) => r.year), refs.map((r) => r.symbol), refs.map((r) => r.kind),
        refs.map((r) => r.date)],
    );
    for (const r of rows) docIds.set(r.ref, r.id);
    await db.query(
      `INSERT INTO message_documents (message_id, document_id, role, source)
       SELECT $1, x.document_id, x.role, x.source FROM unnest($2::bigint[], $3::text[], $4::text[]) AS x(document_id, role, source)
       ON CONFLICT DO NOTHING`,
      [messageRowId, refs.map((r) => docIds.get(r.ref)), refs.map((r) => r.role), refs.map((r) => r.source)],
    );
  }

  if (a.exchanges.length > 0) {
    const ex = [...new Map(a.exchanges.map((e) => [e.key, e])).values()].sort(byKey((e) => e.key));
    await db.query(
      `WITH up AS (
         INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind,
           sender_agency, receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, evidence)
         SELECT x.key, x.document_id, x.sender_address, x.receiver_address, x.sender_kind, x.receiver_kind, x.sender_agency,
                x.receiver_agency, $2::timestamptz, x.document_id IS NOT NULL, x.flow, x.form, x.digitization, x.signed, x.secret,
                x.evidence::jsonb
           FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                       $11::text[], $12::text[], $13::text[], $14::boolean[], $15::boolean[], $16::text[])
                AS x(key, document_id, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency,
                     receiver_agency, flow, form, digitization, signed, secret, evidence)
          ORDER BY x.key
         ON CONFLICT (exchange_key) DO UPDATE SET flow = EXCLUDED.flow, form = EXCLUDED.form,
           digitization = EXCLUDED.digitization, signed = EXCLUDED.signed, secret = EXCLUDED.secret,
           evidence = EXCLUDED.evidence, updated_at = now()
         RETURNING id)
       INSERT INTO exchange_sightings (exchange_id, message_id) SELECT id, $1 FROM up ON CONFLICT DO NOTHING`,
      [messageRowId, m.date, ex.map((e) => e.key), ex.map((e) => (e.documentRef ? (docIds.get(e.documentRef) ?? null) : null)),
        ex.map((e) => e.sender.address), ex.map((e) => e.receiver.address), ex.map((e) => e.sender.kind), ex.map((e) => e.receiver.kind),
        ex.map((e) => e.sender.agencyCode), ex.map((e) => e.receiver.agencyCode), ex.map((e) => e.labels.flow), ex.map((e) => e.labels.form),
        ex.map((e) => e.labels.digitization), ex.map((e) => e.labels.signed), ex.map((e) => e.labels.secret),
        ex.map((e) => JSON.stringify(e.evidence))],
    );
  }
}
