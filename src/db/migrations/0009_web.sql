-- Up Migration
-- The web application (issue 7): local accounts, their sessions, and the audit log of sign-ins and
-- administrative changes; indexes that keep the exchange list keyset-paginated at any size.

CREATE TABLE web_users (
  id             bigserial PRIMARY KEY,
  name           text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{1,63}$'),
  role           text NOT NULL CHECK (role IN ('admin', 'analyst', 'agency')),
  -- The agency an `agency` user may see; no other role has one.
  agency_code    text REFERENCES agencies(code),
  -- PHC string of Argon2id (@node-rs/argon2): algorithm, parameters, salt and hash together.
  password_hash  text NOT NULL,
  enabled        boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz,
  CONSTRAINT web_users_agency_role CHECK ((role = 'agency') = (agency_code IS NOT NULL))
);

-- A session is a random 256-bit token in an httpOnly cookie; only its SHA-256 is stored, so a
-- copy of this table signs nobody in. Disabling a user deletes its sessions in the same statement.
CREATE TABLE web_sessions (
  token_sha256  text PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ip            text
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Append-only: sign-ins (success and failure, with the name tried), sign-outs, mailbox changes,
-- user changes. `detail` never holds a password.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text,
  action      text NOT NULL,
  target      text,
  ip          text,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
-- The per-account sign-in limit counts an account's recent failures.
CREATE INDEX audit_log_login_failures ON audit_log (target, at) WHERE action = 'login_failed';

-- The exchange list pages by (msg_date, id) descending, province-wide or for one agency's side.
CREATE INDEX exchanges_list_idx ON exchanges (msg_date DESC, id DESC);
CREATE INDEX exchanges_sender_list_idx ON exchanges (sender_agency, msg_date DESC, id DESC);
CREATE INDEX exchanges_receiver_list_idx ON exchanges (receiver_agency, msg_date DESC, id DESC);

-- Down Migration
DROP INDEX exchanges_receiver_list_idx;
DROP INDEX exchanges_sender_list_idx;
DROP INDEX exchanges_list_idx;
DROP TABLE audit_log;
DROP TABLE web_sessions;
DROP TABLE web_users;
