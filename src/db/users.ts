// Local accounts of the web application (web_users, migration 0009). Passwords arrive here already
// hashed (src/http/passwords.ts); this module never sees a plain password.
import type { Role, WebUser } from '../domain/access.js';
import type { Queryable } from './pool.js';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  agency_code: string | null;
  password_hash: string;
  enabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

export const toWebUser = (r: Pick<UserRow, 'id' | 'name' | 'role' | 'agency_code'>): WebUser => ({ id: r.id, name: r.name, role: r.role, agencyCode: r.agency_code });

export async function insertUser(db: Queryable, u: { name: string; role: Role; agencyCode: string | null; passwordHash: string }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO web_users (name, role, agency_code, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
    [u.name, u.role, u.agencyCode, u.passwordHash],
  );
  return (rows[0] as { id: number }).id;
}

export async function findUserByName(db: Queryable, name: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT * FROM web_users WHERE name = $1`, [name]);
  return rows[0] ?? null;
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT * FROM web_users ORDER BY name`);
  return rows;
}

/** Disables an account and ends its sessions at once; false when there is no such user. */
export async function disableUser(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>(
    `WITH u AS (UPDATE web_users SET enabled = false WHERE name = $1 RETURNING id),
          s AS (DELETE FROM web_sessions WHERE user_id IN (SELECT id FROM u))
     SELECT id FROM u`,
    [name],
  );
  return rows.length > 0;
}

export async function recordLogin(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE web_users SET last_login_at = now() WHERE id = $1`, [id]);
}
