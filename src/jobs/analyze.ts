// The `analyze` job: read a pending message's raw bytes, analyze them (src/analyze, no I/O), and
// write all its facts in one transaction. Idempotent: analyzing a message again replaces its facts.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { loadPdfJs, type AttachmentLimits } from '../analyze/attachment.js';
import { loadPdfium } from '../analyze/pdfium.js';
import { analyzeMessage } from '../analyze/message.js';
import { PgSharedFacts } from '../db/attachment-facts.js';
import { writeAnalysis } from '../db/facts.js';
import type { Pool } from '../db/pool.js';
import type { DirectoryCache } from './directory-cache.js';
import type { RawStore } from '../store/raw-store.js';

export { DirectoryCache } from './directory-cache.js';

export interface AnalyzeDeps {
  pool: Pool;
  store: RawStore;
  config: Config;
  log: Logger;
  directory: DirectoryCache;
}

interface MessageForAnalysis {
  id: number;
  sha256: string;
  state: string;
  internal_date: Date | null;
  fetched_at: Date;
  agency_code: string;
}

export type AnalyzeOutcome = 'analyzed' | 'skipped' | 'malformed' | 'missing' | 'already_done';

/** Loads what the analysis loads on first use (PDFium, and pdfjs for the PDFs PDFium cannot open), for a process about to analyze. */
export async function preloadAnalysis(): Promise<void> {
  await Promise.all([loadPdfium(), loadPdfJs()]);
}

/** The limits (and OCR, archive and trust settings) every analysis of a stored message runs with. */
export function analysisLimits(config: Config): AttachmentLimits {
  return {
    maxBytes: config.analyze.maxAttachmentBytes,
    maxPages: config.analyze.maxPdfPages,
    maxTextChars: 200_000,
    timeoutMs: config.analyze.attachmentTimeoutMs,
    ocr: config.analyze.ocr,
    archive: config.analyze.archive,
    anchors: config.analyze.anchors,
  };
}

export async function analyzeStoredMessage(messageRowId: number, deps: AnalyzeDeps): Promise<AnalyzeOutcome> {
  const { rows } = await deps.pool.query<MessageForAnalysis>(
    `SELECT m.id, m.sha256, m.state, m.internal_date, m.fetched_at, b.agency_code
       FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id = $1`,
    [messageRowId],
  );
  const msg = rows[0];
  if (!msg) return 'missing';
  if (msg.state !== 'pending' && msg.state !== 'failed') return 'already_done';
  const raw = await deps.store.get(msg.sha256);
  const sharedFacts = new PgSharedFacts(deps.pool, deps.log);
  const analysis = await analyzeMessage(raw, {
    sharedFacts,
    directory: await deps.directory.get(),
    monitored: msg.agency_code,
    internalDate: msg.internal_date,
    receivedAt: msg.fetched_at,
    freeMailDomains: deps.config.freeMailDomains,
    limits: analysisLimits(deps.config),
  });
  // One transaction: the facts and the message row are written together or not at all.
  await writeAnalysis(deps.pool, msg.id, analysis);
  // The documents this analysis had to read, for the other processes (best effort, after the facts).
  await sharedFacts.flush();
  return analysis.message.state;
}

/** Records a message whose analysis failed for good (after the last retry): it stays countable. */
export async function markFailed(pool: Pool, messageRowId: number, reason: string): Promise<void> {
  await pool.query(`UPDATE messages SET state = 'failed', state_reason = $2, attempts = attempts + 1 WHERE id = $1`, [
    messageRowId,
    reason.slice(0, 2000),
  ]);
}
