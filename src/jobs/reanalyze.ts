// Re-analysis of stored messages after a rule or directory change (`edocwatch reanalyze`): the raw
// bytes come from the raw store (nothing is fetched again), each message's facts are replaced in one
// transaction (replaceAnalysis: its sightings go and come back, every exchange they touch is merged
// again from all its sightings), exchanges no message shows any more are removed (unless an
// administrator corrected them), and overridden exchanges are resolved again. Overrides
// survive (pinned columns, src/db/facts.ts) and the rollups follow through their triggers.
// Idempotent: a second run over unchanged rules changes nothing.
import { analyzeMessage } from '../analyze/message.js';
import { PgSharedFacts } from '../db/attachment-facts.js';
import { listAgencies } from '../db/agencies.js';
import { replaceAnalysis } from '../db/facts.js';
import { refreshOverridden } from '../db/overrides.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { buildDirectory } from '../domain/directory.js';
import type { DirectoryIndex } from '../domain/types.js';
import { analysisLimits, type AnalyzeDeps } from './analyze.js';

export const COMPARED_LABELS = ['flow', 'form', 'digitization', 'signed', 'secret', 'document_id', 'sender_agency', 'receiver_agency'] as const;
type ComparedLabel = (typeof COMPARED_LABELS)[number];

export interface ReanalyzeOptions {
  mailboxId?: number;
  /** Only messages dated (Date, else INTERNALDATE, else fetched) at or after this instant. */
  since?: Date;
  batchSize?: number;
  concurrency?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface ReanalyzeSummary {
  messages: number;
  byState: Record<string, number>;
  failed: Array<{ id: number; reason: string }>;
  exchanges: { before: number; after: number; added: number; removed: number; keptForOverride: number; changed: number };
  /** Computed label changes per label (what the analysis says now against before). */
  labelChanges: Record<ComparedLabel, number>;
  /** Overridden exchanges whose effective labels moved (a corrected party's flow). */
  overridesRefreshed: number;
}

interface ExchangeSnapshot {
  id: string;
  exchange_key: string;
  computed: Record<string, unknown>;
}

async function exchangesOf(db: Queryable, messageId: number): Promise<ExchangeSnapshot[]> {
  const { rows } = await db.query<ExchangeSnapshot>(
    `SELECT x.id, x.exchange_key, x.computed FROM exchanges x JOIN exchange_sightings s ON s.exchange_id = x.id WHERE s.message_id = $1`,
    [messageId],
  );
  return rows;
}

/** Runs `work` (a whole transaction) again when Postgres aborted it as a deadlock victim, up to 3 times in all. */
export async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 3) throw err;
    }
  }
}

/** The computed labels that differ between two snapshots of one exchange. Pure. */
export function computedChanges(before: Record<string, unknown>, after: Record<string, unknown>): ComparedLabel[] {
  return COMPARED_LABELS.filter((l) => JSON.stringify(before[l] ?? null) !== JSON.stringify(after[l] ?? null));
}

export async function reanalyze(deps: Pick<AnalyzeDeps, 'pool' | 'store' | 'config' | 'log'>, o: ReanalyzeOptions = {}): Promise<ReanalyzeSummary> {
  const { pool } = deps;
  // The directory as it is now: a re-analysis usually follows `agency import`.
  const directory: DirectoryIndex = buildDirectory(await listAgencies(pool));
  const where = `m.state IN ('analyzed', 'skipped', 'malformed', 'failed')
      AND ($1::bigint IS NULL OR m.mailbox_id = $1)
      AND ($2::timestamptz IS NULL OR COALESCE(m.msg_date, m.internal_date, m.fetched_at) >= $2)`;
  const params = [o.mailboxId ?? null, o.since ?? null];
  const total = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages m WHERE ${where}`, params)).rows[0]?.n ?? 0);
  const summary: ReanalyzeSummary = {
    messages: 0,
    byState: {},
    failed: [],
    exchanges: { before: 0, after: 0, added: 0, removed: 0, keptForOverride: 0, changed: 0 },
    labelChanges: Object.fromEntries(COMPARED_LABELS.map((l) => [l, 0])) as Record<ComparedLabel, number>,
    overridesRefreshed: 0,
  };
  const batchSize = o.batchSize ?? 200;
  const concurrency = Math.max(1, o.concurrency ?? 2);
  let lastId = 0;
  o.onProgress?.({ done: 0, total });
  for (;;) {
    const batch = await pool.query<{ id: string; sha256: string; internal_date: Date | null; fetched_at: Date; agency_code: string }>(
      `SELECT m.id, m.sha256, m.internal_date, m.fetched_at, b.agency_code
         FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
        WHERE ${where} AND m.id > $3 ORDER BY m.id LIMIT $4`,
      [...params, lastId, batchSize],
    );
    if (batch.rows.length === 0) break;
    lastId = Number(batch.rows[batch.rows.length - 1]?.id);
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < batch.rows.length) {
        const m = batch.rows[next++] as (typeof batch.rows)[number];
        const id = Number(m.id);
        try {
          const raw = await deps.store.get(m.sha256);
          const sharedFacts = new PgSharedFacts(pool, deps.log);
          // The same limits, OCR, archive and trust settings as the analyze job's.
          const analysis = await analyzeMessage(raw, {
            directory,
            monitored: m.agency_code,
            internalDate: m.internal_date,
            receivedAt: m.fetched_at,
            freeMailDomains: deps.config.freeMailDomains,
            limits: analysisLimits(deps.config),
            sharedFacts,
          });
          // Two messages of one exchange replaced at once may deadlock on a new exchange row (each
          // inserting one the other then locks): Postgres aborts one, which is tried again.
          const r = await retryOnDeadlock(() =>
            withTransaction(pool, async (tx) => {
              const before = await exchangesOf(tx, id);
              const replaced = await replaceAnalysis(tx, id, analysis);
              const after = await exchangesOf(tx, id);
              return { before, after, replaced };
            }),
          );
          const afterByKey = new Map(r.after.map((x) => [x.exchange_key, x]));
          const beforeKeys = new Set(r.before.map((x) => x.exchange_key));
          summary.exchanges.before += r.before.length;
          summary.exchanges.after += r.after.length;
          summary.exchanges.added += r.after.filter((x) => !beforeKeys.has(x.exchange_key)).length;
          for (const b of r.before) {
            const a = afterByKey.get(b.exchange_key);
            if (!a) continue;
            const changed = computedChanges(b.computed, a.computed);
            if (changed.length > 0) summary.exchanges.changed += 1;
            for (const l of changed) summary.labelChanges[l] += 1;
          }
          // Exchanges this message no longer shows and no other message sights are gone; one an
          // administrator corrected stays (its override and audit refer to it).
          summary.exchanges.removed += r.replaced.removed;
          summary.exchanges.keptForOverride += r.replaced.keptForOverride;
          await sharedFacts.flush();
          summary.byState[analysis.message.state] = (summary.byState[analysis.message.state] ?? 0) + 1;
        } catch (err) {
          // The transaction rolled back: the message keeps its earlier facts.
          const reason = (err as Error).message ?? String(err);
          summary.failed.push({ id, reason: reason.slice(0, 500) });
          deps.log.warn({ messageId: id, err: reason }, 'reanalyze: message kept its earlier facts');
        }
        summary.messages += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, work));
    o.onProgress?.({ done: summary.messages, total });
  }
  summary.overridesRefreshed = await refreshOverridden(pool, directory);
  return summary;
}
