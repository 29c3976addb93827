// Keeps docs/errors.md honest: every stable error code written in src/ (a string literal 'E_…') is
// catalogued there, and every code the catalogue's table lists is still used somewhere in src/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const srcDir = path.join(root, 'src');
const catalogue = path.join(root, 'docs', 'errors.md');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** Codes used in src/, each with the files that use it. */
function codesInSource(): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/'(E_[A-Z_]+)'/g)) {
      const code = m[1] as string;
      const files = codes.get(code) ?? [];
      const rel = path.relative(root, file);
      if (!files.includes(rel)) files.push(rel);
      codes.set(code, files);
    }
  }
  return codes;
}

/** Codes in the first column of the catalogue's table rows: | `E_…` | … */
function codesInCatalogue(): string[] {
  const text = readFileSync(catalogue, 'utf8');
  return [...text.matchAll(/^\|\s*`(E_[A-Z_]+)`\s*\|/gm)].map((m) => m[1] as string);
}

describe('error catalogue (docs/errors.md)', () => {
  const used = codesInSource();
  const listed = codesInCatalogue();

  it('finds codes on both sides', () => {
    expect(used.size).toBeGreaterThan(0);
    expect(listed.length).toBeGreaterThan(0);
  });

  it('lists every error code used in src/', () => {
    const missing = [...used.keys()].filter((c) => !listed.includes(c)).map((c) => `${c} (${(used.get(c) ?? []).join(', ')})`);
    expect(missing, 'codes used in src/ but missing from the table in docs/errors.md').toEqual([]);
  });

  it('lists only codes that src/ still uses', () => {
    const stale = listed.filter((c) => !used.has(c));
    expect(stale, 'codes in docs/errors.md that no file in src/ uses').toEqual([]);
  });

  it('lists each code once', () => {
    const twice = listed.filter((c, i) => listed.indexOf(c) !== i);
    expect(twice).toEqual([]);
  });
});
