// The statistics cache of `edocwatch serve`: period statistics and trend tables computed once and
// served from memory until the figures they were computed from change. Migration 0012 makes every
// statement that changes what the KPIs read notify channel `edocwatch_stats`; Postgres delivers a
// notification when its transaction commits. The cache LISTENs on a connection of its own and
// empties itself on each notification, so the version an entry was computed under is the number
// of notifications seen before its computation started: an entry whose computation overlapped a
// commit is stored under the old version and never served again. What a reader may get is figures
// older than a commit by the time the notification takes to arrive (milliseconds on one host).
// While the listening connection is down nothing is cached (every call computes), and the
// connection is re-opened with a growing delay.
import pg from 'pg';
import { pgSettings } from '../db/pool.js';

export const STATS_CHANNEL = 'edocwatch_stats';

/** Entries kept at most (a period × an agency each): past it the oldest go first. */
const MAX_ENTRIES = 2000;

export interface StatsCacheLog {
  warn(obj: object, msg: string): void;
}

export class StatsCache {
  private changes = 0;
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private retryMs = 500;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly entries = new Map<string, { version: number; value: Promise<unknown> }>();
  /** Calls answered from memory and calls computed, for tests and metrics. */
  hits = 0;
  misses = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly log?: StatsCacheLog,
  ) {}

  /** Opens the listening connection; resolves once it listens (throws when Postgres cannot be reached). */
  async start(): Promise<void> {
    const client = new pg.Client(pgSettings(this.databaseUrl));
    client.on('notification', (n) => {
      if (n.channel === STATS_CHANNEL) this.invalidate();
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    await client.connect();
    await client.query(`LISTEN ${STATS_CHANNEL}`);
    this.client = client;
    // Whatever was committed before we listened is unknown to the entries: start empty.
    this.invalidate();
    this.listening = true;
    this.retryMs = 500;
  }

  /** start(), and when it fails a warning and retries in the background: never throws. */
  async begin(): Promise<void> {
    try {
      await this.start();
    } catch (err) {
      this.retryLater(err);
    }
  }

  /** Changes heard so far (notifications, reconnections): an entry is valid for the count it was computed under. */
  get version(): number {
    return this.changes;
  }

  /** True while changes are heard: only then is anything served from memory. */
  get active(): boolean {
    return this.listening;
  }

  /** The value for `key`, computed by `compute` unless computed since the last change. Callers share one computation. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.listening) {
      this.misses++;
      return compute();
    }
    const version = this.changes;
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.hits++;
      return hit.value as Promise<T>;
    }
    this.misses++;
    const value = compute();
    this.entries.set(key, { version, value });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Forgets every entry (a change was committed). */
  invalidate(): void {
    this.changes++;
    this.entries.clear();
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (client !== this.client) return;
    this.client = null;
    this.listening = false;
    this.invalidate();
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log?.warn({ err: err?.message ?? 'connection ended', retryMs: this.retryMs }, 'statistics cache: not listening for changes, serving uncached');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start().catch((e: unknown) => this.retryLater(e));
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }

  private retryLater(err: unknown): void {
    if (this.closed) return;
    this.log?.warn({ err: (err as Error)?.message, retryMs: this.retryMs }, 'statistics cache: cannot listen yet');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start().catch((e: unknown) => this.retryLater(e));
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    this.entries.clear();
    if (c) await c.end().catch(() => undefined);
  }
}
