import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { pdfSignatures } from '../../src/analyze/signatures/pdf.js';
import { NO_ANCHORS, trustAnchors } from '../../src/analyze/signatures/trust.js';
import { plainPdf, signPdf, testPki } from '../helpers/pki.js';

describe('scratch', () => {
  it('works', async () => {
    const pki = testPki();
    const pdf = await signPdf(await plainPdf(), pki.signer, { chain: [pki.intermediate] });
    const anchors = trustAnchors([new X509Certificate(pki.root.der)]);
    console.log(JSON.stringify(pdfSignatures(pdf, NO_ANCHORS), null, 1));
    console.log(JSON.stringify(pdfSignatures(pdf, anchors), null, 1));
    expect(1).toBe(1);
  });
});
