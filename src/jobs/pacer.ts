// A token bucket that paces one mailbox's fetches to at most `perSecond` messages a second, with a
// burst of one second's worth. Pure except for the clock and the sleep it is given, so tests drive
// it with a fake clock; `perSecond` 0 means no limit.
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class Pacer {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(perSecond >= 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a finite number >= 0, got ${perSecond}`);
    this.burst = Math.max(1, perSecond);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** How long taking `n` messages now would wait, in ms (0 without a limit). */
  delayFor(n: number): number {
    if (this.perSecond === 0 || n <= 0) return 0;
    this.refill();
    const missing = n - this.tokens;
    return missing <= 0 ? 0 : (missing / this.perSecond) * 1000;
  }

  /** Waits until `n` messages may be fetched, then takes them. A batch larger than the burst waits for its whole share. */
  async take(n: number): Promise<void> {
    if (this.perSecond === 0 || n <= 0) return;
    this.refill();
    this.tokens -= n;
    if (this.tokens >= 0) return;
    // The wait pays the debt exactly: the bucket is empty, not refilled, when it ends.
    await this.clock.sleep((-this.tokens / this.perSecond) * 1000);
    this.tokens = 0;
    this.last = this.clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
