// The pure parts of the sync stage's batching and pacing: UID sets written compactly, bodies grouped
// by bytes, and the per-mailbox token bucket, driven by a fake clock.
import { describe, expect, it } from 'vitest';
import { compactUids } from '../../src/imap/client.js';
import { byBytes } from '../../src/jobs/sync.js';
import { Pacer, type Clock } from '../../src/jobs/pacer.js';

function fakeClock(): Clock & { t: number; slept: number[] } {
  const c = {
    t: 0,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('compactUids', () => {
  it.each([
    [[1], '1'],
    [[1, 2, 3], '1:3'],
    [[3, 1, 2, 7, 9, 10], '1:3,7,9:10'],
    [[5, 5, 6], '5:6'],
    [[4294967295, 1], '1,4294967295'],
    [[], ''],
  ])('%j → %s', (uids, want) => {
    expect(compactUids(uids)).toBe(want);
  });
});

describe('byBytes', () => {
  const m = (size: number) => ({ size });
  it('keeps order and cuts before a group would pass the limit', () => {
    expect(byBytes([m(4), m(4), m(4), m(1)], 8).map((g) => g.map((x) => x.size))).toEqual([[4, 4], [4, 1]]);
  });
  it('puts a message bigger than the limit alone', () => {
    expect(byBytes([m(1), m(20), m(1)], 8).map((g) => g.map((x) => x.size))).toEqual([[1], [20], [1]]);
  });
  it('gives no group for no message', () => {
    expect(byBytes([], 8)).toEqual([]);
  });
});

describe('Pacer', () => {
  it('never waits without a limit', async () => {
    const c = fakeClock();
    const p = new Pacer(0, c);
    await p.take(10_000);
    expect(c.slept).toEqual([]);
  });

  it('lets a burst of one second through, then paces to the rate', async () => {
    const c = fakeClock();
    const p = new Pacer(10, c);
    await p.take(10);
    expect(c.slept).toEqual([]);
    await p.take(5);
    expect(c.slept).toEqual([500]);
    expect(c.t).toBe(500);
  });

  it('charges a batch larger than the burst its whole share', async () => {
    const c = fakeClock();
    const p = new Pacer(2, c);
    await p.take(2);
    await p.take(6); // 6 messages at 2/s: 3 s
    await p.take(2); // and the next 2 wait 1 s more
    expect(c.slept).toEqual([3000, 1000]);
  });

  it('refills while the caller is busy elsewhere', async () => {
    const c = fakeClock();
    const p = new Pacer(4, c);
    await p.take(4);
    c.t += 1000; // a second spent storing the batch
    await p.take(4);
    expect(c.slept).toEqual([]);
    expect(p.delayFor(2)).toBe(500);
  });

  it('refuses a negative or infinite rate', () => {
    expect(() => new Pacer(-1)).toThrow(RangeError);
    expect(() => new Pacer(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('the sync command line, pure parts', async () => {
  const { backfillOf, parseDay, progressLine } = await import('../../src/cli/sync.js');
  it('accepts real days and refuses impossible ones', () => {
    expect(parseDay('--since', '2024-02-29')).toBe('2024-02-29');
    expect(parseDay('--since', undefined)).toBeUndefined();
    for (const bad of ['2025-02-29', '2025-1-01', '01/02/2025', '2025-00-10', ''])
      expect(() => parseDay('--since', bad)).toThrow(/YYYY-MM-DD/);
  });
  it('gives no backfill without dates, an open range with one, and refuses a reversed one', () => {
    expect(backfillOf({})).toBeUndefined();
    expect(backfillOf({ since: '2025-01-01' })).toEqual({ since: '2025-01-01', before: undefined });
    expect(backfillOf({ before: '2025-01-01' })).toEqual({ since: undefined, before: '2025-01-01' });
    expect(() => backfillOf({ since: '2025-01-01', before: '2025-01-01' })).toThrow(/must be before/);
  });
  it('draws a bar for each phase', () => {
    expect(progressLine({ phase: 'fetch', folder: 'INBOX', done: 50, total: 200 }, 8)).toBe('Tải / fetching INBOX [##......] 50/200');
    expect(progressLine({ phase: 'analyze', done: 0, total: 0 }, 4)).toBe('Phân tích / analyzing [....] 0/0');
    expect(progressLine({ phase: 'sync', done: 3, total: 3 }, 4)).toBe('Hộp thư / mailboxes [####] 3/3');
  });
});
