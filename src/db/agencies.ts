// The agency directory in Postgres: the directory that workers use once imported.
import type { Agency } from '../domain/types.js';
import type { Queryable } from './pool.js';

interface AgencyRow {
  code: string;
  name: string;
  level: Agency['level'];
  parent: string | null;
  domains: string[];
  addresses: string[];
  valid_from: string | null;
  valid_to: string | null;
  successor: string | null;
}

const COLUMNS = `code, name, level, parent, domains, addresses,
  to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, successor`;

function fromRow(r: AgencyRow): Agency {
  return {
    code: r.code,
    name: r.name,
    level: r.level,
    parent: r.parent,
    domains: r.domains,
    addresses: r.addresses,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    successor: r.successor,
  };
}

/** Inserts or updates every agency (call inside a transaction: the import is all or nothing). */
export async function upsertAgencies(db: Queryable, agencies: Agency[]): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (const a of agencies) {
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO agencies (code, name, level, parent, domains, addresses, valid_from, valid_to, successor)
       VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::date, $8::date, $9)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent = EXCLUDED.parent,
         domains = EXCLUDED.domains, addresses = EXCLUDED.addresses, valid_from = EXCLUDED.valid_from,
         valid_to = EXCLUDED.valid_to, successor = EXCLUDED.successor, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [a.code, a.name, a.level, a.parent, a.domains, a.addresses, a.validFrom, a.validTo, a.successor],
    );
    if (rows[0]?.inserted) inserted++;
    else updated++;
  }
  return { inserted, updated };
}

export async function listAgencies(db: Queryable): Promise<Agency[]> {
  const { rows } = await db.query<AgencyRow>(`SELECT ${COLUMNS} FROM agencies ORDER BY code`);
  return rows.map(fromRow);
}

export async function getAgency(db: Queryable, code: string): Promise<Agency | null> {
  const { rows } = await db.query<AgencyRow>(`SELECT ${COLUMNS} FROM agencies WHERE code = $1`, [code]);
  return rows[0] ? fromRow(rows[0]) : null;
}
