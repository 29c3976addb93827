// What long-running workers re-derive from Postgres, so that Redis holds nothing that matters: a
// poll schedule per enabled mailbox (BullMQ job schedulers on the sync queue), and an analyze job
// for every message left pending or failed.
import { listMailboxes } from '../db/mailboxes.js';
import { unfinishedMessageIds } from '../db/messages.js';
import type { Runtime } from '../runtime.js';
import { addManyOnce, addOnce, analyzeJobId, syncJobId } from './queues.js';
import { IdleWatcher } from '../imap/idle.js';
import { imapSettingsOf } from '../jobs/sync.js';

export const pollSchedulerId = (mailboxId: number): string => `poll-mailbox-${mailboxId}`;

/**
 * One scheduler per enabled mailbox, every `sync.poll_interval_seconds`; others removed. At a
 * worker's start (`now`) every mailbox is also synced at once rather than an interval later.
 */
export async function schedulePolls(rt: Runtime, now = false): Promise<number> {
  const q = rt.queues().sync;
  const mailboxes = await listMailboxes(rt.pool, { enabledOnly: true });
  const wanted = new Set(mailboxes.map((m) => pollSchedulerId(m.id)));
  for (const m of mailboxes) {
    await q.upsertJobScheduler(pollSchedulerId(m.id), { every: rt.config.sync.pollIntervalSeconds * 1000 }, { name: 'sync', data: { mailboxId: m.id } });
  }
  if (now) for (const m of mailboxes) await addOnce(q, 'sync', { mailboxId: m.id }, syncJobId(m.id));
  for (const s of await q.getJobSchedulers()) {
    const id = s.key;
    if (id.startsWith('poll-mailbox-') && !wanted.has(id)) await q.removeJobScheduler(id);
  }
  return mailboxes.length;
}

/**
 * Enqueues analysis of every message left pending (after Redis lost its jobs, a crash…), and of the
 * failed ones too when `includeFailed` (at worker start: a failed message gets one more round of
 * retries per start, not one every minute).
 */
export async function requeueUnfinished(rt: Runtime, includeFailed: boolean): Promise<number> {
  const ids = await unfinishedMessageIds(rt.pool, undefined, includeFailed ? ['pending', 'failed'] : ['pending']);
  await addManyOnce(rt.queues().analyze, 'analyze', ids.map((id) => ({ data: { messageId: id }, jobId: analyzeJobId(id) })));
  return ids.length;
}

/**
 * IDLE watchers for the enabled mailboxes: started for new ones, stopped for those gone or
 * disabled. New mail queues a sync of its mailbox (the job id keeps it to one at a time; mail that
 * lands during a running sync is caught by the next IDLE event or the scheduled poll).
 */
export class IdleWatchers {
  private readonly watchers = new Map<number, IdleWatcher>();

  constructor(private readonly rt: Runtime) {}

  async refresh(): Promise<number> {
    const key = this.rt.config.secretKey;
    if (!key) return 0;
    const mailboxes = await listMailboxes(this.rt.pool, { enabledOnly: true });
    const wanted = new Set(mailboxes.map((m) => m.id));
    for (const [id, w] of this.watchers) {
      if (!wanted.has(id)) {
        this.watchers.delete(id);
        await w.stop();
      }
    }
    for (const m of mailboxes) {
      if (this.watchers.has(m.id)) continue;
      const onNewMail = () =>
        void addOnce(this.rt.queues().sync, 'sync', { mailboxId: m.id }, syncJobId(m.id)).catch((err: Error) =>
          this.rt.log.error({ mailboxId: m.id, err: err.message }, 'queueing a sync after IDLE failed'),
        );
      // Settings are made anew for each connection: an OAuth2 mailbox needs a valid access token.
      const w = new IdleWatcher(() => imapSettingsOf(m, this.rt.config, key, this.rt.pool), onNewMail, this.rt.log.child({ mailboxId: m.id }), {
        maxIdleMs: this.rt.config.sync.idleRestartSeconds * 1000,
        maxBackoffMs: 60_000,
      });
      this.watchers.set(m.id, w);
      w.start();
    }
    return this.watchers.size;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
  }
}
