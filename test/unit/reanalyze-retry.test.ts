import { describe, expect, it } from 'vitest';
import { retryOnDeadlock } from '../../src/jobs/reanalyze.js';

describe('retryOnDeadlock (reanalyze: two messages of one exchange replaced at once)', () => {
  it('runs a transaction again when Postgres chose it as a deadlock victim, at most 3 times', async () => {
    let calls = 0;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        if (calls < 3) throw deadlock;
        return 'done';
      }),
    ).resolves.toBe('done');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        throw deadlock;
      }),
    ).rejects.toThrow('deadlock detected');
    expect(calls).toBe(3);
  });

  it('does not run again after any other error', async () => {
    let calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        throw Object.assign(new Error('unique violation'), { code: '23505' });
      }),
    ).rejects.toThrow('unique violation');
    expect(calls).toBe(1);
  });
});
