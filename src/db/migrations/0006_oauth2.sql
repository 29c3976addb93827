-- Up Migration
-- OAuth2 (SASL XOAUTH2) mailboxes, auth_kind = 'oauth2': where the access token is refreshed and as
-- which client. The secrets — refresh token, client secret, the current access token and its
-- expiry — are not columns: they are one JSON document sealed in secret_enc with
-- EDOCWATCH_SECRET_KEY (src/oauth2/token.ts), so `mailbox rotate-key` re-seals them with the rest.
ALTER TABLE mailboxes
  ADD COLUMN oauth_token_url text,
  ADD COLUMN oauth_client_id text,
  ADD COLUMN oauth_scope text,
  ADD CONSTRAINT mailboxes_oauth2_settings
    CHECK (auth_kind <> 'oauth2' OR (oauth_token_url IS NOT NULL AND oauth_client_id IS NOT NULL));

-- Down Migration
ALTER TABLE mailboxes
  DROP CONSTRAINT mailboxes_oauth2_settings,
  DROP COLUMN oauth_scope,
  DROP COLUMN oauth_client_id,
  DROP COLUMN oauth_token_url;
