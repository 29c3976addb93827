-- Up Migration
-- Every report emailed, one row per period, scope (the province, or an agency code) and recipient.
-- A scheduled delivery is claimed (status 'sending') before the SMTP transaction starts, under a
-- unique index: however many workers fire or retry, a recipient gets a period's report at most
-- once. A claim left 'sending' by a crash is not retried automatically (the mail may have left);
-- `report send --force` sends again by hand, as a 'manual' row of its own.
CREATE TABLE report_deliveries (
  id             bigserial PRIMARY KEY,
  period         text NOT NULL,
  scope          text NOT NULL,
  recipient      text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('scheduled', 'manual')),
  status         text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  attempts       integer NOT NULL DEFAULT 1,
  message_id     text,
  smtp_response  text,
  error          text,
  claimed_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz
);
CREATE UNIQUE INDEX report_deliveries_once ON report_deliveries (period, scope, recipient) WHERE kind = 'scheduled';
CREATE INDEX report_deliveries_period ON report_deliveries (period, claimed_at DESC);

-- Down Migration

DROP TABLE report_deliveries;
