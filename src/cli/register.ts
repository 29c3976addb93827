// `edocwatch register import FILE --agency CODE --direction in|out` and `register list`: paper
// registers (sổ văn bản đến/đi) exported from e-office systems as CSV or XLSX. The whole file is
// read and checked before anything is written; unreadable rows are listed with their line numbers
// and the readable ones imported in one transaction.
import path from 'node:path';
import Table from 'cli-table3';
import { getAgency } from '../db/agencies.js';
import { importRegister } from '../db/registers.js';
import { parseRegister, RegisterFormatError, type RegisterDirection } from '../domain/register.js';
import { NotFoundError, RegisterFileError, UsageError } from '../errors.js';
import { readRegisterFile } from '../importer/register-file.js';
import { sha256Hex } from '../store/raw-store.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';
import { actorOf } from './override.js';

export async function runRegisterImport(io: Out, file: string, o: { agency: string; direction: string; by?: string; json?: boolean }): Promise<number> {
  if (o.direction !== 'in' && o.direction !== 'out') {
    throw new UsageError(`--direction phải là in (sổ đến) hoặc out (sổ đi) / must be in or out (got ${JSON.stringify(o.direction)})`);
  }
  const direction: RegisterDirection = o.direction;
  const { grid, data, format } = await readRegisterFile(file);
  return withRuntime(async (rt) => {
    const agency = await getAgency(rt.pool, o.agency);
    if (!agency) throw new NotFoundError(`không có cơ quan / unknown agency code ${o.agency}`);
    let parsed;
    try {
      parsed = parseRegister(grid, agency, direction, await rt.directory.get());
    } catch (err) {
      if (err instanceof RegisterFormatError) throw new RegisterFileError(`${file}: ${err.message}`);
      throw err;
    }
    if (parsed.entries.length === 0) {
      const lines = parsed.problems.slice(0, 20).map((p) => `  dòng / line ${p.line}: ${p.message}`);
      throw new RegisterFileError([`${file}: không có dòng nào đọc được / no row could be read (${parsed.problems.length} problem(s))`, ...lines].join('\n'));
    }
    const r = await importRegister(rt.pool, {
      agencyCode: agency.code,
      direction,
      fileName: path.basename(file),
      sha256: sha256Hex(data),
      rowsSkipped: parsed.problems.length,
      by: actorOf(o.by),
      entries: parsed.entries,
    });
    if (o.json) {
      io.out(json({ ...r, format, headerLine: parsed.headerLine, columns: parsed.columns, problems: parsed.problems }));
      return 0;
    }
    io.out(
      `đã nhập sổ văn bản ${direction === 'in' ? 'đến' : 'đi'} của ${agency.code} / imported the ${direction === 'in' ? 'incoming' : 'outgoing'} register (${format.toUpperCase()}): ` +
        `${r.entries} mục / entries (${r.inserted} mới / new, ${r.alreadyKnown} đã có / already known), ` +
        `${r.hybrid} lượt trao đổi thành hybrid / exchanges now hybrid, ${r.paperOnly} chỉ có bản giấy / paper-only`,
    );
    if (parsed.problems.length > 0) {
      io.err(`bỏ qua ${parsed.problems.length} dòng không đọc được / ${parsed.problems.length} row(s) could not be read:`);
      for (const p of parsed.problems) io.err(`  dòng / line ${p.line}: ${p.message}`);
    }
    return 0;
  });
}

export async function runRegisterList(io: Out, o: { json?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const { rows } = await rt.pool.query<{ id: string; agency_code: string; direction: string; file_name: string; rows_read: number; rows_skipped: number; imported_by: string; imported_at: Date; first_day: Date | null; last_day: Date | null }>(
      `SELECT i.*, (SELECT min(day) FROM register_entries e WHERE e.import_id = i.id) AS first_day,
              (SELECT max(day) FROM register_entries e WHERE e.import_id = i.id) AS last_day
         FROM register_imports i ORDER BY i.id`,
    );
    const list = rows.map((r) => ({
      id: Number(r.id), agency: r.agency_code, direction: r.direction, file: r.file_name, rows: r.rows_read, skipped: r.rows_skipped,
      by: r.imported_by, at: r.imported_at.toISOString(),
      from: r.first_day ? r.first_day.toISOString().slice(0, 10) : null, to: r.last_day ? r.last_day.toISOString().slice(0, 10) : null,
    }));
    if (o.json) {
      io.out(json(list));
      return 0;
    }
    const t = new Table({ head: ['#', 'Cơ quan / agency', 'Sổ / register', 'Tệp / file', 'Dòng / rows', 'Bỏ qua / skipped', 'Từ / from', 'Đến / to', 'Nhập lúc / at'], ...tableStyle() });
    for (const r of list) t.push([r.id, r.agency, r.direction === 'in' ? 'đến / in' : 'đi / out', r.file, r.rows, r.skipped, r.from ?? '', r.to ?? '', r.at]);
    io.out(t.toString());
    return 0;
  });
}
