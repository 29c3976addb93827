// Prometheus metrics, read from Postgres at scrape time (the system of record, so every worker on
// every host is covered without pushing anything): messages and bytes synced, messages by state,
// lag and last error per mailbox, exchanges; and the process's own metrics. Rendered with
// prom-client. Worker processes export their jobs on a port of their own (src/queue/worker-metrics.ts).
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Queryable } from '../db/pool.js';

interface MailboxFacts {
  id: number;
  agency_code: string;
  username: string;
  messages: number;
  bytes: number;
  lag: number | null;
  failing: boolean;
}

export type MetricsRegistry = Registry & { refresh(): Promise<void> };

export function metricsRegistry(db: Queryable, now: () => Date = () => new Date()): MetricsRegistry {
  const registry = new Registry();
  // The serving process's own health (memory, CPU, event loop), named as the workers' are.
  collectDefaultMetrics({ register: registry, prefix: 'edocwatch_' });
  const labelNames = ['mailbox', 'agency'] as const;
  const messages = new Gauge({ name: 'edocwatch_messages_synced', help: 'Messages stored for a mailbox (one per mail, all time).', labelNames, registers: [registry] });
  const bytes = new Gauge({ name: 'edocwatch_bytes_synced', help: 'Bytes of the messages stored for a mailbox.', labelNames, registers: [registry] });
  const lag = new Gauge({ name: 'edocwatch_mailbox_lag_seconds', help: 'Seconds since the last successful sync of a mailbox (absent before the first).', labelNames, registers: [registry] });
  const errors = new Gauge({ name: 'edocwatch_mailbox_error', help: '1 when the last sync of a mailbox failed, else 0.', labelNames, registers: [registry] });
  const states = new Gauge({ name: 'edocwatch_messages', help: 'Messages by state.', labelNames: ['state'], registers: [registry] });
  const exchanges = new Gauge({ name: 'edocwatch_exchanges', help: 'Exchanges recorded (all time).', registers: [registry] });

  // One collect for all gauges: the queries run once per scrape.
  let pending: Promise<void> | null = null;
  const collect = async (): Promise<void> => {
    const { rows } = await db.query<MailboxFacts>(
      `SELECT b.id, b.agency_code, b.username, count(m.id)::int AS messages, coalesce(sum(m.size), 0)::bigint AS bytes,
              CASE WHEN b.last_success_at IS NULL THEN NULL ELSE extract(epoch FROM ($1::timestamptz - b.last_success_at)) END AS lag,
              (b.last_error IS NOT NULL) AS failing
         FROM mailboxes b LEFT JOIN messages m ON m.mailbox_id = b.id
        GROUP BY b.id ORDER BY b.id`,
      [now()],
    );
    for (const g of [messages, bytes, lag, errors]) g.reset();
    for (const r of rows) {
      const labels = { mailbox: String(r.id), agency: r.agency_code };
      messages.set(labels, r.messages);
      bytes.set(labels, Number(r.bytes));
      if (r.lag !== null) lag.set(labels, Math.max(0, Number(r.lag)));
      errors.set(labels, r.failing ? 1 : 0);
    }
    const s = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
    states.reset();
    for (const st of ['pending', 'analyzed', 'skipped', 'malformed', 'over_limit', 'failed']) states.set({ state: st }, 0);
    for (const r of s.rows) states.set({ state: r.state }, r.n);
    const e = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM exchanges`);
    exchanges.set(e.rows[0]?.n ?? 0);
  };
  return Object.assign(registry, {
    async refresh() {
      pending ??= collect().finally(() => {
        pending = null;
      });
      await pending;
    },
  });
}

