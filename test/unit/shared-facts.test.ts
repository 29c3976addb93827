// The fingerprint that keeps facts made by one version of the analysis code from being used by
// another (src/analyze/shared-facts.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisFingerprint } from '../../src/analyze/shared-facts.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-fp-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('analysisFingerprint', () => {
  it('is the same for the same code, wherever it is installed', () => {
    const files = { 'a.js': 'export const a = 1;', 'readers/pdf.js': 'export const pdf = 2;', 'lock.json': '{"v":1}' };
    const a = tree(files);
    const b = tree(files);
    const fa = analysisFingerprint([a], [path.join(a, 'lock.json')]);
    expect(fa).toMatch(/^[0-9a-f]{16}$/);
    expect(analysisFingerprint([b], [path.join(b, 'lock.json')])).toBe(fa);
  });

  it('changes with any reader, a moved file, or the lock file', () => {
    const base = { 'a.js': 'export const a = 1;', 'readers/pdf.js': 'export const pdf = 2;', 'lock.json': '{"v":1}' };
    const fp = (files: Record<string, string>) => {
      const d = tree(files);
      return analysisFingerprint([d], [path.join(d, 'lock.json')]);
    };
    const f0 = fp(base);
    expect(fp({ ...base, 'readers/pdf.js': 'export const pdf = 3;' })).not.toBe(f0);
    expect(fp({ ...base, 'lock.json': '{"v":2}' })).not.toBe(f0);
    expect(fp({ ...base, 'readers/docx.js': 'export const docx = 1;' })).not.toBe(f0);
    const { 'a.js': moved, ...rest } = base;
    expect(fp({ ...rest, 'b.js': moved })).not.toBe(f0);
  });

  it('ignores source maps and declarations, and an extra file that is absent', () => {
    const d = tree({ 'a.js': 'x', 'lock.json': '{}' });
    const f0 = analysisFingerprint([d], [path.join(d, 'lock.json'), path.join(d, 'missing.js')]);
    writeFileSync(path.join(d, 'a.js.map'), '{"mappings":""}');
    writeFileSync(path.join(d, 'a.d.ts'), 'export {}');
    const again = tree({ 'a.js': 'x', 'lock.json': '{}', 'a.js.map': '{}', 'a.d.ts': 'export {}' });
    expect(analysisFingerprint([again], [path.join(again, 'lock.json')])).toBe(f0);
  });

  it('fingerprints the running analysis code', () => {
    expect(analysisFingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(analysisFingerprint()).toBe(analysisFingerprint());
  });
});
