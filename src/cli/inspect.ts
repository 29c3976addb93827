// `edocwatch inspect FILE.eml [--agency CODE] [--directory FILE]`: the whole analysis of one message
// as JSON, without a database. Exits non-zero only when the file cannot be read or an argument is wrong.
import { readFile } from 'node:fs/promises';
import { analyzeMessage } from '../analyze/message.js';
import { loadConfig } from '../config/config.js';
import { loadDirectoryFile } from '../config/directory-file.js';
import { buildDirectory } from '../domain/directory.js';
import { UsageError } from '../errors.js';
import type { Out } from './main.js';

export async function runInspect(io: Out, file: string, o: { agency?: string; directory?: string }): Promise<number> {
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
    limits: {
      maxBytes: config.analyze.maxAttachmentBytes,
      maxPages: config.analyze.maxPdfPages,
      maxTextChars: 200_000,
      timeoutMs: config.analyze.attachmentTimeoutMs,
      archive: config.analyze.archive,
      ocr: config.analyze.ocr,
      anchors: config.analyze.anchors,
    },
  });
  const { exchanges, ...rest } = a;
  io.out(JSON.stringify({ ...rest, exchanges: exchanges.map((e) => ({ document: e.documentRef, sender: e.sender.address, receiver: e.receiver.address, labels: e.labels })) }, null, 2));
  return 0;
}
