// The demo: a province's official mail, generated, loaded into the local Dovecot over IMAP, synced
// and analyzed by the real pipeline (queues, workers, Postgres), ending with a summary table and
// the quarter's HTML report. It uses its own database (<name>_demo), queue prefix and raw store so
// it never touches production data, and starts from scratch on every run.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { repoRoot } from '../config/paths.js';
import { loadDirectoryFile } from '../config/directory-file.js';
import { seal } from '../crypto/secrets.js';
import { addressesWithHistory, applyAccountPlan, currentAccounts, lockAccounts } from '../db/accounts.js';
import { trustAnchors } from '../analyze/signatures/trust.js';
import { upsertAgencies } from '../db/agencies.js';
import { insertMailbox } from '../db/mailboxes.js';
import { migrate } from '../db/migrate.js';
import { pgSettings, withTransaction } from '../db/pool.js';
import { parseAccountList, planAccountImport } from '../domain/accounts.js';
import { parsePeriod } from '../domain/period.js';
import type { Agency } from '../domain/types.js';
import { devDovecot, ensureImapUser, waitForImap } from '../devenv/dovecot.js';
import { ServiceError } from '../errors.js';
import { runSyncPass } from '../pipeline/sync-pass.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { generateCorpus, type GeneratedMessage, type GeneratedTruth } from './corpus.js';
import type { StoredFacts } from './accuracy.js';
import { demoAccounts, demoAccountsCsv } from './accounts.js';
import { demoCaPem } from './signing.js';

export const DEMO_MONITORED = [
  '000.00.00.H30', // UBND tỉnh
  '000.00.02.H30', // Sở Nội vụ
  '000.00.03.H30', // Sở Tài chính
  '000.00.09.H30', // Sở Y tế
  '000.00.10.H30', // Sở Khoa học và Công nghệ
  '000.31.01.H30', // Phường Minh Sơn
  '000.32.01.H30', // Xã Tân Lập
  '000.34.01.H30', // Xã Nậm Khắt
];

export const imapUserOf = (code: string): string => `mb-${code.toLowerCase().replace(/\./g, '-')}`;

export function demoDatabaseUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const name = u.pathname.replace(/^\//, '') || 'edocwatch';
  u.pathname = `/${name.endsWith('_demo') ? name : `${name}_demo`}`;
  return u.toString();
}

/** The configured prefix with `-demo` inside its braces: `{edocwatch}` → `{edocwatch-demo}` (one Redis Cluster slot still). */
export function demoQueuePrefix(prefix: string): string {
  const inner = prefix.replace(/^\{(.*)\}$/, '$1');
  return `{${inner.endsWith('-demo') ? inner : `${inner}-demo`}}`;
}

async function recreateDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = new pg.Client(pgSettings(u.toString()));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Appends generated messages to their mailboxes' folders, keeping one IMAP connection per mailbox. */
export async function loadIntoImap(
  messages: AsyncIterable<GeneratedMessage> | Iterable<GeneratedMessage>,
  passwords: Map<string, string>,
  onCount?: (n: number) => void,
): Promise<number> {
  const dd = devDovecot();
  const clients = new Map<string, ImapFlow>();
  let n = 0;
  try {
    for await (const m of messages) {
      let c = clients.get(m.mailbox);
      if (!c) {
        c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: imapUserOf(m.mailbox), pass: passwords.get(m.mailbox) ?? '' }, logger: false });
        c.on('error', () => undefined);
        await c.connect();
        clients.set(m.mailbox, c);
      }
      await c.append(m.folder, m.raw, [], m.internalDate);
      n++;
      if (n % 100 === 0) onCount?.(n);
    }
  } finally {
    for (const c of clients.values()) await c.logout().catch(() => c.close());
  }
  return n;
}

export interface DemoOptions {
  count: number;
  out: string;
  period?: string;
  seed?: number;
  log?: (s: string) => void;
}

export interface DemoResult {
  runtimeConfig: Config;
  period: string;
  generated: number;
  mailboxes: number;
  reportFile: string | null;
}

/** Prepares the demo database, users and mail; returns an open runtime on the demo database. */
export async function prepareDemo(
  base: Config,
  opts: DemoOptions,
): Promise<{ rt: Runtime; agencies: Agency[]; generated: number; truths: GeneratedTruth[] }> {
  const say = opts.log ?? (() => undefined);
  const dd = devDovecot();
  try {
    await waitForImap(dd.port, 5_000);
  } catch {
    throw new ServiceError('E_IMAP_UNREACHABLE', `Dovecot không chạy / the local Dovecot is not answering on ${dd.host}:${dd.port}: run \`bash scripts/services.sh up\` first (npm run demo does)`);
  }
  const databaseUrl = demoDatabaseUrl(base.databaseUrl);
  const config: Config = {
    ...base,
    databaseUrl,
    queuePrefix: demoQueuePrefix(base.queuePrefix),
    rawStore: path.join(repoRoot(), '.tmp', decodeURIComponent(new URL(databaseUrl).pathname.slice(1)), 'raw'),
    secretKey: base.secretKey ?? randomBytes(32),
  };
  say(`Cơ sở dữ liệu demo / demo database: ${new URL(config.databaseUrl).pathname.slice(1)}`);
  await recreateDatabase(config.databaseUrl);
  await migrate(config.databaseUrl);
  await rm(config.rawStore, { recursive: true, force: true });
  // The demo CA that signs the generated documents, trusted beside the configured anchors (the
  // analyze processes that sync starts read the same file).
  const caFile = path.join(path.dirname(config.rawStore), 'demo-ca.pem');
  await mkdir(path.dirname(caFile), { recursive: true });
  await writeFile(caFile, demoCaPem());
  config.analyze = {
    ...config.analyze,
    anchors: trustAnchors([...config.analyze.anchors.certs, new X509Certificate(demoCaPem())]),
    trustAnchorPaths: [...config.analyze.trustAnchorPaths, caFile],
  };
  const agencies = await loadDirectoryFile(config.directoryFile);
  const rt = await createRuntime({ config });
  try {
    await withTransaction(rt.pool, (tx) => upsertAgencies(tx, agencies));
    // A clean slate in Redis for the demo's own prefix.
    for (const q of Object.values({ s: rt.queues().sync, a: rt.queues().analyze, r: rt.queues().report })) await q.obliterate({ force: true });

    const passwords = new Map<string, string>();
    for (const code of DEMO_MONITORED) {
      const password = randomBytes(12).toString('base64url');
      passwords.set(code, password);
      await ensureImapUser(imapUserOf(code), password, { reset: true });
      await insertMailbox(rt.pool, {
        agencyCode: code,
        host: dd.host,
        port: dd.port,
        security: 'none',
        username: imapUserOf(code),
        secretEnc: seal(password, config.secretKey as Buffer),
        folders: ['INBOX'],
        tlsInsecure: false,
      });
    }
    const period = parsePeriod(opts.period ?? '2026-Q3');
    say(`Sinh ${opts.count} thư và nạp vào Dovecot qua IMAP / generating ${opts.count} mails and appending them over IMAP…`);
    const truths: GeneratedTruth[] = [];
    async function* keepTruth(): AsyncGenerator<GeneratedMessage> {
      for await (const m of generateCorpus({ count: opts.count, seed: opts.seed ?? 2026, period: { start: period.start, end: period.end }, agencies, monitored: DEMO_MONITORED })) {
        truths.push(m.truth);
        yield m;
      }
    }
    const generated = await loadIntoImap(keepTruth(), passwords);
    const accounts = await importDemoAccounts(rt, agencies, truths, period.start, opts);
    say(`Đã nhập ${accounts.count} tài khoản thư công vụ từ / imported ${accounts.count} official accounts from ${accounts.file}`);
    return { rt, agencies, generated, truths };
  } catch (err) {
    await rt.close();
    throw err;
  }
}

/**
 * K7's account list: written where the report goes, as the CSV an administrator would export from
 * the mail system, then read by the parser of `edocwatch accounts import` and stored the same way
 * (one transaction, versions open from each account's creation date).
 */
async function importDemoAccounts(rt: Runtime, agencies: Agency[], truths: GeneratedTruth[], periodStart: Date, opts: DemoOptions): Promise<{ count: number; file: string }> {
  const list = demoAccounts(agencies, truths.flatMap((t) => t.agencyAddresses), periodStart, opts.seed ?? 2026);
  const file = path.join(opts.out, 'tai-khoan-thu-cong-vu.csv');
  await mkdir(opts.out, { recursive: true });
  const csv = demoAccountsCsv(list);
  await writeFile(file, csv);
  const agencyOf = new Map(list.map((a) => [a.address, a.agencyCode]));
  const placed = parseAccountList(csv).accounts.map((a) => ({ ...a, agencyCode: agencyOf.get(a.address) as string }));
  const at = new Date();
  await withTransaction(rt.pool, async (tx) => {
    await lockAccounts(tx);
    const plan = planAccountImport(await currentAccounts(tx), placed, 'csv:by-domain', at, await addressesWithHistory(tx, placed.map((a) => a.address)));
    await applyAccountPlan(tx, plan, 'csv:by-domain', at);
  });
  return { count: placed.length, file };
}

export async function syncDemo(rt: Runtime, say: (s: string) => void): Promise<Awaited<ReturnType<typeof runSyncPass>>> {
  say('Đồng bộ và phân tích / syncing and analyzing…');
  return runSyncPass(rt);
}

/**
 * What the pipeline stored for each message, keyed by Message-ID, for the accuracy check: the
 * labels each mail's own analysis gave (its sightings; an exchange merges the mails that carry
 * the same document, docs/architecture.md).
 */
export async function storedFacts(rt: Runtime): Promise<Map<string, StoredFacts>> {
  const { rows } = await rt.pool.query<{ mid: string; state: string; forms: Array<string | null>; digs: string[]; secrets: boolean[]; signed: boolean[]; transmitted: string[] }>(
    `SELECT lower(trim(both '<>' from m.message_id)) AS mid, min(m.state) AS state,
            coalesce(array_agg(s.form) FILTER (WHERE s.exchange_id IS NOT NULL), '{}') AS forms,
            coalesce(array_agg(s.digitization) FILTER (WHERE s.exchange_id IS NOT NULL), '{}') AS digs,
            coalesce(array_agg(s.secret) FILTER (WHERE s.exchange_id IS NOT NULL), '{}') AS secrets,
            coalesce(array_agg(s.signed) FILTER (WHERE s.exchange_id IS NOT NULL), '{}') AS signed,
            coalesce((SELECT array_agg(DISTINCT d.ref) FROM message_documents md JOIN documents d ON d.id = md.document_id
                       JOIN messages m2 ON m2.id = md.message_id
                      WHERE m2.message_id = m.message_id AND md.role = 'transmitted'), '{}') AS transmitted
       FROM messages m
       LEFT JOIN exchange_sightings s ON s.message_id = m.id
      WHERE m.message_id IS NOT NULL
      GROUP BY m.message_id`,
  );
  return new Map(rows.map((r) => [r.mid, { state: r.state, forms: r.forms, digitizations: r.digs, secrets: r.secrets, signed: r.signed, transmitted: r.transmitted }]));
}
