// The agency directory as workers use it, apart from the analysis code so that a process that only
// syncs (or only serves) does not load the attachment readers (PDF, office, archives) to get it.
import { listAgencies } from '../db/agencies.js';
import type { Pool } from '../db/pool.js';
import { buildDirectory } from '../domain/directory.js';
import type { DirectoryIndex } from '../domain/types.js';

/** The directory as imported in Postgres, re-read at most every ttlMs so imports reach workers. */
export class DirectoryCache {
  private value: DirectoryIndex | null = null;
  private loadedAt = 0;
  constructor(
    private readonly pool: Pool,
    private readonly ttlMs = 60_000,
  ) {}
  async get(): Promise<DirectoryIndex> {
    if (!this.value || Date.now() - this.loadedAt > this.ttlMs) {
      this.value = buildDirectory(await listAgencies(this.pool));
      this.loadedAt = Date.now();
    }
    return this.value;
  }
}
