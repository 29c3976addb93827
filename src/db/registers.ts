// Stores an imported paper register (src/domain/register.ts read it) in one transaction: the import,
// its entries (documents upserted by canonical reference and year, resolved as mail resolves them, so
// a registered document and the same document seen in mail are one row), and the sightings of mail
// that carry a registered document turned `hybrid` with evidence naming the register row, their
// exchanges merged again (src/domain/exchange-merge.ts). The rollup triggers of 0004 move the
// statistics in the same transaction. Paper-only documents are counted at query time
// (src/db/stats.ts): a document seen in mail later stops being paper-only by itself.
import type { RegisterDirection, RegisterRow } from '../domain/register.js';
import { recomputeExchanges } from './facts.js';
import { withTransaction, type Pool, type Queryable } from './pool.js';

export interface RegisterImportResult {
  importId: number;
  entries: number;
  inserted: number;
  alreadyKnown: number;
  /** Exchanges seen in mail that the register turned hybrid. */
  hybrid: number;
  /** Entries of this file whose document no mail shows (paper-only for now). */
  paperOnly: number;
}

const docKey = (ref: string, year: number): string => `${ref}\u0000${year}`;

async function upsertDocuments(db: Queryable, rows: RegisterRow[]): Promise<Map<string, number>> {
  const docs = [...new Map(rows.map((r) => [docKey(r.ref, r.docYear), r])).values()].sort((a, b) => a.ref.localeCompare(b.ref) || a.docYear - b.docYear);
  const { rows: out } = await db.query<{ id: string; ref: string; doc_year: number }>(
    `INSERT INTO documents (ref, number, year, symbol, kind, issued_on, doc_year)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::date[], $7::int[])
     ON CONFLICT (ref, doc_year) DO UPDATE SET kind = COALESCE(documents.kind, EXCLUDED.kind),
       issued_on = COALESCE(documents.issued_on, EXCLUDED.issued_on)
     RETURNING id, ref, doc_year`,
    [docs.map((d) => d.ref), docs.map((d) => d.number), docs.map((d) => d.year), docs.map((d) => d.symbol), docs.map((d) => d.kind), docs.map((d) => d.docDate), docs.map((d) => d.docYear)],
  );
  return new Map(out.map((r) => [docKey(r.ref, r.doc_year), Number(r.id)]));
}

export async function importRegister(
  pool: Pool,
  o: { agencyCode: string; direction: RegisterDirection; fileName: string; sha256: string; rowsSkipped: number; by: string; entries: RegisterRow[] },
): Promise<RegisterImportResult> {
  return withTransaction(pool, async (tx) => {
    const imp = await tx.query<{ id: string }>(
      `INSERT INTO register_imports (agency_code, direction, file_name, sha256, rows_read, rows_skipped, imported_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [o.agencyCode, o.direction, o.fileName, o.sha256, o.entries.length, o.rowsSkipped, o.by],
    );
    const importId = Number(imp.rows[0]?.id);
    const docIds = await upsertDocuments(tx, o.entries);
    const e = o.entries;
    const ins = await tx.query(
      `INSERT INTO register_entries (import_id, agency_code, direction, line, document_id, doc_date, day, summary, counterparty,
         counterparty_key, sender_agency, receiver_agency, sender_kind, receiver_kind, flow, form_note, secret)
       SELECT $1, $2, $3, x.* FROM unnest($4::int[], $5::bigint[], $6::date[], $7::date[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[]) AS x
       ON CONFLICT (agency_code, direction, document_id, day, counterparty_key) DO NOTHING`,
      [
        importId, o.agencyCode, o.direction,
        e.map((r) => r.line), e.map((r) => docIds.get(docKey(r.ref, r.docYear))), e.map((r) => r.docDate), e.map((r) => r.day),
        e.map((r) => r.summary?.slice(0, 2000) ?? null), e.map((r) => r.counterparty?.slice(0, 500) ?? null), e.map((r) => r.counterpartyKey.slice(0, 500)),
        e.map((r) => r.sender.agencyCode), e.map((r) => r.receiver.agencyCode), e.map((r) => r.sender.kind), e.map((r) => r.receiver.kind),
        e.map((r) => r.flow), e.map((r) => r.formNote?.slice(0, 200) ?? null), e.map((r) => r.secret),
      ],
    );
    const inserted = ins.rowCount ?? 0;
    // Sightings of mail that carries a newly registered document: form hybrid, and their exchanges
    // merged again (an override that pins the form still wins). Machine mail (form null) stays
    // without a form. The exchanges are locked in key order before their sightings change.
    const touched = await tx.query<{ id: string }>(
      `SELECT x.id FROM exchanges x
        WHERE x.id IN (SELECT s.exchange_id
                         FROM register_entries r JOIN exchange_sightings s ON s.document_id = r.document_id
                              AND r.agency_code IN (s.sender_agency, s.receiver_agency)
                              AND edocwatch_local_day(s.msg_date) BETWEEN r.day - 31 AND r.day + 200
                        WHERE r.import_id = $1 AND s.form = 'electronic')
        ORDER BY x.exchange_key FOR UPDATE`,
      [importId],
    );
    const ids = touched.rows.map((r) => Number(r.id));
    let hybrid = 0;
    if (ids.length > 0) {
      const was = await tx.query<{ id: string }>(`SELECT id FROM exchanges WHERE id = ANY($1::bigint[]) AND computed->>'form' = 'electronic'`, [ids]);
      await tx.query(
        `WITH m AS (
           SELECT DISTINCT ON (s.exchange_id, s.message_id) s.exchange_id, s.message_id,
                  jsonb_build_object('label', 'form', 'value', 'hybrid', 'rule', 'form.paper_register',
                    'detail', format('Sổ văn bản %s của %s, dòng %s (tệp %s, nhập %s) / paper register entry %s',
                                     CASE r.direction WHEN 'in' THEN 'đến' ELSE 'đi' END, r.agency_code, r.line, i.file_name,
                                     to_char(i.imported_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD'), r.id),
                    'message', s.mail_key) AS register_evidence
             FROM register_entries r JOIN register_imports i ON i.id = r.import_id
             JOIN exchange_sightings s ON s.document_id = r.document_id AND r.agency_code IN (s.sender_agency, s.receiver_agency)
                  AND edocwatch_local_day(s.msg_date) BETWEEN r.day - 31 AND r.day + 200
            WHERE r.import_id = $1 AND s.form = 'electronic' AND s.exchange_id = ANY($2::bigint[])
            ORDER BY s.exchange_id, s.message_id, r.id)
         UPDATE exchange_sightings s SET form = 'hybrid',
           evidence = (SELECT COALESCE(jsonb_agg(el.item ORDER BY el.n), '[]'::jsonb) FROM jsonb_array_elements(s.evidence) WITH ORDINALITY AS el(item, n)
                        WHERE el.item->>'label' <> 'form') || jsonb_build_array(m.register_evidence)
           FROM m WHERE s.exchange_id = m.exchange_id AND s.message_id = m.message_id`,
        [importId, ids],
      );
      await recomputeExchanges(tx, ids);
      const now = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM exchanges WHERE id = ANY($1::bigint[]) AND computed->>'form' = 'hybrid'`,
        [was.rows.map((r) => Number(r.id))],
      );
      hybrid = now.rows[0]?.n ?? 0;
    }
    const paper = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM register_entries r
        WHERE r.import_id = $1 AND NOT EXISTS (
          SELECT 1 FROM exchanges x WHERE x.document_id = r.document_id AND r.agency_code IN (x.sender_agency, x.receiver_agency)
             AND edocwatch_local_day(x.msg_date) BETWEEN r.day - 31 AND r.day + 200)`,
      [importId],
    );
    return {
      importId,
      entries: e.length,
      inserted,
      alreadyKnown: e.length - inserted,
      hybrid,
      paperOnly: paper.rows[0]?.n ?? 0,
    };
  });
}
