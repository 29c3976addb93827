-- Up Migration

-- A location whose UID the server reported expunged (QRESYNC VANISHED): the mail was moved or
-- deleted there. The message and the exchanges it counted stay; only the location is marked.
ALTER TABLE message_locations ADD COLUMN gone_at timestamptz;

-- Per-mailbox fetch rate (messages per second); NULL takes sync.max_messages_per_second.
ALTER TABLE mailboxes ADD COLUMN max_messages_per_second real CHECK (max_messages_per_second >= 0);

-- One row per sync or backfill of a mailbox, written while its lock is held: the history that
-- `mailbox list` summarizes, and the proof that no two runs of one mailbox ever overlapped.
-- Kept 30 days (src/jobs/sync.ts prunes a mailbox's older runs as it ends one).
CREATE TABLE sync_runs (
  id            bigserial PRIMARY KEY,
  mailbox_id    bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('sync','backfill')),
  worker        text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at   timestamptz,
  new_messages  integer,
  error         text
);
CREATE INDEX sync_runs_mailbox ON sync_runs (mailbox_id, started_at DESC);

-- Down Migration

DROP TABLE sync_runs;

ALTER TABLE mailboxes DROP COLUMN max_messages_per_second;
ALTER TABLE message_locations DROP COLUMN gone_at;
