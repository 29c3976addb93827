// `edocwatch agency import FILE` and `agency list [--json]`.
import Table from 'cli-table3';
import { loadDirectoryFile } from '../config/directory-file.js';
import { listAgencies, upsertAgencies } from '../db/agencies.js';
import { withTransaction } from '../db/pool.js';
import type { Agency } from '../domain/types.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

export function agencyJson(a: Agency) {
  return {
    code: a.code,
    name: a.name,
    level: a.level,
    parent: a.parent,
    domains: a.domains,
    addresses: a.addresses,
    valid_from: a.validFrom,
    valid_to: a.validTo,
    successor: a.successor,
  };
}

export async function runAgencyImport(io: Out, file: string): Promise<number> {
  // Validate the whole file before touching the database: a bad row imports nothing.
  const agencies = await loadDirectoryFile(file);
  return withRuntime(async (rt) => {
    const r = await withTransaction(rt.pool, (tx) => upsertAgencies(tx, agencies));
    io.out(`đã nạp ${agencies.length} cơ quan (mới ${r.inserted}, cập nhật ${r.updated}) / imported ${agencies.length} agencies (${r.inserted} new, ${r.updated} updated)`);
    return 0;
  });
}

export async function runAgencyList(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const list = await listAgencies(rt.pool);
    if (asJson) {
      io.out(json(list.map(agencyJson)));
      return 0;
    }
    const t = new Table({ head: ['Mã / code', 'Tên / name', 'Cấp / level', 'Tên miền / domains'], ...tableStyle() });
    for (const a of list) t.push([a.code, a.name, a.level, a.domains.join(', ')]);
    io.out(t.toString());
    return 0;
  });
}
