-- Up Migration
-- The digital signatures the analysis checked (issue 4), kept with what they sign: each attachment's
-- (a signed PDF, a .p7s/.p7m, signed XML; the S/MIME signature part) and each message's own S/MIME
-- signatures. Each entry is a SignatureFacts of src/domain/types.ts: kind, format, status (`valid`,
-- `invalid`, `unverified`), reason, detail, signer certificate, signing time. An attachment is
-- content-addressed, so its signatures are those of its last analysis: checking again after the
-- trust anchors change (`edocwatch reanalyze`) updates them. Rows analyzed before this migration
-- keep `[]` until re-analyzed.
ALTER TABLE attachments ADD COLUMN signatures jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE messages ADD COLUMN signatures jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Down Migration
ALTER TABLE messages DROP COLUMN signatures;
ALTER TABLE attachments DROP COLUMN signatures;
