// Which file a detached signature (.p7s) signs, by name, among the files that came with it (a
// mail's attachments, an archive's entries): `cong-van.pdf.p7s` signs `cong-van.pdf`;
// `cong-van.p7s` signs the only other file named `cong-van.*`. Pure.

import { envelopedName } from '../readers/cms.js';

function stem(name: string): string {
  return name.replace(/\.[A-Za-z0-9]{1,8}$/, '').normalize('NFC').toLowerCase();
}

function isP7s(name: string | null): name is string {
  return name !== null && /\.p7s$/i.test(name.trim());
}

/** For each detached signature's index, the index of the file it signs (names compared case-insensitively, NFC). */
export function pairDetached(names: Array<string | null>): Map<number, number> {
  const pairs = new Map<number, number>();
  const norm = names.map((n) => n?.trim().normalize('NFC').toLowerCase() ?? null);
  names.forEach((name, i) => {
    if (!isP7s(name)) return;
    const full = envelopedName(name)?.normalize('NFC').toLowerCase();
    let target = full ? norm.findIndex((n, j) => j !== i && n === full) : -1;
    if (target < 0) {
      const base = stem(name);
      const same = norm.flatMap((n, j) => (j !== i && n !== null && !isP7s(n) && stem(n) === base ? [j] : []));
      if (same.length === 1) target = same[0] as number;
    }
    if (target >= 0) pairs.set(i, target);
  });
  return pairs;
}
