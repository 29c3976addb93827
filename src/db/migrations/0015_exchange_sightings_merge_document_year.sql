-- Up Migration
-- Exchange identity across mails and document identity across years (issue 5; docs/architecture.md
-- "Exchanges: one per document, sender and receiver").
--
-- 1. A document is (ref, doc_year): administrative numbers restart every year, so `2888/UBND-VX` of
--    2025 and of 2026 are two documents. doc_year is the year written in the number itself
--    (`43/2011/NĐ-CP`), else the year of its issue date, else the year (Asia/Ho_Chi_Minh) of the mail
--    (or of the paper register row) that carries it (src/domain/refs.ts documentYear).
-- 2. Each sighting (a mail that carries an exchange) keeps the labels and evidence its own analysis
--    gave; the exchange's labels are their merge (src/domain/exchange-merge.ts), under the labels an
--    override pins.
--
-- Existing rows: a document row gets the year of its number, else of its issue date, else of the
-- earliest mail (else register row, else first sighting) that carries it; a document without a year
-- of its own and without an issue date that mails of other years carry is split, one row per year,
-- and those mails, their exchanges and register rows move to the row of their year. Existing
-- exchanges keep their keys (derived from the mail, as before) until `edocwatch reanalyze` re-keys
-- them by (document, sender, receiver) and merges the mails of one document; the rollup triggers
-- follow every change here.

-- Documents -------------------------------------------------------------------------------------
ALTER TABLE documents ADD COLUMN doc_year integer;
UPDATE documents d SET doc_year = COALESCE(
  d.year,
  extract(year FROM d.issued_on)::int,
  (SELECT min(extract(year FROM m.msg_date AT TIME ZONE 'Asia/Ho_Chi_Minh'))::int
     FROM message_documents md JOIN messages m ON m.id = md.message_id WHERE md.document_id = d.id),
  (SELECT min(extract(year FROM COALESCE(r.doc_date, r.day)))::int FROM register_entries r WHERE r.document_id = d.id),
  extract(year FROM d.first_seen AT TIME ZONE 'Asia/Ho_Chi_Minh')::int);
ALTER TABLE documents ALTER COLUMN doc_year SET NOT NULL;
ALTER TABLE documents DROP CONSTRAINT documents_ref_key;
ALTER TABLE documents ADD CONSTRAINT documents_ref_year_key UNIQUE (ref, doc_year);

-- Mails and register rows of another year than their yearless, undated document's row.
CREATE TEMP TABLE doc_split_mail AS
SELECT md.message_id, md.document_id AS old_id, d.ref, extract(year FROM m.msg_date AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS y
  FROM message_documents md JOIN documents d ON d.id = md.document_id JOIN messages m ON m.id = md.message_id
 WHERE d.year IS NULL AND d.issued_on IS NULL AND m.msg_date IS NOT NULL
   AND extract(year FROM m.msg_date AT TIME ZONE 'Asia/Ho_Chi_Minh')::int <> d.doc_year;
CREATE TEMP TABLE doc_split_register AS
SELECT r.id AS entry_id, r.document_id AS old_id, d.ref, extract(year FROM COALESCE(r.doc_date, r.day))::int AS y
  FROM register_entries r JOIN documents d ON d.id = r.document_id
 WHERE d.year IS NULL AND extract(year FROM COALESCE(r.doc_date, r.day))::int <> d.doc_year;

INSERT INTO documents (ref, number, year, symbol, kind, issued_on, doc_year)
SELECT DISTINCT ON (s.ref, s.y) d.ref, d.number, d.year, d.symbol, d.kind, NULL::date, s.y
  FROM (SELECT old_id, ref, y FROM doc_split_mail UNION SELECT old_id, ref, y FROM doc_split_register) s
  JOIN documents d ON d.id = s.old_id
 ORDER BY s.ref, s.y
ON CONFLICT (ref, doc_year) DO NOTHING;

UPDATE message_documents md SET document_id = n.id
  FROM doc_split_mail s JOIN documents n ON n.ref = s.ref AND n.doc_year = s.y
 WHERE md.message_id = s.message_id AND md.document_id = s.old_id;
UPDATE register_entries r SET document_id = n.id
  FROM doc_split_register s JOIN documents n ON n.ref = s.ref AND n.doc_year = s.y
 WHERE r.id = s.entry_id;
-- Exchanges are one per mail so far: each moves with its mail (a corrected document stays).
UPDATE exchanges x SET
    document_id = CASE WHEN 'document' = ANY(x.pinned) THEN x.document_id ELSE t.new_id END,
    computed = jsonb_set(x.computed, '{document_id}', to_jsonb(t.new_id)),
    updated_at = now()
  FROM (SELECT DISTINCT ON (es.exchange_id) es.exchange_id, s.old_id, n.id AS new_id
          FROM exchange_sightings es JOIN doc_split_mail s ON s.message_id = es.message_id
          JOIN documents n ON n.ref = s.ref AND n.doc_year = s.y
         ORDER BY es.exchange_id, es.message_id, s.old_id) t
 WHERE x.id = t.exchange_id AND (x.computed->>'document_id')::bigint = t.old_id;
DROP TABLE doc_split_mail, doc_split_register;

-- Sightings -------------------------------------------------------------------------------------
-- `mail_key` names the mail (normalized Message-ID, else `sha:` and the content hash): the same mail
-- in two mailboxes is one mail for the evidence and for ordering. The other columns are what that
-- mail's analysis says about the exchange (the `computed` labels, before any override).
ALTER TABLE exchange_sightings
  ADD COLUMN mail_key          text,
  ADD COLUMN msg_date          timestamptz,
  ADD COLUMN sender_address    text,
  ADD COLUMN receiver_address  text,
  ADD COLUMN sender_kind       text,
  ADD COLUMN receiver_kind     text,
  ADD COLUMN sender_agency     text,
  ADD COLUMN receiver_agency   text,
  ADD COLUMN document_id       bigint REFERENCES documents(id),
  ADD COLUMN flow              text,
  ADD COLUMN form              text,
  ADD COLUMN digitization      text,
  ADD COLUMN signed            boolean,
  ADD COLUMN secret            boolean,
  ADD COLUMN evidence          jsonb;

-- Every sighting of an existing exchange is the same mail (the key was derived from it): each gets
-- the exchange's computed labels, and its evidence with the mail named in each item.
UPDATE exchange_sightings s SET
    mail_key = COALESCE(NULLIF(lower(btrim(m.message_id, '<> ')), ''), 'sha:' || m.sha256),
    msg_date = x.msg_date,
    sender_address = x.sender_address,
    receiver_address = x.receiver_address,
    sender_kind = x.computed->>'sender_kind',
    receiver_kind = x.computed->>'receiver_kind',
    sender_agency = x.computed->>'sender_agency',
    receiver_agency = x.computed->>'receiver_agency',
    document_id = (x.computed->>'document_id')::bigint,
    flow = x.computed->>'flow',
    form = x.computed->>'form',
    digitization = x.computed->>'digitization',
    signed = (x.computed->>'signed')::boolean,
    secret = (x.computed->>'secret')::boolean,
    evidence = (SELECT COALESCE(jsonb_agg(el.item || jsonb_build_object('message', COALESCE(NULLIF(lower(btrim(m.message_id, '<> ')), ''), 'sha:' || m.sha256)) ORDER BY el.n), '[]'::jsonb)
                  FROM jsonb_array_elements(x.evidence) WITH ORDINALITY AS el(item, n))
  FROM exchanges x, messages m
 WHERE x.id = s.exchange_id AND m.id = s.message_id;

ALTER TABLE exchange_sightings
  ALTER COLUMN mail_key SET NOT NULL,
  ALTER COLUMN msg_date SET NOT NULL,
  ALTER COLUMN sender_kind SET NOT NULL,
  ALTER COLUMN receiver_kind SET NOT NULL,
  ALTER COLUMN flow SET NOT NULL,
  ALTER COLUMN digitization SET NOT NULL,
  ALTER COLUMN signed SET NOT NULL,
  ALTER COLUMN secret SET NOT NULL,
  ALTER COLUMN evidence SET NOT NULL;
CREATE INDEX exchange_sightings_document_idx ON exchange_sightings (document_id) WHERE document_id IS NOT NULL;

-- The exchange's evidence is the merge of its sightings' (one mail so far): the same items, each
-- naming the mail. No label changes, so the rollup triggers have nothing to move.
UPDATE exchanges x SET evidence = s.evidence
  FROM (SELECT DISTINCT ON (exchange_id) exchange_id, evidence FROM exchange_sightings ORDER BY exchange_id, msg_date, mail_key) s
 WHERE x.id = s.exchange_id;

-- Down Migration
DROP INDEX exchange_sightings_document_idx;
ALTER TABLE exchange_sightings
  DROP COLUMN evidence, DROP COLUMN secret, DROP COLUMN signed, DROP COLUMN digitization, DROP COLUMN form, DROP COLUMN flow,
  DROP COLUMN document_id, DROP COLUMN receiver_agency, DROP COLUMN sender_agency, DROP COLUMN receiver_kind, DROP COLUMN sender_kind,
  DROP COLUMN receiver_address, DROP COLUMN sender_address, DROP COLUMN msg_date, DROP COLUMN mail_key;
ALTER TABLE documents DROP CONSTRAINT documents_ref_year_key;
ALTER TABLE documents ADD CONSTRAINT documents_ref_key UNIQUE (ref);
ALTER TABLE documents DROP COLUMN doc_year;
