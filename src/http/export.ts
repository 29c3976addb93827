// Every table of the dashboard as CSV or XLSX, both written by exceljs (CSV through its fast-csv
// writer, UTF-8 with a BOM so spreadsheet programs read Vietnamese right). Text that a spreadsheet
// would run as a formula (=, +, -, @, tab, CR at the start) is prefixed with an apostrophe: an
// exported sender address or subject must never execute in the reader's spreadsheet.
import ExcelJS from 'exceljs';

export type Cell = string | number | boolean | null | Date;

export interface ExportTable {
  /** Sheet and file name (ASCII). */
  name: string;
  columns: Array<{ key: string; header: string }>;
  rows: Array<Record<string, Cell>>;
}

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function neutralize(v: Cell): Cell {
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(v)) return `'${v}`;
  return v;
}

export async function renderExport(t: ExportTable, format: ExportFormat): Promise<{ body: Buffer; contentType: string; filename: string }> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'edocwatch';
  const ws = wb.addWorksheet(t.name.slice(0, 31));
  ws.columns = t.columns.map((c) => ({ header: c.header, key: c.key, width: Math.min(60, Math.max(10, c.header.length + 2)) }));
  // CSV rows keep every column (an empty cell, not a shorter row) so the file stays rectangular.
  const empty = format === 'csv' ? '' : null;
  for (const r of t.rows) ws.addRow(Object.fromEntries(t.columns.map((c) => [c.key, neutralize(r[c.key] ?? empty)])));
  ws.getRow(1).font = { bold: true };
  if (format === 'xlsx') {
    const body = Buffer.from(await wb.xlsx.writeBuffer());
    return { body, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `${t.name}.xlsx` };
  }
  const csv = Buffer.from(await wb.csv.writeBuffer({ dateUTC: true, dateFormat: 'YYYY-MM-DDTHH:mm:ss[Z]', formatterOptions: { writeBOM: true } }));
  return { body: csv, contentType: 'text/csv; charset=utf-8', filename: `${t.name}.csv` };
}
