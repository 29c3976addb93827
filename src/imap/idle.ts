// Near-real-time sync: one IMAP connection per mailbox sits in IDLE on INBOX (read-only) and calls
// back when new mail arrives, beside the scheduled poll. A connection that drops — or dies
// silently, which IDLE restarts every `maxIdleTime` reveal — is reopened with exponential backoff
// and jitter, so a fleet of workers does not reconnect in lockstep. Settings may be a function, called
// before every connection: an OAuth2 mailbox needs a fresh access token for each (src/oauth2/). A
// refused credential is not hammered: the watcher waits `credentialRetryMs` before trying again.
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { EdocError } from '../errors.js';
import { imapFlowOptions, type ImapSettings } from './client.js';

export interface IdleOptions {
  /** IDLE is restarted this often, so a dead connection is noticed (servers drop IDLE at 30 min). */
  maxIdleMs: number;
  maxBackoffMs: number;
  /** For tests: no randomness in the backoff. */
  random?: () => number;
  /** After a refused login or token refresh, the wait before trying again (default 15 min). */
  credentialRetryMs?: number;
}

/** Failures that a quick retry cannot cure, and that would lock accounts or spam the provider. */
const CREDENTIAL_CODES = new Set(['E_IMAP_AUTH', 'E_IMAP_OAUTH', 'E_SECRET_KEY', 'E_NOT_FOUND']);

function isCredentialFailure(err: unknown): boolean {
  if (err instanceof EdocError) return CREDENTIAL_CODES.has(err.code);
  return (err as { authenticationFailed?: boolean } | null)?.authenticationFailed === true;
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
  private wake: (() => void) | null = null;

  constructor(
    private readonly settings: ImapSettings | (() => Promise<ImapSettings>),
    private readonly onNewMail: () => void,
    private readonly log: Logger,
    private readonly opts: IdleOptions = { maxIdleMs: 5 * 60_000, maxBackoffMs: 60_000 },
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const c = this.client;
    if (c) await c.logout().catch(() => c.close());
    await this.running;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let s: ImapSettings | null = null;
      let client: ImapFlow | null = null;
      let refused = false;
      try {
        s = typeof this.settings === 'function' ? await this.settings() : this.settings;
        if (this.stopped) break;
        const c = new ImapFlow(imapFlowOptions(s, { maxIdleTime: this.opts.maxIdleMs }));
        client = c;
        c.on('error', () => undefined);
        this.client = c;
        const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
        await c.connect();
        await c.mailboxOpen('INBOX', { readOnly: true });
        attempt = 0;
        c.on('exists', (e: { count: number; prevCount: number }) => {
          if (e.count > e.prevCount) this.onNewMail();
        });
        // Whatever arrived while we were not listening.
        this.onNewMail();
        await closed;
      } catch (err) {
        refused = isCredentialFailure(err);
        this.log.warn({ host: s?.host, user: s?.user, err: (err as Error).message }, 'IDLE connection failed');
        client?.close();
      }
      if (this.stopped) break;
      attempt++;
      const wait = refused ? (this.opts.credentialRetryMs ?? 15 * 60_000) : backoffMs(attempt, this.opts.maxBackoffMs, this.opts.random);
      this.log.info({ host: s?.host, user: s?.user, attempt, waitMs: wait }, 'IDLE reconnecting');
      await new Promise<void>((r) => {
        const timer = setTimeout(r, wait);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = null;
    }
  }
}
