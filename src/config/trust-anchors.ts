// The trust anchors signatures are checked against (analyze.trust_anchors, EDOCWATCH_TRUST_ANCHORS):
// the root certificates of the government CA (and any other CA the province trusts), as PEM or DER
// files, or folders of them. Read once at start by loadConfig; every unreadable path, file without
// a certificate, or certificate that does not parse is reported, together, as a configuration
// problem. The only I/O is reading those files.

import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { trustAnchors, type TrustAnchors } from '../analyze/signatures/anchors.js';

/** Files of a folder that are read as certificates. */
const CERT_FILE = /\.(pem|crt|cer|der)$/i;
/** A certificate file larger than this is not a certificate file. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** The certificates of one file, or the problem with it. */
function certificatesOf(file: string): { certs: X509Certificate[]; problem: string | null } {
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return { certs: [], problem: `${file}: tệp quá lớn / file too large for a certificate file` };
    bytes = readFileSync(file);
  } catch (err) {
    return { certs: [], problem: `${file}: không đọc được / cannot read (${errCode(err)})` };
  }
  const text = bytes.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  const raw = blocks ?? (text.includes('-----BEGIN') ? [] : [bytes]);
  if (raw.length === 0) return { certs: [], problem: `${file}: không có chứng thư / no CERTIFICATE in this PEM file` };
  const certs: X509Certificate[] = [];
  for (const [i, r] of raw.entries()) {
    try {
      certs.push(new X509Certificate(r));
    } catch (err) {
      const which = raw.length > 1 ? ` (certificate ${i + 1})` : '';
      return { certs: [], problem: `${file}${which}: không phải chứng thư X.509 / not an X.509 certificate (${errCode(err)})` };
    }
  }
  return { certs, problem: null };
}

/**
 * Reads the anchors from files and folders (relative paths from the working directory). Returns
 * them with every problem found; the caller turns problems into a ConfigError.
 */
export function loadTrustAnchors(entries: string[], cwd = process.cwd()): { anchors: TrustAnchors; problems: string[] } {
  const certs: X509Certificate[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const p = path.resolve(cwd, entry);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      problems.push(`${entry}: không đọc được / cannot read (${errCode(err)})`);
      continue;
    }
    const files = isDir
      ? readdirSync(p)
          .filter((f) => CERT_FILE.test(f))
          .sort()
          .map((f) => path.join(p, f))
      : [p];
    if (files.length === 0) {
      problems.push(`${entry}: thư mục không có tệp chứng thư / folder has no .pem, .crt, .cer or .der file`);
      continue;
    }
    for (const f of files) {
      const r = certificatesOf(f);
      if (r.problem) problems.push(r.problem);
      certs.push(...r.certs);
    }
  }
  const unique = [...new Map(certs.map((c) => [c.fingerprint256, c])).values()];
  return { anchors: trustAnchors(unique), problems };
}
