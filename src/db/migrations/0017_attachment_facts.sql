-- Up Migration
-- Facts of attachments shared by every analyzing process (src/analyze/shared-facts.ts,
-- src/db/attachment-facts.ts): a document read once, by any process on any host, is not read again,
-- neither by another worker nor by `reanalyze`. `fingerprint` names the analysis code and libraries
-- that made the facts; only rows of the running code's fingerprint are used, and workers delete the
-- other fingerprints' rows a day after an upgrade. `key` is the attachment's sha256 with the settings
-- its facts depend on (name, declared type, limits, trust anchors, OCR). `facts` is the JSON of the
-- facts as bytes: extracted text may hold NUL characters, which jsonb refuses; large values are
-- compressed by TOAST.
CREATE TABLE attachment_facts (
  fingerprint text NOT NULL,
  key text NOT NULL,
  sha256 text NOT NULL,
  facts bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (fingerprint, key)
);
CREATE INDEX attachment_facts_created_idx ON attachment_facts (created_at);

-- Down Migration
DROP TABLE attachment_facts;
