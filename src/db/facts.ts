// Writes one message's analysis (parties, attachments, documents, exchanges, state) — call inside a
// transaction so a message's facts are all there or none are. Re-running it for the same message
// replaces its facts (idempotent on the message).
import type { MessageAnalysis } from '../analyze/message.js';
import type { Queryable } from './pool.js';

export async function writeAnalysis(db: Queryable, messageRowId: number, a: MessageAnalysis): Promise<void> {
  const m = a.message;
  await db.query(
    `UPDATE messages SET state = $2, state_reason = $3, analyzed_at = now(), subject = $4, msg_date = $5,
       direction = $6, from_address = $7, thread_key = $8, problems = $9::text[], message_id = COALESCE(message_id, $10)
     WHERE id = $1`,
    [messageRowId, m.state, m.machineGenerated ?? (m.problems.length ? m.problems.join(', ') : null), m.subject.slice(0, 2000), m.date,
      m.direction, m.from, m.threadKey, m.problems, m.messageId],
  );
  await db.query('DELETE FROM message_parties WHERE message_id = $1', [messageRowId]);
  for (const p of a.parties) {
    await db.query(
      `INSERT INTO message_parties (message_id, address, name, kind, agency_code, matched_by, roles)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[]) ON CONFLICT DO NOTHING`,
      [messageRowId, p.address, p.name, p.kind, p.agencyCode, p.matchedBy, p.roles],
    );
  }
  await db.query('DELETE FROM message_attachments WHERE message_id = $1', [messageRowId]);
  // Shared rows (attachments, documents, exchanges) are upserted in key order: two messages that
  // carry the same ones (the sender's Sent copy and the recipient's INBOX copy, analyzed at the
  // same time) then lock them in the same order and cannot deadlock.
  for (const at of [...a.attachments].sort((x, y) => x.sha256.localeCompare(y.sha256))) {
    await db.query(
      `INSERT INTO attachments (sha256, size, sniffed_type, kind, digitization, pages, text_pages, problem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING`,
      [at.sha256, at.size, at.sniffedType, at.kind, at.digitization, at.pages, at.textPages, at.problem],
    );
  }
  for (const [i, at] of a.attachments.entries()) {
    await db.query(
      `INSERT INTO message_attachments (message_id, position, sha256, filename, declared_type) VALUES ($1, $2, $3, $4, $5)`,
      [messageRowId, i, at.sha256, at.filename, at.declaredType],
    );
  }
  await db.query('DELETE FROM message_documents WHERE message_id = $1', [messageRowId]);
  const docIds = new Map<string, number>();
  for (const r of [...a.refs].sort((x, y) => x.ref.localeCompare(y.ref))) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO documents (ref, number, year, symbol, kind, issued_on) VALUES ($1, $2, $3, $4, $5, $6::date)
       ON CONFLICT (ref) DO UPDATE SET kind = COALESCE(documents.kind, EXCLUDED.kind), issued_on = COALESCE(documents.issued_on, EXCLUDED.issued_on)
       RETURNING id`,
      [r.ref, r.number, r.year, r.symbol, r.kind, r.date],
    );
    const id = (rows[0] as { id: number }).id;
    docIds.set(r.ref, id);
    await db.query(
      `INSERT INTO message_documents (message_id, document_id, role, source) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [messageRowId, id, r.role, r.source],
    );
  }
  await db.query('DELETE FROM exchange_sightings WHERE message_id = $1', [messageRowId]);
  for (const e of [...a.exchanges].sort((x, y) => x.key.localeCompare(y.key))) {
    const l = e.labels;
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind,
         sender_agency, receiver_agency, msg_date, has_document, flow, form, digitization, signed, secret, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb)
       ON CONFLICT (exchange_key) DO UPDATE SET flow = EXCLUDED.flow, form = EXCLUDED.form,
         digitization = EXCLUDED.digitization, signed = EXCLUDED.signed, secret = EXCLUDED.secret,
         evidence = EXCLUDED.evidence, updated_at = now()
       RETURNING id`,
      [e.key, e.documentRef ? (docIds.get(e.documentRef) ?? null) : null, e.sender.address, e.receiver.address, e.sender.kind,
        e.receiver.kind, e.sender.agencyCode, e.receiver.agencyCode, m.date, e.documentRef !== null, l.flow, l.form,
        l.digitization, l.signed, l.secret, JSON.stringify(e.evidence)],
    );
    await db.query('INSERT INTO exchange_sightings (exchange_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      (rows[0] as { id: number }).id,
      messageRowId,
    ]);
  }
}
