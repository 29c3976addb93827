// Trust anchors from the configuration (analyze.trust_anchors, EDOCWATCH_TRUST_ANCHORS): PEM and
// DER files and folders of them, written by the test into a scratch folder; every bad path or file
// is a configuration error listing them all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { loadTrustAnchors } from '../../src/config/trust-anchors.js';
import { testPki, type TestPki } from '../helpers/pki.js';

let dir: string;
let pki: TestPki;

beforeAll(() => {
  pki = testPki();
  dir = mkdtempSync(path.join(tmpdir(), 'edocwatch-anchors-'));
  writeFileSync(path.join(dir, 'root.pem'), pki.root.certPem);
  writeFileSync(path.join(dir, 'bundle.pem'), pki.root.certPem + pki.intermediate.certPem);
  writeFileSync(path.join(dir, 'root.der'), pki.root.der);
  mkdirSync(path.join(dir, 'cas'));
  writeFileSync(path.join(dir, 'cas', 'root.crt'), pki.root.certPem);
  writeFileSync(path.join(dir, 'cas', 'other.cer'), pki.otherRoot.der);
  writeFileSync(path.join(dir, 'cas', 'README.txt'), 'not read');
  mkdirSync(path.join(dir, 'empty'));
  writeFileSync(path.join(dir, 'key.pem'), pki.root.keyPem);
  writeFileSync(path.join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  writeFileSync(path.join(dir, 'garbage.der'), Buffer.from('not a certificate'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTrustAnchors', () => {
  it('reads PEM files, bundles, DER files and folders, each certificate once', () => {
    const { anchors, problems } = loadTrustAnchors(['root.pem', 'bundle.pem', 'root.der', 'cas'], dir);
    expect(problems).toEqual([]);
    expect(anchors.certs.map((c) => c.subject.split('\n').find((l) => l.startsWith('CN=')))).toEqual([
      'CN=Test Root CA Chính phủ',
      'CN=Test CA cấp 2',
      'CN=Untrusted Root',
    ]);
    expect(anchors.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives no anchors for an empty list', () => {
    expect(loadTrustAnchors([], dir).anchors).toEqual({ certs: [], id: 'none' });
  });

  it('reports every bad entry', () => {
    const { problems } = loadTrustAnchors(['missing.pem', 'empty', 'key.pem', 'broken.pem', 'garbage.der'], dir);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toBe('missing.pem: không đọc được / cannot read (ENOENT)');
    expect(problems[1]).toMatch(/^empty: thư mục không có tệp chứng thư/);
    expect(problems[2]).toMatch(/key\.pem: không có chứng thư \/ no CERTIFICATE in this PEM file$/);
    expect(problems[3]).toMatch(/broken\.pem: không phải chứng thư X\.509 \/ not an X\.509 certificate/);
    expect(problems[4]).toMatch(/garbage\.der: không phải chứng thư X\.509/);
  });
});

describe('configuration', () => {
  it('has no anchors by default', () => {
    const c = loadConfig({});
    expect(c.analyze.trustAnchorPaths).toEqual([]);
    expect(c.analyze.anchors.certs).toEqual([]);
  });

  it('reads the anchors named in EDOCWATCH_TRUST_ANCHORS, comma-separated', () => {
    const c = loadConfig({ EDOCWATCH_TRUST_ANCHORS: `${path.join(dir, 'root.pem')}, ${path.join(dir, 'cas')}` });
    expect(c.analyze.anchors.certs).toHaveLength(2);
  });

  it('reads them from a YAML file, and refuses a bad one with a configuration error naming the key', () => {
    const yaml = path.join(dir, 'config.yaml');
    writeFileSync(yaml, `analyze:\n  trust_anchors:\n    - ${path.join(dir, 'bundle.pem')}\n`);
    expect(loadConfig({ EDOCWATCH_CONFIG: yaml }).analyze.anchors.certs).toHaveLength(2);
    let err: unknown;
    try {
      loadConfig({ EDOCWATCH_TRUST_ANCHORS: `${path.join(dir, 'garbage.der')},${path.join(dir, 'nope')}` });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_CONFIG');
    expect((err as ConfigError).problems).toHaveLength(2);
    expect((err as ConfigError).message).toContain('analyze.trust_anchors (EDOCWATCH_TRUST_ANCHORS):');
  });
});
