// The analysis of one message (what `inspect` prints): receivers from the monitored side.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/analyze/message.js';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));
const mail = (to: string, extra = '') =>
  Buffer.from(`From: ubnd@sonminh.gov.vn\r\nTo: ${to}\r\n${extra}Subject: Cong van 12/UBND-VP\r\nMessage-ID: <m-1@sonminh.gov.vn>\r\nDate: Mon, 10 Aug 2026 09:00:00 +0700\r\n\r\nUBND tinh gui Cong van so 12/UBND-VP.\r\n`);
const analyze = (raw: Buffer, monitored: string | null) => analyzeMessage(raw, { directory, monitored, internalDate: null, receivedAt: new Date('2026-08-10T03:00:00Z') });

describe('receivers of inbound mail in a monitored mailbox', () => {
  it('takes an address on the shared domain that the directory does not list, in the agency mailbox, as the agency itself (an alias)', async () => {
    const a = await analyze(mail('vanthu.snv@sonminh.gov.vn'), '000.00.02.H30');
    expect(a.message.direction).toBe('inbound');
    expect(a.exchanges).toHaveLength(1);
    expect(a.exchanges[0]?.receiver).toMatchObject({ address: 'vanthu.snv@sonminh.gov.vn', kind: 'agency', agencyCode: '000.00.02.H30', matchedBy: 'mailbox' });
    expect(a.exchanges[0]?.labels.flow).toBe('inter_agency');
  });

  it('adds the agency as a receiver when the mail came by Bcc to known others', async () => {
    const a = await analyze(mail('stc@sonminh.gov.vn'), '000.00.02.H30');
    expect(a.exchanges.map((e) => e.receiver.agencyCode)).toEqual(['000.00.03.H30', '000.00.02.H30']);
  });

  it('keeps exchanges to the named recipients when the agency is one of them', async () => {
    const a = await analyze(mail('snv@sonminh.gov.vn, dan@gmail.com'), '000.00.02.H30');
    expect(a.exchanges.map((e) => e.labels.flow)).toEqual(['inter_agency', 'with_individual']);
  });
});
