import { describe, expect, it } from 'vitest';
import { chooseFolders } from '../../src/imap/client.js';
import { dedupKey } from '../../src/db/messages.js';

const f = (path: string, specialUse?: string) => ({ path, specialUse, flags: new Set<string>() });

describe('choosing the folders to watch', () => {
  it('takes INBOX and the special-use \\Sent folder by attribute, whatever its name', () => {
    expect(chooseFolders([f('INBOX'), f('Thư đã gửi', '\\Sent'), f('Trash', '\\Trash')], [])).toEqual([
      { path: 'INBOX', specialUse: null },
      { path: 'Thư đã gửi', specialUse: '\\Sent' },
    ]);
  });

  it('falls back to the names servers really use when there is no SPECIAL-USE', () => {
    expect(chooseFolders([f('INBOX'), f('Sent Items')], []).map((x) => x.path)).toEqual(['INBOX', 'Sent Items']);
    expect(chooseFolders([f('INBOX'), f('INBOX.Sent')], []).map((x) => x.path)).toEqual(['INBOX', 'INBOX.Sent']);
  });

  it('adds configured folders that exist, once, and ignores missing ones', () => {
    const got = chooseFolders([f('INBOX'), f('Sent', '\\Sent'), f('Công văn đến')], ['INBOX', 'Công văn đến', 'Không có']);
    expect(got.map((x) => x.path)).toEqual(['INBOX', 'Sent', 'Công văn đến']);
  });
});

describe('message identity within a mailbox', () => {
  it('uses the Message-ID, case- and bracket-insensitively, else the content hash', () => {
    expect(dedupKey('<ABC@x.vn>', 'f'.repeat(64))).toBe('mid:abc@x.vn');
    expect(dedupKey('abc@X.VN', '0'.repeat(64))).toBe('mid:abc@x.vn');
    expect(dedupKey(null, 'a'.repeat(64))).toBe(`sha:${'a'.repeat(64)}`);
    expect(dedupKey('  ', 'b'.repeat(64))).toBe(`sha:${'b'.repeat(64)}`);
  });
});

describe('choosing worker queues', async () => {
  const { parseQueues } = await import('../../src/queue/run-workers.js');
  it('accepts the queues that have workers', () => {
    expect(parseQueues('sync, analyze')).toEqual(['sync', 'analyze']);
    expect(parseQueues('report')).toEqual(['report']);
  });
  it('names an unknown queue, and refuses an empty list', () => {
    expect(() => parseQueues('sync,mail')).toThrow(/unknown queue mail/);
    expect(() => parseQueues(' , ')).toThrow(/unknown queue \(none\)/);
  });
});

describe('reconnect backoff of IDLE connections', async () => {
  const { backoffMs } = await import('../../src/imap/idle.js');
  it('doubles from one second, is capped, and jitters within the upper half', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(10, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(3, 60_000, () => 0)).toBe(2000);
    expect(backoffMs(40, 60_000, () => 0.5)).toBe(45_000);
  });
});
