// Postgres connections (pg). Every statement in edocwatch is parameterized; this module only opens
// pools, runs transactions and turns connection failures into one clear operator message.
import { userInfo } from 'node:os';
import pg from 'pg';
import { ServiceError } from '../errors.js';
import { redactUrl } from '../logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

// bigint columns (ids, UIDs) come back as strings by default; they fit in a JS number here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/**
 * Connection settings from a URL. A URL without a user name (the documented default
 * postgres://localhost:5432/edocwatch) connects as PGUSER or the OS user, as psql does; pg itself
 * only looks at $USER, which services and CI often do not set.
 */
export function pgSettings(databaseUrl: string): pg.ClientConfig {
  const u = new URL(databaseUrl);
  // pg lets the connection string override the config object, so the user goes into the URL.
  if (!u.username) u.username = encodeURIComponent(process.env.PGUSER ?? process.env.USER ?? userInfo().username);
  return { connectionString: u.toString(), connectionTimeoutMillis: 10_000 };
}

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ ...pgSettings(databaseUrl), max });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // Nor may a checked-out one between two queries (a sync's advisory-lock session, a transaction):
  // pg emits 'error' on it with no listener of the pool's. It becomes unqueryable, its next query
  // fails like any other, and release() drops it from the pool.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs fn in one transaction: all of it is written, or none. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Checks the database answers; throws a ServiceError naming it (without its password) otherwise. */
export async function checkDatabase(pool: pg.Pool, databaseUrl: string): Promise<void> {
  let schema: string | null;
  try {
    const { rows } = await pool.query<{ t: string | null }>(`SELECT to_regclass('public.messages')::text AS t`);
    schema = rows[0]?.t ?? null;
  } catch (err) {
    throw databaseError(err, databaseUrl);
  }
  if (schema === null) throw databaseError({ code: '42P01' }, databaseUrl);
}

export function databaseError(err: unknown, databaseUrl: string): ServiceError {
  const e = err as { code?: string; message?: string };
  if (e.code === '3D000')
    return new ServiceError('E_DB_MISSING', `cơ sở dữ liệu chưa có / database does not exist: ${redactUrl(databaseUrl)} — run: edocwatch migrate`);
  if (e.code === '42P01')
    return new ServiceError('E_DB_SCHEMA', `chưa tạo lược đồ / the schema is missing in ${redactUrl(databaseUrl)} — run: edocwatch migrate`);
  return new ServiceError('E_DB_UNREACHABLE', `không kết nối được PostgreSQL / cannot reach PostgreSQL at ${redactUrl(databaseUrl)}: ${e.message ?? String(err)}`);
}
