-- Up Migration
-- The first schema of edocwatch (DESIGN.md "The domain" and "Definitions").
-- Postgres is the system of record: directory, mailboxes and checkpoints, raw message index, facts.

CREATE TABLE agencies (
  code        text PRIMARY KEY,
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('province_pc','department','provincial_org','district_pc','commune_pc','unit')),
  parent      text,
  domains     text[] NOT NULL DEFAULT '{}',
  addresses   text[] NOT NULL DEFAULT '{}',
  valid_from  date,
  valid_to    date,
  successor   text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailboxes (
  id               bigserial PRIMARY KEY,
  agency_code      text NOT NULL REFERENCES agencies(code),
  host             text NOT NULL,
  port             integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  security         text NOT NULL CHECK (security IN ('tls','starttls','none')),
  username         text NOT NULL,
  auth_kind        text NOT NULL DEFAULT 'password' CHECK (auth_kind IN ('password','oauth2')),
  -- AES-256-GCM: version byte, 12-byte IV, 16-byte tag, ciphertext (src/crypto/secrets.ts).
  secret_enc       bytea NOT NULL,
  folders          text[] NOT NULL DEFAULT '{INBOX}',
  tls_insecure     boolean NOT NULL DEFAULT false,
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_sync_at     timestamptz,
  last_success_at  timestamptz,
  last_error       text,
  last_error_at    timestamptz,
  UNIQUE (host, port, username)
);

-- One row per watched folder: the checkpoint advances only after the raw messages below it are
-- stored and their analyze jobs enqueued.
CREATE TABLE folder_checkpoints (
  mailbox_id      bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  folder          text NOT NULL,
  special_use     text,
  uidvalidity     bigint NOT NULL,
  last_uid        bigint NOT NULL DEFAULT 0,
  highest_modseq  numeric,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox_id, folder)
);

-- The raw store is content-addressed; this is its index.
CREATE TABLE raw_objects (
  sha256     text PRIMARY KEY,
  size       integer NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now()
);

-- One message per mailbox and mail: the same mail in two folders, or found again under a new
-- UIDVALIDITY, is one message (dedup_key: Message-ID when present, else the content hash).
CREATE TABLE messages (
  id               bigserial PRIMARY KEY,
  mailbox_id       bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  dedup_key        text NOT NULL,
  sha256           text NOT NULL REFERENCES raw_objects(sha256),
  message_id       text,
  internal_date    timestamptz,
  size             integer NOT NULL,
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending','analyzed','skipped','malformed','over_limit','failed')),
  state_reason     text,
  attempts         integer NOT NULL DEFAULT 0,
  fetched_at       timestamptz NOT NULL DEFAULT now(),
  analyzed_at      timestamptz,
  -- facts from analysis
  subject          text,
  msg_date         timestamptz,
  direction        text CHECK (direction IN ('inbound','outbound','internal')),
  from_address     text,
  thread_key       text,
  problems         text[] NOT NULL DEFAULT '{}',
  UNIQUE (mailbox_id, dedup_key)
);
CREATE INDEX messages_state_idx ON messages (state) WHERE state IN ('pending','failed');
CREATE INDEX messages_date_idx ON messages (msg_date);

-- Where a message sits on the IMAP server (several places possible).
CREATE TABLE message_locations (
  mailbox_id   bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  folder       text NOT NULL,
  uidvalidity  bigint NOT NULL,
  uid          bigint NOT NULL,
  message_id   bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  seen_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox_id, folder, uidvalidity, uid)
);
CREATE INDEX message_locations_message_idx ON message_locations (message_id);

CREATE TABLE attachments (
  sha256         text PRIMARY KEY,
  size           integer NOT NULL,
  sniffed_type   text NOT NULL,
  kind           text NOT NULL,
  digitization   text NOT NULL,
  pages          integer,
  text_pages     integer,
  problem        text
);

CREATE TABLE message_attachments (
  message_id     bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position       integer NOT NULL,
  sha256         text NOT NULL REFERENCES attachments(sha256),
  filename       text,
  declared_type  text,
  PRIMARY KEY (message_id, position)
);

CREATE TABLE message_parties (
  message_id   bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  address      text NOT NULL,
  name         text,
  kind         text NOT NULL,
  agency_code  text,
  matched_by   text NOT NULL,
  roles        text[] NOT NULL,
  PRIMARY KEY (message_id, address)
);

CREATE TABLE documents (
  id          bigserial PRIMARY KEY,
  ref         text NOT NULL UNIQUE,
  number      text NOT NULL,
  year        integer,
  symbol      text NOT NULL,
  kind        text,
  issued_on   date,
  first_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE message_documents (
  message_id   bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  document_id  bigint NOT NULL REFERENCES documents(id),
  role         text NOT NULL CHECK (role IN ('transmitted','cited')),
  source       text NOT NULL,
  PRIMARY KEY (message_id, document_id, role)
);

-- One exchange per document transmitted (or per message without one) and per receiving party,
-- whatever mailbox it was seen in: exchange_key is derived from the mail, not from the mailbox.
CREATE TABLE exchanges (
  id                bigserial PRIMARY KEY,
  exchange_key      text NOT NULL UNIQUE,
  document_id       bigint REFERENCES documents(id),
  sender_address    text,
  receiver_address  text,
  sender_kind       text NOT NULL,
  receiver_kind     text NOT NULL,
  sender_agency     text,
  receiver_agency   text,
  msg_date          timestamptz NOT NULL,
  has_document      boolean NOT NULL,
  flow              text NOT NULL,
  form              text,
  digitization      text NOT NULL,
  signed            boolean NOT NULL,
  secret            boolean NOT NULL,
  evidence          jsonb NOT NULL DEFAULT '[]',
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchanges_date_idx ON exchanges (msg_date);
CREATE INDEX exchanges_sender_idx ON exchanges (sender_agency, msg_date);
CREATE INDEX exchanges_receiver_idx ON exchanges (receiver_agency, msg_date);

CREATE TABLE exchange_sightings (
  exchange_id  bigint NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  message_id   bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (exchange_id, message_id)
);
CREATE INDEX exchange_sightings_message_idx ON exchange_sightings (message_id);

-- Down Migration
DROP TABLE exchange_sightings, exchanges, message_documents, documents, message_parties,
  message_attachments, attachments, message_locations, messages, raw_objects, folder_checkpoints,
  mailboxes, agencies;
