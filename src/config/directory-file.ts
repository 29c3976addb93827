// Reads an agency directory file (YAML, or CSV with `;` between list items) for `agency import`,
// `inspect --directory` and the demo. Parsing and validation are the pure src/domain/directory.ts.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DirectoryError, parseDirectory, parseDirectoryCsv } from '../domain/directory.js';
import type { Agency } from '../domain/types.js';
import { UsageError } from '../errors.js';

export async function loadDirectoryFile(file: string): Promise<Agency[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`không đọc được tệp / cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    if (/\.csv$/i.test(file)) return parseDirectoryCsv(text);
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new UsageError(`${file}: YAML không hợp lệ / not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    return parseDirectory(doc);
  } catch (err) {
    if (err instanceof DirectoryError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}
