-- Up Migration

-- A location whose UID the server reported expunged (QRESYNC VANISHED): the mail was moved or
-- deleted there. The message and the exchanges it counted stay; only the location is marked.
ALTER TABLE message_locations ADD COLUMN gone_at timestamptz;

-- Per-mailbox fetch rate (messages per second); NULL takes sync.max_messages_per_second.
ALTER TABLE mailboxes ADD COLUMN max_messages_per_second real CHECK (max_messages_per_second >= 0);

-- Down Migration

ALTER TABLE mailboxes DROP COLUMN max_messages_per_second;
ALTER TABLE message_locations DROP COLUMN gone_at;
