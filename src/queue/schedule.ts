// What long-running workers re-derive from Postgres, so that Redis holds nothing that matters: a
// poll schedule per enabled mailbox (BullMQ job schedulers on the sync queue), and an analyze job
// for every message left pending or failed.
import { listMailboxes } from '../db/mailboxes.js';
import { unfinishedMessageIds } from '../db/messages.js';
import type { Runtime } from '../runtime.js';
import { addOnce, analyzeJobId } from './queues.js';

export const pollSchedulerId = (mailboxId: number): string => `poll-mailbox-${mailboxId}`;

/** One scheduler per enabled mailbox, every `sync.poll_interval_seconds`; others removed. */
export async function schedulePolls(rt: Runtime): Promise<number> {
  const q = rt.queues().sync;
  const mailboxes = await listMailboxes(rt.pool, { enabledOnly: true });
  const wanted = new Set(mailboxes.map((m) => pollSchedulerId(m.id)));
  for (const m of mailboxes) {
    await q.upsertJobScheduler(pollSchedulerId(m.id), { every: rt.config.sync.pollIntervalSeconds * 1000 }, { name: 'sync', data: { mailboxId: m.id } });
  }
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
  for (const id of ids) await addOnce(rt.queues().analyze, 'analyze', { messageId: id }, analyzeJobId(id));
  return ids.length;
}
