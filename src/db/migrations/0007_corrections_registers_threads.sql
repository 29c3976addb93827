-- Up Migration
-- Corrections, paper registers and threads (issue 5; docs/architecture.md "How corrections and
-- paper registers enter the numbers").
--
-- Exchanges keep two sets of labels: `computed` (what the analysis and the paper registers say,
-- replaced by every re-analysis) and the label columns themselves, which hold the EFFECTIVE labels
-- (override ?? computed) that the rollup triggers of 0004 count. `pinned` names the columns an
-- active override decides: a re-analysis updates `computed` and leaves pinned columns alone, so an
-- override wins over every later re-analysis and the rollups follow the effective labels through
-- the same triggers as before.

ALTER TABLE exchanges
  ADD COLUMN computed jsonb,
  ADD COLUMN pinned text[] NOT NULL DEFAULT '{}',
  ADD COLUMN override_evidence jsonb NOT NULL DEFAULT '[]';

-- The backfill changes no label: the rollup trigger would only sum zero deltas over every row.
ALTER TABLE exchanges DISABLE TRIGGER exchanges_rollup_update;
UPDATE exchanges SET computed = jsonb_build_object(
  'flow', flow, 'form', form, 'digitization', digitization, 'signed', signed, 'secret', secret,
  'document_id', document_id, 'has_document', has_document,
  'sender_agency', sender_agency, 'sender_kind', sender_kind,
  'receiver_agency', receiver_agency, 'receiver_kind', receiver_kind);
ALTER TABLE exchanges ENABLE TRIGGER exchanges_rollup_update;

ALTER TABLE exchanges ALTER COLUMN computed SET NOT NULL;

-- One row per override ever set; an active override has removed_at NULL (one per exchange and label).
CREATE TABLE exchange_overrides (
  id              bigserial PRIMARY KEY,
  exchange_id     bigint NOT NULL REFERENCES exchanges(id) ON DELETE RESTRICT,
  label           text NOT NULL CHECK (label IN ('form','digitization','signed','flow','secret','document','sender','receiver')),
  value           text NOT NULL,
  reason          text NOT NULL CHECK (btrim(reason) <> ''),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  removed_at      timestamptz,
  removed_by      text,
  removed_reason  text
);
CREATE UNIQUE INDEX exchange_overrides_active ON exchange_overrides (exchange_id, label) WHERE removed_at IS NULL;

-- The audit trail: who, when, the effective value before and after, why. Append-only: UPDATE,
-- DELETE and TRUNCATE are refused by triggers.
CREATE TABLE override_audit (
  id           bigserial PRIMARY KEY,
  override_id  bigint NOT NULL REFERENCES exchange_overrides(id),
  exchange_id  bigint NOT NULL,
  action       text NOT NULL CHECK (action IN ('set','replace','remove')),
  label        text NOT NULL,
  before       jsonb NOT NULL,
  after        jsonb NOT NULL,
  reason       text NOT NULL,
  actor        text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX override_audit_exchange_idx ON override_audit (exchange_id, id);

CREATE FUNCTION edocwatch_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER override_audit_no_update BEFORE UPDATE OR DELETE ON override_audit
  FOR EACH ROW EXECUTE FUNCTION edocwatch_append_only();
CREATE TRIGGER override_audit_no_truncate BEFORE TRUNCATE ON override_audit
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_append_only();

-- Paper registers (sổ văn bản đến/đi) as agencies export them. One row per registered document,
-- agency, direction, day and counterparty; importing the same file again changes nothing.
CREATE TABLE register_imports (
  id           bigserial PRIMARY KEY,
  agency_code  text NOT NULL REFERENCES agencies(code),
  direction    text NOT NULL CHECK (direction IN ('in','out')),
  file_name    text NOT NULL,
  sha256       text NOT NULL,
  rows_read    integer NOT NULL,
  rows_skipped integer NOT NULL,
  imported_by  text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE register_entries (
  id               bigserial PRIMARY KEY,
  import_id        bigint NOT NULL REFERENCES register_imports(id),
  agency_code      text NOT NULL REFERENCES agencies(code),
  direction        text NOT NULL CHECK (direction IN ('in','out')),
  line             integer NOT NULL,
  document_id      bigint NOT NULL REFERENCES documents(id),
  doc_date         date,
  -- The day the entry belongs to: arrival (Ngày đến) for the incoming register, else the document date.
  day              date NOT NULL,
  summary          text,
  -- The other side as written (Nơi gửi / one of Nơi nhận), and its key: an agency code, else the
  -- normalized name ('' when the column is empty). A document sent to ten agencies is ten entries.
  counterparty     text,
  counterparty_key text NOT NULL DEFAULT '',
  sender_agency    text,
  receiver_agency  text,
  sender_kind      text NOT NULL,
  receiver_kind    text NOT NULL,
  flow             text NOT NULL,
  form_note        text,
  secret           boolean NOT NULL DEFAULT false,
  UNIQUE (agency_code, direction, document_id, day, counterparty_key)
);
CREATE INDEX register_entries_document_idx ON register_entries (document_id);
CREATE INDEX register_entries_agency_day_idx ON register_entries (agency_code, day);

CREATE INDEX exchanges_document_idx ON exchanges (document_id) WHERE document_id IS NOT NULL;

-- Threads: a message joins the thread of a message it answers (In-Reply-To, References) or, failing
-- that, of a recent message with the same normalized subject sharing an address with it.
ALTER TABLE messages
  ADD COLUMN thread_id bigint,
  ADD COLUMN subject_key text;
CREATE INDEX messages_msgid_norm_idx ON messages (lower(btrim(message_id, '<> '))) WHERE message_id IS NOT NULL;
CREATE INDEX messages_subject_key_idx ON messages (subject_key, msg_date) WHERE subject_key IS NOT NULL;
CREATE INDEX messages_thread_idx ON messages (thread_id) WHERE thread_id IS NOT NULL;

-- Down Migration
DROP INDEX messages_thread_idx;
DROP INDEX messages_subject_key_idx;
DROP INDEX messages_msgid_norm_idx;
ALTER TABLE messages DROP COLUMN subject_key, DROP COLUMN thread_id;
DROP INDEX exchanges_document_idx;
DROP TABLE register_entries;
DROP TABLE register_imports;
DROP TABLE override_audit;
DROP FUNCTION edocwatch_append_only();
DROP TABLE exchange_overrides;
ALTER TABLE exchanges DROP COLUMN override_evidence, DROP COLUMN pinned, DROP COLUMN computed;
