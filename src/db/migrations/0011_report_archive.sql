-- Up Migration
-- The report archive (issue 6): every report built (`report build`, the web) or sent (`report send`,
-- the scheduled job) is kept with its files, so that what a leader received can be downloaded and
-- resent later exactly as it was. The files are bytea rows (TOAST-compressed where that helps; PNG,
-- PDF and XLSX are compressed already): a province report is a few hundred kB, an agency's less, a
-- quarter of every agency's reports some tens of MB — a size Postgres keeps with its backups, where
-- a separate store would need its own.

CREATE TABLE report_builds (
  id          bigserial PRIMARY KEY,
  period      text NOT NULL,
  -- 'province', or the code of the agency the report is about.
  scope       text NOT NULL,
  lang        text NOT NULL CHECK (lang IN ('vi', 'en')),
  -- The issuing body (an agency code) and the document number printed on the report.
  issuer      text NOT NULL,
  number      text NOT NULL,
  issued_on   date NOT NULL,
  title       text NOT NULL,
  built_at    timestamptz NOT NULL DEFAULT now(),
  -- Who made it: 'cli:<os user>', 'scheduler', 'web:<user name>'.
  built_by    text NOT NULL,
  total_bytes bigint NOT NULL
);
-- The archive lists builds newest first by id (keyset pages: id < before), all or one scope's.
CREATE INDEX report_builds_scope ON report_builds (scope, id DESC);
CREATE INDEX report_builds_period ON report_builds (period, id DESC);

CREATE TABLE report_files (
  build_id     bigint NOT NULL REFERENCES report_builds(id) ON DELETE CASCADE,
  -- 'report.html' (the email body, charts as cid: references), 'report.txt', 'report.pdf',
  -- 'report.xlsx', 'chart-<id>.png'.
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('html', 'text', 'pdf', 'xlsx', 'chart')),
  content_type text NOT NULL,
  -- For charts, the Content-ID of the inline image.
  cid          text,
  content      bytea NOT NULL,
  sha256       text NOT NULL,
  PRIMARY KEY (build_id, name)
);

-- A report's number: one per issuing body, period and scope (a rebuild, a resend, the English
-- version keep it), numbered from 1 each calendar year of issue as administrative documents are.
CREATE TABLE report_numbers (
  issuer      text NOT NULL,
  year        integer NOT NULL,
  seq         integer NOT NULL CHECK (seq > 0),
  period      text NOT NULL,
  scope       text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, year, seq),
  UNIQUE (issuer, period, scope)
);

-- Which archived build each delivery sent.
ALTER TABLE report_deliveries ADD COLUMN build_id bigint REFERENCES report_builds(id) ON DELETE SET NULL;

-- Down Migration
ALTER TABLE report_deliveries DROP COLUMN build_id;
DROP TABLE report_numbers;
DROP TABLE report_files;
DROP TABLE report_builds;
