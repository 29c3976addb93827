// Near-real-time sync: one IMAP connection per mailbox sits in IDLE on INBOX (read-only) and calls
// back when new mail arrives, beside the scheduled poll. A connection that drops — or dies
// silently, which IDLE restarts every `maxIdleTime` reveal — is reopened with exponential backoff
// and jitter, so a fleet of workers does not reconnect in lockstep.
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { imapFlowOptions, type ImapSettings } from './client.js';

export interface IdleOptions {
  /** IDLE is restarted this often, so a dead connection is noticed (servers drop IDLE at 30 min). */
  maxIdleMs: number;
  maxBackoffMs: number;
  /** For tests: no randomness in the backoff. */
  random?: () => number;
}

/** The wait before reconnect attempt `attempt` (1-based): exponential, capped, with full jitter above half. */
export function backoffMs(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, 1000 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base / 2 + (base / 2) * random());
}

export class IdleWatcher {
  private stopped = false;
  private client: ImapFlow | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly settings: ImapSettings,
    private readonly onNewMail: () => void,
    private readonly log: Logger,
    private readonly opts: IdleOptions = { maxIdleMs: 5 * 60_000, maxBackoffMs: 60_000 },
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.client;
    if (c) await c.logout().catch(() => c.close());
    await this.running;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const s = this.settings;
      const client = new ImapFlow(imapFlowOptions(s, { maxIdleTime: this.opts.maxIdleMs }));
      client.on('error', () => undefined);
      this.client = client;
      try {
        const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
        await client.connect();
        await client.mailboxOpen('INBOX', { readOnly: true });
        attempt = 0;
        client.on('exists', (e: { count: number; prevCount: number }) => {
          if (e.count > e.prevCount) this.onNewMail();
        });
        // Whatever arrived while we were not listening.
        this.onNewMail();
        await closed;
      } catch (err) {
        this.log.warn({ host: s.host, user: s.user, err: (err as Error).message }, 'IDLE connection failed');
        client.close();
      }
      if (this.stopped) break;
      attempt++;
      const wait = backoffMs(attempt, this.opts.maxBackoffMs, this.opts.random);
      this.log.info({ host: s.host, user: s.user, attempt, waitMs: wait }, 'IDLE reconnecting');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
