// `edocwatch inspect FILE.eml [--agency CODE] [--directory FILE]`: the whole analysis of one message
// as JSON, without a database. Exits non-zero only when the file cannot be read or an argument is wrong.
// `edocwatch inspect --message ID`: the same for a stored message (its raw object from the raw
// store, the directory of the database, its mailbox's agency as the monitored side), with the
// active overrides of its exchanges applied — what the statistics count — each overridden label's
// evidence being `{ label, value, rule: 'override', detail: { by, at, reason, before } }`.
import { readFile } from 'node:fs/promises';
import { analyzeMessage, type MessageAnalysis, type PlannedExchange } from '../analyze/message.js';
import { loadConfig, type Config } from '../config/config.js';
import { loadDirectoryFile } from '../config/directory-file.js';
import { buildDirectory } from '../domain/directory.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Out } from './main.js';

function limitsOf(config: Config) {
  return {
    maxBytes: config.analyze.maxAttachmentBytes,
    maxPages: config.analyze.maxPdfPages,
    maxTextChars: 200_000,
    timeoutMs: config.analyze.attachmentTimeoutMs,
    archive: config.analyze.archive,
    ocr: config.analyze.ocr,
    anchors: config.analyze.anchors,
  };
}

type Shown = Omit<MessageAnalysis, 'exchanges' | 'evidence'> & { evidence: unknown[] };

function render(a: Shown, exchanges: Array<Pick<PlannedExchange, 'documentRef' | 'sender' | 'receiver' | 'labels'>>): string {
  return JSON.stringify({ ...a, exchanges: exchanges.map((e) => ({ document: e.documentRef, sender: e.sender.address, receiver: e.receiver.address, labels: e.labels })) }, null, 2);
}

export async function runInspect(io: Out, file: string | undefined, o: { agency?: string; directory?: string; message?: number }): Promise<number> {
  if (o.message !== undefined) {
    if (file !== undefined) throw new UsageError('inspect: một tệp HOẶC --message / give FILE.eml or --message ID, not both');
    if (o.agency !== undefined || o.directory !== undefined)
      throw new UsageError("inspect --message: --agency và --directory chỉ dùng với tệp / --agency and --directory apply to FILE only (a stored message uses its mailbox's agency and the database's directory)");
    return inspectStored(io, o.message);
  }
  if (file === undefined) throw new UsageError('inspect: cần tệp .eml hoặc --message ID / give FILE.eml or --message ID');
  const config = loadConfig();
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new UsageError(`không đọc được tệp / cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const directory = buildDirectory(await loadDirectoryFile(o.directory ?? config.directoryFile));
  if (o.agency && !directory.agencies.has(o.agency)) throw new UsageError(`không có cơ quan / unknown agency code ${o.agency} in the directory`);
  const a = await analyzeMessage(raw, {
    directory,
    monitored: o.agency ?? null,
    internalDate: null,
    receivedAt: new Date(),
    freeMailDomains: config.freeMailDomains,
    limits: limitsOf(config),
  });
  const { exchanges, ...rest } = a;
  io.out(render(rest, exchanges));
  return 0;
}

async function inspectStored(io: Out, id: number): Promise<number> {
  // Loaded here: `inspect FILE.eml` never opens a database connection or loads pg.
  const [{ withRuntime }, { findStoredMessage }, { activeOverridesByKey }, { applyOverrides }] = await Promise.all([
    import('./context.js'),
    import('../db/messages.js'),
    import('../db/overrides.js'),
    import('../domain/overrides.js'),
  ]);
  return withRuntime(async (rt) => {
    const m = await findStoredMessage(rt.pool, id);
    if (!m) throw new NotFoundError(`không có thư / no stored message with id ${id}`);
    let raw: Buffer;
    try {
      raw = await rt.store.get(m.sha256);
    } catch (err) {
      throw new NotFoundError(`thư ${id} không còn trong kho thư gốc / message ${id}: raw object ${m.sha256} is missing from the raw store (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const directory = await rt.directory.get();
    const a = await analyzeMessage(raw, {
      directory,
      monitored: m.agency_code,
      internalDate: m.internal_date,
      receivedAt: m.fetched_at,
      freeMailDomains: rt.config.freeMailDomains,
      limits: limitsOf(rt.config),
    });
    const overrides = await activeOverridesByKey(rt.pool, a.exchanges.map((e) => e.key), directory);
    const shown = a.exchanges.map((e) => {
      const r = applyOverrides(e, overrides.get(e.key) ?? [], directory);
      return { ...e, labels: r.labels, evidence: r.evidence, documentRef: r.documentRef };
    });
    const { exchanges: _planned, ...rest } = a;
    const main = shown[0];
    // `labels` and `evidence` are the main exchange's (DESIGN.md); without an exchange they stay the analysis's.
    io.out(render(main ? { ...rest, labels: main.labels, evidence: main.evidence } : rest, shown));
    return 0;
  });
}
