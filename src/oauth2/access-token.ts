// A valid access token for an OAuth2 mailbox, with its refresh made safe in Postgres: the mailbox
// row is locked (SELECT … FOR UPDATE) from reading the sealed secret until the renewed one is
// committed. So concurrent callers for one mailbox (a sync, an IDLE watcher, `mailbox test`, on any
// host) refresh once — the others wait, then find the fresh token; `mailbox rotate-key` (which
// locks every row) never re-seals a stale copy; and a rotated refresh token is committed before
// the access token is handed out, so a crash after that point cannot leave only the dead old one.
import { seal, unseal } from '../crypto/secrets.js';
import type { MailboxRow } from '../db/mailboxes.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { NotFoundError } from '../errors.js';
import { defaultTokenFlow, type TokenFlow } from './flows.js';
import { applyGrant, OAuthError, parseSecret, serializeSecret, usableAccessToken } from './token.js';

export interface AccessTokenDeps {
  /** How the token is obtained; the standard refresh-token grant by default. */
  flow?: TokenFlow;
  now?: () => number;
  /** How long to wait for another process that is refreshing this mailbox's token. */
  lockTimeoutMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 90_000;

interface TokenRow {
  auth_kind: string;
  username: string;
  secret_enc: Buffer;
  oauth_token_url: string | null;
  oauth_client_id: string | null;
  oauth_scope: string | null;
}

export async function accessTokenFor(pool: Pool, mailboxId: number, key: Buffer, deps: AccessTokenDeps = {}): Promise<string> {
  const flow = deps.flow ?? defaultTokenFlow;
  const now = deps.now ?? Date.now;
  const lockTimeoutMs = deps.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return withTransaction(pool, async (tx) => {
    // Longer than a token request may take (30 s), so a waiter outlasts one slow refresh.
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    let row: TokenRow | undefined;
    try {
      const { rows } = await tx.query<TokenRow>(
        `SELECT auth_kind, username, secret_enc, oauth_token_url, oauth_client_id, oauth_scope
           FROM mailboxes WHERE id = $1 FOR UPDATE`,
        [mailboxId],
      );
      row = rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '55P03')
        throw new OAuthError('E_IMAP_OAUTH_UNREACHABLE', `mailbox ${mailboxId}: another process has been refreshing its OAuth2 token for over ${lockTimeoutMs} ms: will retry`);
      throw err;
    }
    if (!row) throw new NotFoundError(`không có hộp thư / no mailbox with id ${mailboxId}`);
    if (row.auth_kind !== 'oauth2' || row.oauth_token_url === null || row.oauth_client_id === null)
      throw new Error(`mailbox ${mailboxId} is not an OAuth2 mailbox`);
    const secret = parseSecret(unseal(row.secret_enc, key));
    const cached = usableAccessToken(secret, now());
    if (cached !== null) return cached;
    const grant = await flow({
      client: { tokenUrl: row.oauth_token_url, clientId: row.oauth_client_id, scope: row.oauth_scope },
      secret,
      user: row.username,
    });
    // Stored, rotated refresh token included, before anyone uses the access token: withTransaction
    // commits before this function returns, and a failed commit throws instead.
    await tx.query('UPDATE mailboxes SET secret_enc = $2 WHERE id = $1', [mailboxId, seal(serializeSecret(applyGrant(secret, grant)), key)]);
    return grant.accessToken;
  });
}

/**
 * Drops the cached access token of an OAuth2 mailbox after the IMAP server refused it (revoked
 * early, or issued for something else), so the next connection refreshes instead of presenting it
 * again until it expires. The refresh token is kept.
 */
export async function forgetAccessToken(pool: Pool, mailboxId: number, key: Buffer): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ auth_kind: string; secret_enc: Buffer }>('SELECT auth_kind, secret_enc FROM mailboxes WHERE id = $1 FOR UPDATE', [mailboxId]);
    const row = rows[0];
    if (!row || row.auth_kind !== 'oauth2') return;
    const secret = parseSecret(unseal(row.secret_enc, key));
    if (secret.accessToken === null) return;
    const next = { ...secret, accessToken: null, accessTokenExpiresAt: null };
    await tx.query('UPDATE mailboxes SET secret_enc = $2 WHERE id = $1', [mailboxId, seal(serializeSecret(next), key)]);
  });
}

/** The credential an IMAP login needs: the password, or for an OAuth2 mailbox a valid access token. */
export async function mailboxCredentials(
  pool: Pool,
  mb: Pick<MailboxRow, 'id' | 'auth_kind' | 'secret_enc'>,
  key: Buffer,
  deps: AccessTokenDeps = {},
): Promise<{ password: string; accessToken?: string }> {
  if (mb.auth_kind === 'oauth2') return { password: '', accessToken: await accessTokenFor(pool, mb.id, key, deps) };
  return { password: unseal(mb.secret_enc, key) };
}
