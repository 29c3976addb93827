// `edocwatch migrate`: creates the database when it is missing, then applies the numbered SQL
// migrations in src/db/migrations with node-pg-migrate (ledger table, advisory lock so that several
// processes starting at once migrate once, one transaction per migration).
import path from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { repoRoot } from '../config/paths.js';
import { databaseError, pgSettings } from './pool.js';

export const MIGRATIONS_DIR = (): string => path.join(repoRoot(), 'src', 'db', 'migrations');

/** Creates the database named in the URL if it does not exist (connecting to `postgres` to do it). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return false;
  url.pathname = '/postgres';
  const admin = new pg.Client(pgSettings(url.toString()));
  try {
    await admin.connect();
  } catch (err) {
    throw databaseError(err, databaseUrl);
  }
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    // Identifiers cannot be parameters; quote it the way Postgres does.
    try {
      await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    } catch (err) {
      // Another process created it between our check and now.
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  } finally {
    await admin.end();
  }
}

export interface MigrateResult {
  createdDatabase: boolean;
  applied: string[];
}

export async function migrate(databaseUrl: string): Promise<MigrateResult> {
  const createdDatabase = await ensureDatabase(databaseUrl);
  const client = new pg.Client(pgSettings(databaseUrl));
  try {
    await client.connect();
  } catch (err) {
    throw databaseError(err, databaseUrl);
  }
  try {
    const done = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR(),
      direction: 'up',
      migrationsTable: 'schema_migrations',
      count: Infinity,
      singleTransaction: true,
      checkOrder: true,
      log: () => undefined,
    });
    return { createdDatabase, applied: done.map((m) => m.name) };
  } finally {
    await client.end();
  }
}
