// `edocwatch inspect` on signed mail (in-process, test/helpers/cli.ts): the signatures in its JSON
// with the anchors of EDOCWATCH_TRUST_ANCHORS, and a bad anchor file refused in one line, exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { mailWith, plainPdf, signPdf, smimeMessage, testPki } from '../helpers/pki.js';

let dir: string;
const saved = process.env.EDOCWATCH_TRUST_ANCHORS;

beforeAll(async () => {
  const pki = testPki();
  dir = mkdtempSync(path.join(tmpdir(), 'edocwatch-inspect-sig-'));
  writeFileSync(path.join(dir, 'root.pem'), pki.root.certPem);
  writeFileSync(path.join(dir, 'not-a-cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const pdf = await signPdf(await plainPdf(), pki.signer, { chain: [pki.intermediate] });
  writeFileSync(path.join(dir, 'pdf.eml'), mailWith([{ name: 'cong-van-125.pdf', type: 'application/pdf', content: pdf }]));
  const entity = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGửi Công văn số 125/STC-NS.\r\n';
  writeFileSync(path.join(dir, 'smime.eml'), smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: 'From: vanthu@stc.sonminh.gov.vn\nTo: vanthu@ubnd.sonminh.gov.vn\nSubject: ky so\n' }));
}, 60_000);

afterEach(() => {
  if (saved === undefined) delete process.env.EDOCWATCH_TRUST_ANCHORS;
  else process.env.EDOCWATCH_TRUST_ANCHORS = saved;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Inspected {
  message: { signatures: Array<{ kind: string; status: string; reason: string | null }> };
  attachments: Array<{ filename: string; signatures: Array<{ kind: string; status: string; reason: string | null; signer: { commonName: string } }> }>;
  labels: { signed: boolean };
}

describe('inspect', () => {
  it('prints a signed PDF attachment as valid with the configured anchor', async () => {
    process.env.EDOCWATCH_TRUST_ANCHORS = path.join(dir, 'root.pem');
    const r = await cli('inspect', path.join(dir, 'pdf.eml'));
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as Inspected;
    expect(a.attachments[0]?.signatures).toEqual([expect.objectContaining({ kind: 'pdf', status: 'valid', reason: null, signer: expect.objectContaining({ commonName: 'Nguyễn Văn An' }) })]);
    expect(a.message.signatures).toEqual([]);
    expect(a.labels.signed).toBe(true);
  }, 30_000);

  it('prints the message S/MIME signature, unverified without anchors', async () => {
    delete process.env.EDOCWATCH_TRUST_ANCHORS;
    const r = await cli('inspect', path.join(dir, 'smime.eml'));
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as Inspected;
    expect(a.message.signatures).toEqual([expect.objectContaining({ kind: 'smime', status: 'unverified', reason: 'no_trust_anchor' })]);
  }, 30_000);

  it('refuses an anchor that is not a certificate: one line, exit 2, no stack trace', async () => {
    process.env.EDOCWATCH_TRUST_ANCHORS = path.join(dir, 'not-a-cert.pem');
    const r = await cli('inspect', path.join(dir, 'pdf.eml'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^edocwatch: cấu hình không hợp lệ \/ invalid configuration: analyze\.trust_anchors \(EDOCWATCH_TRUST_ANCHORS\): .*not-a-cert\.pem: không phải chứng thư X\.509 \/ not an X\.509 certificate/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
