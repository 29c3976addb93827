// Configuration: config/default.yaml, then the YAML file named by EDOCWATCH_CONFIG, then environment
// variables. Parsed once at start and validated with zod; every bad value is reported together so an
// operator fixes them in one go. The only I/O here is reading the YAML files.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { repoRoot } from './paths.js';
import { EdocError } from '../errors.js';
import { KPI_IDS, type KpiId } from '../domain/kpi.js';
import { numberPatternProblems } from '../report/model.js';
import type { OcrOptions } from '../analyze/ocr.js';
import type { TrustAnchors } from '../analyze/signatures/trust.js';
import { loadTrustAnchors } from './trust-anchors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const TARGET_RE = /^(>=|<=|>|<)\s*(0(\.\d+)?|1(\.0+)?)$/;

const urlWith = (protocols: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  database_url: urlWith(['postgres:', 'postgresql:']),
  redis_url: urlWith(['redis:', 'rediss:']),
  // Seed nodes of a Redis Cluster ("host:port"); empty: the single Redis of redis_url. With a
  // cluster, redis_url still gives the user, password and TLS (rediss:).
  redis_cluster: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))])
    .pipe(z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):\d{1,5}$/, 'must be host:port'))),
  secret_key: z
    .string()
    .nullable()
    .refine((s) => s === null || Buffer.from(s, 'base64').length === 32, {
      message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
    }),
  smtp_url: urlWith(['smtp:', 'smtps:']).nullable(),
  raw_store: z.string().min(1).refine((s) => !s.startsWith('s3://'), {
    message: 's3:// raw stores are not supported yet; use a folder (a shared volume for several hosts)',
  }),
  queue_prefix: z.string().min(1).regex(/^[^:\s]+$/, 'must not contain ":" or spaces'),
  queue_lock_ms: positiveInt.min(1000),
  queue_stalled_interval_ms: positiveInt.min(1000),
  log_level: z.enum(LOG_LEVELS),
  directory_file: z.string().min(1),
  time_zone: z.literal('Asia/Ho_Chi_Minh', { message: 'must be Asia/Ho_Chi_Minh (the directive is provincial)' }),
  sync: z.object({
    poll_interval_seconds: positiveInt.max(86_400),
    idle: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    idle_restart_seconds: positiveInt.max(1740),
    fetch_batch: positiveInt.max(5000),
    fetch_batch_bytes: positiveInt.min(65_536),
    stream_above_bytes: positiveInt.min(65_536),
    max_messages_per_second: z.coerce.number().min(0),
    max_message_bytes: positiveInt,
    connection_timeout_ms: positiveInt,
    greeting_timeout_ms: positiveInt,
    socket_timeout_ms: positiveInt,
    folders: z.array(z.string().min(1)),
  }),
  analyze: z.object({
    concurrency: positiveInt.max(256),
    extra_processes: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(64)]),
    max_attachment_bytes: positiveInt,
    max_pdf_pages: positiveInt,
    attachment_timeout_ms: positiveInt,
    archive_max_depth: positiveInt.max(32),
    archive_max_entries: positiveInt,
    archive_max_total_bytes: positiveInt,
    archive_max_ratio: positiveInt,
    // Root certificates (PEM/DER files or folders of them) that digital signatures must chain to.
    trust_anchors: z.union([
      z.array(z.string().min(1)),
      z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    ]),
    ocr: z.object({
      enabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
      languages: z.string().regex(/^[A-Za-z_]+(\+[A-Za-z_]+)*$/, 'must be tesseract languages joined by "+", e.g. vie+eng'),
      timeout_ms: positiveInt,
      max_pages: positiveInt.max(10_000),
      max_pixels: positiveInt,
      command: z.string().min(1),
    }),
  }),
  reports: z.object({
    // The From of report emails, e.g. "Sở Thông tin và Truyền thông <baocao@stttt.sonminh.gov.vn>".
    from: z.string().min(3).nullable(),
    recipients: z.object({
      province: z.array(z.string().email()),
      agencies: z.record(z.string().min(1), z.array(z.string().email())),
    }),
    // The issuing body (an agency code of the directory; null: the Provincial PC), its symbol in
    // report numbers (null: its name's initials), the number pattern and the place of the date line
    // (null: the Provincial PC's province name). Checked against the directory when a report is built.
    issuer: z.string().min(1).nullable(),
    issuer_symbol: z.string().regex(/^[A-ZĐ0-9][A-ZĐ0-9-]{0,19}$/, 'must be upper-case letters, digits and "-", e.g. SKHCN').nullable(),
    number_pattern: z.string().max(60).superRefine((s, ctx) => {
      for (const p of numberPatternProblems(s)) ctx.addIssue({ code: 'custom', message: p });
    }),
    place: z.string().trim().min(1).max(60).nullable(),
    lang: z.enum(['vi', 'en']),
    rank_by: z.string().refine((k) => (KPI_IDS as readonly string[]).includes(k) && k !== 'K7', { message: `must be a KPI id other than K7 (${KPI_IDS.filter((k) => k !== 'K7').join(', ')})` }),
    signer: z.object({ title: z.string().min(1).nullable(), name: z.string().min(1).nullable() }),
  }),
  accounts: z.object({
    // K7's account list from an LDAP directory (`edocwatch accounts sync-ldap`); url null: none.
    ldap: z.object({
      url: urlWith(['ldap:', 'ldaps:']).nullable(),
      bind_dn: z.string().min(1).nullable(),
      password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
      base_dn: z.string().min(1).nullable(),
      filter: z.string().regex(/^\(.*\)$/, 'must be an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson)'),
      scope: z.enum(['base', 'one', 'sub']),
      timeout_ms: positiveInt,
      page_size: positiveInt.max(100_000),
      attributes: z.object({
        address: z.string().min(1),
        display_name: z.string().min(1).nullable(),
        status: z.string().min(1).nullable(),
        created: z.string().min(1).nullable(),
        last_login: z.string().min(1).nullable(),
      }),
    }),
  }),
  // `edocwatch worker` serves Prometheus /metrics (its jobs, its process) on this port; null: off.
  worker_metrics: z.object({
    port: z.coerce.number().int().min(1).max(65_535).nullable(),
    host: z.string().min(1),
  }),
  web: z.object({
    trust_proxy: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    cookie_secure: z.union([z.boolean(), z.enum(['true', 'false', 'auto'])]).transform((v) => (v === 'true' ? true : v === 'false' ? false : v)),
    session_hours: positiveInt.max(24 * 30),
    login_per_ip_per_minute: positiveInt.max(10_000),
    login_failures_per_account: positiveInt.max(1000),
    login_failure_window_seconds: positiveInt.max(86_400),
  }),
  free_mail_domains: z.array(z.string().min(3).transform((s) => s.toLowerCase())),
  targets: z.record(
    z.string().regex(/^\d{4}$/, 'must be a year'),
    z.record(
      z.string().refine((k) => (KPI_IDS as readonly string[]).includes(k), { message: `must be a KPI id (${KPI_IDS.join(', ')})` }),
      z.string().regex(TARGET_RE, 'must look like ">=0.55" or "<0.5"'),
    ),
  ),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  redisCluster: string[];
  secretKey: Buffer | null;
  smtpUrl: string | null;
  rawStore: string;
  queuePrefix: string;
  queueLockMs: number;
  queueStalledIntervalMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  directoryFile: string;
  sync: {
    pollIntervalSeconds: number;
    idle: boolean;
    /** IDLE is ended and begun again this often, so a connection that died silently is noticed. */
    idleRestartSeconds: number;
    fetchBatch: number;
    /** A FETCH of bodies holds at most this many bytes of sources (larger batches are split). */
    fetchBatchBytes: number;
    /** Messages larger than this are streamed to the raw store in chunks, one at a time. */
    streamAboveBytes: number;
    /** Default per-mailbox fetch rate (messages per second; 0 = no limit). */
    maxMessagesPerSecond: number;
    maxMessageBytes: number;
    connectionTimeoutMs: number;
    greetingTimeoutMs: number;
    socketTimeoutMs: number;
    folders: string[];
  };
  analyze: {
    concurrency: number;
    extraProcesses: number;
    maxAttachmentBytes: number;
    maxPdfPages: number;
    attachmentTimeoutMs: number;
    /** Limits on looking inside containers (src/analyze/container.ts). */
    archive: { maxDepth: number; maxEntries: number; maxTotalBytes: number; maxRatio: number };
    ocr: OcrOptions;
    /** Trust anchors for signatures (analyze.trust_anchors), read at start (src/config/trust-anchors.ts). */
    anchors: TrustAnchors;
    /** The configured paths, as given. */
    trustAnchorPaths: string[];
  };
  reports: {
    from: string | null;
    recipients: { province: string[]; agencies: Record<string, string[]> };
    /** Agency code of the issuing body; null: the Provincial PC of the directory. */
    issuer: string | null;
    /** The issuer's abbreviation in report numbers; null: from its name. */
    issuerSymbol: string | null;
    /** e.g. `{seq}/BC-{issuer}` (placeholders {seq} {issuer} {year} {period}). */
    numberPattern: string;
    /** The place of the date line ("Sơn Minh"); null: the Provincial PC's province. */
    place: string | null;
    lang: 'vi' | 'en';
    /** The KPI agencies are ranked by. */
    rankBy: KpiId;
    /** The signature block (both or neither). */
    signer: { title: string; name: string } | null;
  };
  accounts: { ldap: LdapConfig };
  /** The Prometheus listener of worker processes (docs/deployment.md); port null: none. */
  workerMetrics: { port: number | null; host: string };
  /** The web application of `serve` (docs/web.md). */
  web: {
    /** Behind a reverse proxy: client address from X-Forwarded-For, https from X-Forwarded-Proto. */
    trustProxy: boolean;
    /** Cookies' Secure flag: always, never, or 'auto' (when the request came over https). */
    cookieSecure: boolean | 'auto';
    sessionHours: number;
    loginPerIpPerMinute: number;
    loginFailuresPerAccount: number;
    loginFailureWindowSeconds: number;
  };
  freeMailDomains: string[];
  targets: Record<string, Record<string, { op: '>=' | '>' | '<' | '<='; value: number }>>;
}

/** `accounts.ldap`: where `accounts sync-ldap` reads the official accounts. */
export interface LdapConfig {
  url: string | null;
  bindDn: string | null;
  /** The environment variable holding the bind password (never the password itself). */
  passwordEnv: string;
  baseDn: string | null;
  filter: string;
  scope: 'base' | 'one' | 'sub';
  timeoutMs: number;
  /** Entries per page of the paged search (RFC 2696). */
  pageSize: number;
  /** LDAP attribute of each account field; null: not read. */
  attributes: { address: string; displayName: string | null; status: string | null; created: string | null; lastLogin: string | null };
}

/** Environment variables and the config key each one overrides. */
export const ENV_KEYS: Record<string, string> = {
  DATABASE_URL: 'database_url',
  REDIS_URL: 'redis_url',
  REDIS_CLUSTER: 'redis_cluster',
  EDOCWATCH_SECRET_KEY: 'secret_key',
  SMTP_URL: 'smtp_url',
  RAW_STORE: 'raw_store',
  EDOCWATCH_QUEUE_PREFIX: 'queue_prefix',
  EDOCWATCH_QUEUE_LOCK_MS: 'queue_lock_ms',
  EDOCWATCH_QUEUE_STALLED_MS: 'queue_stalled_interval_ms',
  LOG_LEVEL: 'log_level',
  EDOCWATCH_DIRECTORY: 'directory_file',
  EDOCWATCH_ANALYZE_CONCURRENCY: 'analyze.concurrency',
  EDOCWATCH_FETCH_BATCH: 'sync.fetch_batch',
  EDOCWATCH_POLL_SECONDS: 'sync.poll_interval_seconds',
  EDOCWATCH_IDLE: 'sync.idle',
  EDOCWATCH_ANALYZE_PROCESSES: 'analyze.extra_processes',
  EDOCWATCH_OCR: 'analyze.ocr.enabled',
  EDOCWATCH_LDAP_URL: 'accounts.ldap.url',
  EDOCWATCH_LDAP_BIND_DN: 'accounts.ldap.bind_dn',
  EDOCWATCH_LDAP_BASE_DN: 'accounts.ldap.base_dn',
  EDOCWATCH_TRUST_PROXY: 'web.trust_proxy',
  EDOCWATCH_WORKER_METRICS_PORT: 'worker_metrics.port',
  EDOCWATCH_WORKER_METRICS_HOST: 'worker_metrics.host',
  EDOCWATCH_COOKIE_SECURE: 'web.cookie_secure',
  EDOCWATCH_TRUST_ANCHORS: 'analyze.trust_anchors',
  EDOCWATCH_REPORT_ISSUER: 'reports.issuer',
  EDOCWATCH_REPORT_LANG: 'reports.lang',
};

export class ConfigError extends EdocError {
  constructor(public readonly problems: string[]) {
    super(
      'E_CONFIG',
      problems.length === 1
        ? `cấu hình không hợp lệ / invalid configuration: ${problems[0]}`
        : `cấu hình không hợp lệ / invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      2,
    );
  }
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  try {
    const doc: unknown = parseYaml(text);
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the top level must be a mapping');
    return doc as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`]);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (!isRecord(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function parseTarget(s: string): { op: '>=' | '>' | '<' | '<='; value: number } {
  const m = TARGET_RE.exec(s.trim()) as RegExpExecArray;
  return { op: m[1] as '>=' | '>' | '<' | '<=', value: Number(m[2]) };
}

/** Loads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const root = repoRoot();
  let raw = readYaml(path.join(root, 'config', 'default.yaml'));
  if (env.EDOCWATCH_CONFIG) raw = deepMerge(raw, readYaml(env.EDOCWATCH_CONFIG));
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, key, v);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const envFor = Object.fromEntries(Object.entries(ENV_KEYS).map(([e, k]) => [k, e]));
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        const hint = envFor[key] ? ` (${envFor[key]})` : '';
        const shown = key === 'secret_key' ? '' : valueAt(raw, i.path);
        return `${key || '(top level)'}${hint}: ${i.message}${shown}`;
      }),
    );
  }
  const c = parsed.data;
  const trust = loadTrustAnchors(c.analyze.trust_anchors);
  if (trust.problems.length > 0) throw new ConfigError(trust.problems.map((p) => `analyze.trust_anchors (EDOCWATCH_TRUST_ANCHORS): ${p}`));
  return {
    databaseUrl: c.database_url,
    redisUrl: c.redis_url,
    redisCluster: c.redis_cluster,
    secretKey: c.secret_key === null ? null : Buffer.from(c.secret_key, 'base64'),
    smtpUrl: c.smtp_url,
    rawStore: path.resolve(c.raw_store),
    queuePrefix: c.queue_prefix,
    queueLockMs: c.queue_lock_ms,
    queueStalledIntervalMs: c.queue_stalled_interval_ms,
    logLevel: c.log_level,
    directoryFile: path.isAbsolute(c.directory_file) ? c.directory_file : path.join(root, c.directory_file),
    sync: {
      pollIntervalSeconds: c.sync.poll_interval_seconds,
      idle: c.sync.idle,
      idleRestartSeconds: c.sync.idle_restart_seconds,
      fetchBatch: c.sync.fetch_batch,
      fetchBatchBytes: c.sync.fetch_batch_bytes,
      streamAboveBytes: c.sync.stream_above_bytes,
      maxMessagesPerSecond: c.sync.max_messages_per_second,
      maxMessageBytes: c.sync.max_message_bytes,
      connectionTimeoutMs: c.sync.connection_timeout_ms,
      greetingTimeoutMs: c.sync.greeting_timeout_ms,
      socketTimeoutMs: c.sync.socket_timeout_ms,
      folders: c.sync.folders,
    },
    analyze: {
      concurrency: c.analyze.concurrency,
      extraProcesses: c.analyze.extra_processes === 'auto' ? Math.max(0, availableParallelism() - 1) : c.analyze.extra_processes,
      maxAttachmentBytes: c.analyze.max_attachment_bytes,
      maxPdfPages: c.analyze.max_pdf_pages,
      attachmentTimeoutMs: c.analyze.attachment_timeout_ms,
      archive: {
        maxDepth: c.analyze.archive_max_depth,
        maxEntries: c.analyze.archive_max_entries,
        maxTotalBytes: c.analyze.archive_max_total_bytes,
        maxRatio: c.analyze.archive_max_ratio,
      },
      ocr: {
        enabled: c.analyze.ocr.enabled,
        languages: c.analyze.ocr.languages,
        timeoutMs: c.analyze.ocr.timeout_ms,
        maxPages: c.analyze.ocr.max_pages,
        maxPixels: c.analyze.ocr.max_pixels,
        command: c.analyze.ocr.command,
      },
      anchors: trust.anchors,
      trustAnchorPaths: c.analyze.trust_anchors,
    },
    reports: {
      from: c.reports.from,
      recipients: { province: c.reports.recipients.province, agencies: c.reports.recipients.agencies },
      issuer: c.reports.issuer,
      issuerSymbol: c.reports.issuer_symbol,
      numberPattern: c.reports.number_pattern,
      place: c.reports.place,
      lang: c.reports.lang,
      rankBy: c.reports.rank_by as KpiId,
      signer: c.reports.signer.title && c.reports.signer.name ? { title: c.reports.signer.title, name: c.reports.signer.name } : null,
    },
    accounts: {
      ldap: {
        url: c.accounts.ldap.url,
        bindDn: c.accounts.ldap.bind_dn,
        passwordEnv: c.accounts.ldap.password_env,
        baseDn: c.accounts.ldap.base_dn,
        filter: c.accounts.ldap.filter,
        scope: c.accounts.ldap.scope,
        timeoutMs: c.accounts.ldap.timeout_ms,
        pageSize: c.accounts.ldap.page_size,
        attributes: {
          address: c.accounts.ldap.attributes.address,
          displayName: c.accounts.ldap.attributes.display_name,
          status: c.accounts.ldap.attributes.status,
          created: c.accounts.ldap.attributes.created,
          lastLogin: c.accounts.ldap.attributes.last_login,
        },
      },
    },
    workerMetrics: { port: c.worker_metrics.port, host: c.worker_metrics.host },
    web: {
      trustProxy: c.web.trust_proxy,
      cookieSecure: c.web.cookie_secure as boolean | 'auto',
      sessionHours: c.web.session_hours,
      loginPerIpPerMinute: c.web.login_per_ip_per_minute,
      loginFailuresPerAccount: c.web.login_failures_per_account,
      loginFailureWindowSeconds: c.web.login_failure_window_seconds,
    },
    freeMailDomains: c.free_mail_domains,
    targets: Object.fromEntries(
      Object.entries(c.targets).map(([y, t]) => [y, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, parseTarget(v)]))]),
    ),
  };
}

function valueAt(raw: unknown, p: PropertyKey[]): string {
  let cur: unknown = raw;
  for (const k of p) {
    if (!isRecord(cur) && !Array.isArray(cur)) return '';
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  if (cur === undefined) return ' (missing)';
  if (typeof cur === 'object') return '';
  return ` (got ${JSON.stringify(cur)})`;
}
