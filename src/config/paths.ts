// Where the installed package lives: config/, migrations and fonts are found relative to it, whether
// the code runs from src/ (tests) or dist/src/ (the built command).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function repoRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('edocwatch: cannot find the package root (package.json)');
    dir = up;
  }
  cached = dir;
  return dir;
}
