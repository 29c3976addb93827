// Reads a paper register export (CSV or XLSX) into a grid of cells with line numbers, for the pure
// src/domain/register.ts. CSV: csv-parse (`,`, `;` or tab between fields, as Excel and e-office
// systems write them, UTF-8 with or without BOM, quoted line breaks); XLSX: exceljs, the first
// worksheet that has rows, dates kept as dates.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { RegisterCell, RegisterGrid } from '../domain/register.js';
import { RegisterFileError } from '../errors.js';

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/** Which delimiter a CSV header uses: the most frequent of `,`, `;` and tab outside quotes. */
export function sniffDelimiter(text: string): string {
  const firstLines = text.split(/\r?\n/).slice(0, 30).join('\n').replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, firstLines.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]?.[1] ? counts[0][0] : ',';
}

export function readRegisterCsv(text: string): RegisterGrid {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      delimiter: sniffDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    throw new RegisterFileError(`không đọc được CSV / cannot read the CSV: ${(err as Error).message}`);
  }
  // info.lines is the line a record ENDS on; a record with quoted line breaks starts after the last one.
  let previousEnd = 0;
  return {
    rows: records.map((r) => {
      const line = previousEnd + 1;
      previousEnd = r.info.lines;
      return { line, cells: r.record };
    }),
  };
}

function xlsxCell(v: ExcelJS.CellValue): RegisterCell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return xlsxCell((v as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in v) return String((v as { text: unknown }).text);
    if ('error' in v) return null;
  }
  return String(v as unknown as string);
}

export async function readRegisterXlsx(data: Buffer): Promise<RegisterGrid> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (err) {
    throw new RegisterFileError(`không đọc được XLSX / cannot read the XLSX workbook: ${(err as Error).message}`);
  }
  const sheet = wb.worksheets.find((ws) => ws.actualRowCount > 0);
  if (!sheet) throw new RegisterFileError('tệp XLSX không có dữ liệu / the XLSX workbook has no rows');
  const rows: RegisterGrid['rows'] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: RegisterCell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = xlsxCell(cell.value);
    });
    for (let i = 0; i < cells.length; i += 1) if (cells[i] === undefined) cells[i] = null;
    rows.push({ line: rowNumber, cells });
  });
  return { rows };
}

/** Reads FILE as XLSX (by its ZIP signature or extension) or CSV (UTF-8). */
export async function readRegisterFile(file: string): Promise<{ grid: RegisterGrid; data: Buffer; format: 'csv' | 'xlsx' }> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new RegisterFileError(`không đọc được tệp / cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (data.subarray(0, 4).equals(OLE_MAGIC) || ext === '.xls') {
    throw new RegisterFileError(`${file}: tệp Excel 97-2003 (.xls) chưa hỗ trợ / the old .xls format is not read: save it as .xlsx or CSV (UTF-8)`);
  }
  if (data.subarray(0, 4).equals(ZIP_MAGIC) || ext === '.xlsx') return { grid: await readRegisterXlsx(data), data, format: 'xlsx' };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  if (text.includes('\u0000')) throw new RegisterFileError(`${file}: không phải CSV hay XLSX / neither CSV nor XLSX`);
  return { grid: readRegisterCsv(text), data, format: 'csv' };
}
