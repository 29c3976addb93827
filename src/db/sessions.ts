// Web sessions (web_sessions, migration 0009): the cookie carries a random token, the table its
// SHA-256, so neither a leaked table nor a log line signs anyone in. A session is only valid while
// its user is enabled and it has not expired; expired rows are pruned as new ones are made.
import { createHash, randomBytes } from 'node:crypto';
import type { WebUser } from '../domain/access.js';
import type { Queryable } from './pool.js';
import { toWebUser, type UserRow } from './users.js';

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createSession(db: Queryable, userId: number, ttlSeconds: number, ip: string | null): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(`DELETE FROM web_sessions WHERE expires_at < now()`);
  await db.query(
    `INSERT INTO web_sessions (token_sha256, user_id, expires_at, ip) VALUES ($1, $2, now() + make_interval(secs => $3), $4)`,
    [digest(token), userId, ttlSeconds, ip],
  );
  return token;
}

export async function sessionUser(db: Queryable, token: string): Promise<WebUser | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const { rows } = await db.query<Pick<UserRow, 'id' | 'name' | 'role' | 'agency_code'>>(
    `SELECT u.id, u.name, u.role, u.agency_code FROM web_sessions s JOIN web_users u ON u.id = s.user_id
      WHERE s.token_sha256 = $1 AND s.expires_at > now() AND u.enabled`,
    [digest(token)],
  );
  return rows[0] ? toWebUser(rows[0]) : null;
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM web_sessions WHERE token_sha256 = $1`, [digest(token)]);
}
