// The shared attachment facts (src/analyze/shared-facts.ts) kept in Postgres (migration 0017).
// Best effort by design: a lookup or a write that fails only means a document is read again, so
// errors are reported to the caller's log and never fail an analysis.
import type { Logger } from 'pino';
import { analysisFingerprint, type SharedFacts } from '../analyze/shared-facts.js';
import type { AttachmentFacts } from '../domain/types.js';
import type { Queryable } from './pool.js';

/** One analysis' view of the store: lookups as it asks, its own readings written by flush(). */
export class PgSharedFacts implements SharedFacts {
  private readonly pending = new Map<string, AttachmentFacts>();

  constructor(
    private readonly db: Queryable,
    private readonly log?: Pick<Logger, 'warn'>,
    readonly fingerprint: string = analysisFingerprint(),
  ) {}

  async get(keys: string[]): Promise<Map<string, AttachmentFacts>> {
    const out = new Map<string, AttachmentFacts>();
    if (keys.length === 0) return out;
    try {
      const { rows } = await this.db.query<{ key: string; facts: Buffer }>({
        name: 'attachment-facts-get',
        text: 'SELECT key, facts FROM attachment_facts WHERE fingerprint = $1 AND key = ANY($2::text[])',
        values: [this.fingerprint, keys],
      });
      for (const r of rows) out.set(r.key, JSON.parse(r.facts.toString('utf8')) as AttachmentFacts);
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'shared attachment facts: lookup failed, reading the files');
    }
    return out;
  }

  put(key: string, facts: AttachmentFacts): void {
    this.pending.set(key, facts);
  }

  /** Writes the facts this analysis read (after its results are stored); the first writer of a key wins. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const entries = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pending.clear();
    try {
      const { rowCount } = await this.db.query({
        name: 'attachment-facts-put',
        text: `INSERT INTO attachment_facts (fingerprint, key, sha256, facts)
               SELECT $1, x.key, left(x.key, 64), x.facts FROM unnest($2::text[], $3::bytea[]) AS x(key, facts)
               ON CONFLICT DO NOTHING`,
        values: [this.fingerprint, entries.map(([k]) => k), entries.map(([, f]) => Buffer.from(JSON.stringify(f), 'utf8'))],
      });
      return rowCount ?? 0;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'shared attachment facts: write failed');
      return 0;
    }
  }
}

/**
 * Deletes the facts of other analysis code (an earlier or a later version) written more than
 * `graceHours` ago: during a rolling upgrade both versions keep theirs. Returns the rows deleted.
 */
export async function pruneSharedFacts(db: Queryable, fingerprint: string = analysisFingerprint(), graceHours = 24): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM attachment_facts WHERE fingerprint <> $1 AND created_at < now() - make_interval(hours => $2)`,
    [fingerprint, graceHours],
  );
  return rowCount ?? 0;
}
