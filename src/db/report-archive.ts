// The report archive (migration 0011): report numbers, archived builds with their files, and the
// listing the web archive pages through. Thin: literal SQL, no decisions (who may see which build is
// src/domain/access.ts's, applied by the callers through `scope`).
import { createHash } from 'node:crypto';
import { withTransaction, type Pool, type Queryable } from './pool.js';

export type ReportFileRole = 'html' | 'text' | 'pdf' | 'xlsx' | 'chart';

export interface ReportFile {
  name: string;
  role: ReportFileRole;
  contentType: string;
  cid: string | null;
  content: Buffer;
}

export interface ReportBuildMeta {
  period: string;
  scope: string;
  lang: 'vi' | 'en';
  issuer: string;
  number: string;
  /** YYYY-MM-DD (Asia/Ho_Chi_Minh). */
  issuedOn: string;
  title: string;
  builtBy: string;
}

export interface ReportBuildRow {
  id: number;
  period: string;
  scope: string;
  lang: 'vi' | 'en';
  issuer: string;
  number: string;
  issued_on: string;
  title: string;
  built_at: Date;
  built_by: string;
  total_bytes: number;
  /** The formats stored (html, pdf, xlsx, …). */
  formats: string[];
  /** Deliveries sent from this build. */
  sent: number;
}

/**
 * The sequence number of a report of this issuer, period and scope: the one it already has, or the
 * next of the issuer's `year`. Serialized per issuer by an advisory lock, so two builds at once
 * never take the same number.
 */
export async function allocateReportNumber(pool: Pool, issuer: string, year: number, period: string, scope: string): Promise<number> {
  return withTransaction(pool, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('edocwatch-report-number:' || $1::text))`, [issuer]);
    const cur = await tx.query<{ seq: number }>(`SELECT seq FROM report_numbers WHERE issuer = $1 AND period = $2 AND scope = $3`, [issuer, period, scope]);
    if (cur.rows[0]) return cur.rows[0].seq;
    const next = await tx.query<{ seq: number }>(
      `INSERT INTO report_numbers (issuer, year, seq, period, scope)
       SELECT $1, $2::int, COALESCE(max(seq), 0) + 1, $3, $4 FROM report_numbers WHERE issuer = $1 AND year = $2::int
       RETURNING seq`,
      [issuer, year, period, scope],
    );
    return (next.rows[0] as { seq: number }).seq;
  });
}

/** The number a report of this issuer, period and scope already has, without taking one. */
export async function peekReportNumber(db: Queryable, issuer: string, period: string, scope: string): Promise<number | null> {
  const { rows } = await db.query<{ seq: number }>(`SELECT seq FROM report_numbers WHERE issuer = $1 AND period = $2 AND scope = $3`, [issuer, period, scope]);
  return rows[0]?.seq ?? null;
}

/** Stores a build and its files in one transaction; returns the build's id. */
export async function insertReportBuild(pool: Pool, meta: ReportBuildMeta, files: ReportFile[]): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const total = files.reduce((s, f) => s + f.content.length, 0);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO report_builds (period, scope, lang, issuer, number, issued_on, title, built_by, total_bytes)
       VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9) RETURNING id`,
      [meta.period, meta.scope, meta.lang, meta.issuer, meta.number, meta.issuedOn, meta.title, meta.builtBy, total],
    );
    const id = Number((rows[0] as { id: string }).id);
    for (const f of files) {
      await tx.query(
        `INSERT INTO report_files (build_id, name, role, content_type, cid, content, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, f.name, f.role, f.contentType, f.cid, f.content, createHash('sha256').update(f.content).digest('hex')],
      );
    }
    return id;
  });
}

type BuildRowDb = Omit<ReportBuildRow, 'id' | 'total_bytes' | 'issued_on'> & { id: string; total_bytes: string; issued_on: string };

const BUILD_COLUMNS = `b.id, b.period, b.scope, b.lang, b.issuer, b.number, to_char(b.issued_on, 'YYYY-MM-DD') AS issued_on, b.title, b.built_at, b.built_by, b.total_bytes,
  ARRAY(SELECT f.role FROM report_files f WHERE f.build_id = b.id AND f.role IN ('html', 'pdf', 'xlsx') ORDER BY f.role) AS formats,
  (SELECT count(*)::int FROM report_deliveries d WHERE d.build_id = b.id AND d.status = 'sent') AS sent`;

function toRow(r: BuildRowDb): ReportBuildRow {
  return { ...r, id: Number(r.id), total_bytes: Number(r.total_bytes) };
}

/**
 * Archived builds, newest first. `scope` null lists every build; an agency code lists only that
 * agency's own reports (what an agency user may see).
 */
export async function listReportBuilds(db: Queryable, o: { scope: string | null; period: string | null; limit: number; beforeId?: number | null }): Promise<ReportBuildRow[]> {
  const { rows } = await db.query<BuildRowDb>(
    `SELECT ${BUILD_COLUMNS} FROM report_builds b
      WHERE ($1::text IS NULL OR b.scope = $1) AND ($2::text IS NULL OR b.period = $2) AND ($3::bigint IS NULL OR b.id < $3)
      ORDER BY b.id DESC LIMIT $4`,
    [o.scope, o.period, o.beforeId ?? null, o.limit],
  );
  return rows.map(toRow);
}

export async function getReportBuild(db: Queryable, id: number): Promise<ReportBuildRow | null> {
  const { rows } = await db.query<BuildRowDb>(`SELECT ${BUILD_COLUMNS} FROM report_builds b WHERE b.id = $1`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** The files of a build, optionally only some roles. */
export async function getReportFiles(db: Queryable, buildId: number, roles?: ReportFileRole[]): Promise<ReportFile[]> {
  const { rows } = await db.query<{ name: string; role: ReportFileRole; content_type: string; cid: string | null; content: Buffer }>(
    `SELECT name, role, content_type, cid, content FROM report_files WHERE build_id = $1 AND ($2::text[] IS NULL OR role = ANY($2)) ORDER BY name`,
    [buildId, roles ?? null],
  );
  return rows.map((r) => ({ name: r.name, role: r.role, contentType: r.content_type, cid: r.cid, content: r.content }));
}
