// The `edocwatch` command (DESIGN.md "Interfaces"): argument parsing with commander, one module per
// command. Errors reach the operator as one line `edocwatch: …` and a non-zero exit, never a stack
// trace (set LOG_LEVEL=debug to see one).
import { Command, CommanderError, Option } from 'commander';
import { EdocError } from '../errors.js';
import { ConfigError } from '../config/config.js';

export type Out = { out: (s: string) => void; err: (s: string) => void };

const stdio: Out = {
  out: (s) => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => void process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

function intArg(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new EdocError('E_USAGE', `${name} phải là số nguyên / must be a whole number (got ${JSON.stringify(v)})`, 2);
    return Number(v);
  };
}

// Command modules are imported when their command runs: `--help`, `refs` or `inspect` must not pay
// for loading BullMQ, imapflow and the PDF reader.
export function buildProgram(io: Out, setCode: (c: number) => void): Command {
  const program = new Command('edocwatch')
    .description('Đo lường trao đổi văn bản điện tử qua thư công vụ / measures official document exchange by email')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });


  program.command('migrate').description('tạo hoặc nâng cấp lược đồ CSDL / create or upgrade the schema')
    .action(async () => setCode(await (await import('./migrate.js')).runMigrate(io)));

  const agency = program.command('agency').description('danh bạ cơ quan / the agency directory');
  agency.command('import').argument('<file>', 'YAML or CSV directory file').description('nạp danh bạ / load the directory')
    .action(async (file: string) => setCode(await (await import('./agency.js')).runAgencyImport(io, file)));
  agency.command('list').option('--json', 'JSON array').description('liệt kê / list agencies')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./agency.js')).runAgencyList(io, Boolean(o.json))));

  const accounts = program.command('accounts').description('tài khoản thư công vụ (K7) / official email accounts (K7)');
  accounts.command('import').argument('<file>', 'CSV account list exported by the mail system')
    .description('nhập danh sách tài khoản / import an account list (CSV, Vietnamese or English headers)')
    .option('--agency <code>', 'every account belongs to this agency')
    .option('--by-domain', 'place each account under its agency by address or domain (directory)')
    .option('--skip-unmatched', 'with --by-domain: leave out accounts of no agency instead of refusing the file')
    .option('--as-of <date>', 'when the list was exported (YYYY-MM-DD or ISO instant; default now)')
    .option('--json', 'JSON summary')
    .action(async (file: string, o: Record<string, unknown>) => setCode(await (await import('./accounts.js')).runAccountsImport(io, file, o)));
  accounts.command('sync-ldap').description('đồng bộ tài khoản từ LDAP / read the accounts from the LDAP directory (accounts.ldap)')
    .option('--skip-unmatched', 'leave out accounts of no agency instead of refusing the list')
    .option('--as-of <date>', 'when the directory was read (YYYY-MM-DD or ISO instant; default now)')
    .option('--json', 'JSON summary')
    .action(async (o: Record<string, unknown>) => setCode(await (await import('./accounts.js')).runAccountsSyncLdap(io, o)));
  accounts.command('list').description('liệt kê tài khoản / list the accounts')
    .option('--agency <code>', 'one agency')
    .option('--history', 'every version, closed ones included')
    .option('--json', 'JSON array')
    .action(async (o: Record<string, unknown>) => setCode(await (await import('./accounts.js')).runAccountsList(io, o)));

  const mailbox = program.command('mailbox').description('hộp thư công vụ / official mailboxes');
  mailbox.command('add').description('thêm hộp thư / add a mailbox (tests the connection first)')
    .requiredOption('--agency <code>', 'agency identifier code')
    .requiredOption('--host <host>', 'IMAP host')
    .option('--port <port>', 'IMAP port (993 with TLS, 143 otherwise)', intArg('--port'))
    .option('--tls', 'implicit TLS (default)')
    .option('--starttls', 'STARTTLS')
    .option('--no-tls', 'no encryption (loopback or trusted networks only)')
    .option('--tls-insecure', 'accept an unverified certificate for this mailbox (named exception)')
    .requiredOption('--user <user>', 'IMAP user name')
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--password-stdin', 'read the password from standard input')
    .addOption(new Option('--auth <kind>', 'password, or oauth2 (SASL XOAUTH2 with a refreshed access token)').choices(['password', 'oauth2']).default('password'))
    .option('--token-url <url>', 'oauth2: the provider\'s token endpoint (https)')
    .option('--client-id <id>', 'oauth2: the OAuth2 client id')
    .option('--scope <scopes>', 'oauth2: scope sent with each refresh (space-separated), if the provider needs it')
    .option('--refresh-token-env <var>', 'oauth2: read the refresh token from this environment variable')
    .option('--refresh-token-stdin', 'oauth2: read the refresh token from standard input')
    .option('--client-secret-env <var>', 'oauth2: read the client secret from this environment variable (none for a public client)')
    .option('--client-secret-stdin', 'oauth2: read the client secret from standard input')
    .option('--folders <list>', 'folders to watch, comma-separated (the \\Sent folder is always found)', 'INBOX')
    .option('--no-test', 'save without testing the connection')
    .action(async (o: Record<string, unknown>) => setCode(await (await import('./mailbox.js')).runMailboxAdd(io, o)));
  mailbox.command('list').option('--json', 'JSON').description('liệt kê hộp thư / list mailboxes')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./mailbox.js')).runMailboxList(io, Boolean(o.json))));
  mailbox.command('rotate-key').description('đổi khóa mã hóa / re-seal every stored credential with EDOCWATCH_SECRET_KEY')
    .option('--old-key-env <var>', 'environment variable holding the current key', 'EDOCWATCH_OLD_SECRET_KEY')
    .action(async (o: { oldKeyEnv: string }) => setCode(await (await import('./mailbox.js')).runMailboxRotateKey(io, o)));
  mailbox.command('set').argument('<id>', 'mailbox id', intArg('id')).description('sửa hộp thư / change a mailbox: rate limit, folders, enabled')
    .option('--rate <n>', 'fetch at most N messages a second (0: no limit; "default": sync.max_messages_per_second)')
    .option('--folders <list>', 'folders to watch, comma-separated (the \\Sent folder is always found)')
    .option('--enable', 'poll this mailbox again')
    .option('--disable', 'stop polling this mailbox (its data stays)')
    .action(async (id: number, o: Record<string, unknown>) => setCode(await (await import('./mailbox.js')).runMailboxSet(io, id, o)));
  mailbox.command('test').argument('<id>', 'mailbox id', intArg('id')).description('kiểm tra kết nối / test the connection')
    .action(async (id: number) => setCode(await (await import('./mailbox.js')).runMailboxTest(io, id)));

  program.command('sync').description('đồng bộ một lượt / one pass over the mailboxes, until analysis drains')
    .option('--mailbox <id>', 'only this mailbox', intArg('--mailbox'))
    .option('--no-analyze', 'chỉ đồng bộ / sync only: leave analysis to the workers')
    .option('--since <day>', 'backfill: mail received on or after this day (YYYY-MM-DD)')
    .option('--before <day>', 'backfill: mail received before this day (YYYY-MM-DD)')
    .action(async (o: { mailbox?: number; analyze: boolean; since?: string; before?: string }) => setCode(await (await import('./sync.js')).runSync(io, o)));

  program.command('import').description('nhập thư từ tệp lưu trữ / import exported archives (mbox, .eml folders, Maildir) into the pipeline')
    .requiredOption('--mailbox <id>', 'the mailbox the archives belong to', intArg('--mailbox'))
    .argument('<paths...>', 'mbox files, folders of .eml files, Maildirs')
    .action(async (paths: string[], o: { mailbox: number }) => setCode(await (await import('./import.js')).runImportCommand(io, o, paths)));

  program.command('worker').description('tiến trình xử lý hàng đợi / long-running queue workers')
    .addOption(new Option('--queues <list>', 'queues to work on (sync, analyze)').default('sync,analyze'))
    .action(async (o: { queues: string }) => setCode(await (await import('./worker.js')).runWorker(io, o.queues)));

  program.command('serve').description('bảng điều khiển và API / the dashboard, JSON API, health, metrics and the HTML report')
    .option('--port <n>', 'port', intArg('--port'), 8080)
    .option('--host <host>', 'address to listen on (put TLS in front: a reverse proxy, web.trust_proxy)', '127.0.0.1')
    .action(async (o: { port: number; host: string }) => setCode(await (await import('./serve.js')).runServe(io, o)));

  const user = program.command('user').description('tài khoản bảng điều khiển / dashboard accounts');
  user.command('add').description('thêm tài khoản / add an account')
    .requiredOption('--name <name>', 'sign-in name (lower case letters, digits, . _ @ -)')
    .addOption(new Option('--role <role>', 'admin, analyst (the Department: every agency, read-only) or agency (one agency)').choices(['admin', 'analyst', 'agency']).makeOptionMandatory())
    .option('--agency <code>', 'the agency of an agency user')
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: Record<string, unknown>) => setCode(await (await import('./user.js')).runUserAdd(io, o)));
  user.command('list').option('--json', 'JSON').description('liệt kê tài khoản / list accounts')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./user.js')).runUserList(io, Boolean(o.json))));
  user.command('disable').argument('<name>', 'sign-in name').description('khóa tài khoản / disable an account and end its sessions')
    .action(async (name: string) => setCode(await (await import('./user.js')).runUserDisable(io, name)));

  program.command('inspect').argument('[file]', '.eml file').description('phân tích một thư (JSON) / analyze one message: a file (no database), or a stored message with its corrections')
    .option('--agency <code>', 'the monitored agency (FILE only)')
    .option('--directory <file>', 'directory file (FILE only; default: the sample in config/)')
    .option('--message <id>', "a stored message: analyzed again from the raw store, its exchanges' active overrides applied", intArg('--message'))
    .action(async (file: string | undefined, o: { agency?: string; directory?: string; message?: number }) => setCode(await (await import('./inspect.js')).runInspect(io, file, o)));

  program.command('refs').description('trích số/ký hiệu văn bản từ stdin / document references in standard input (JSON)')
    .option('--jsonl', 'one JSON string per line in, one array per line out')
    .action(async (o: { jsonl?: boolean }) => setCode(await (await import('./refs.js')).runRefs(io, Boolean(o.jsonl))));

  const store = program.command('store').description('kho thư gốc / the raw store of fetched mail');
  store.command('verify').description('đọc lại và kiểm tra mọi đối tượng / read back and check every object against its sha256').option('--json', 'JSON')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./store.js')).runStoreVerify(io, Boolean(o.json))));

  const rollups = program.command('rollups').description('số liệu tổng hợp / the rollups behind stats');
  rollups.command('check').description('so với dữ liệu gốc / compare the rollups with the facts').option('--json', 'JSON')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./rollups.js')).runRollupsCheck(io, Boolean(o.json))));
  rollups.command('rebuild').description('tính lại / recompute the rollups from the facts')
    .action(async () => setCode(await (await import('./rollups.js')).runRollupsRebuild(io)));

  const override = program.command('override').description('sửa nhãn của lượt trao đổi / corrections of an exchange\'s labels and links (audited)');
  override.command('set').description('đặt một sửa đổi / override one label or link of an exchange')
    .requiredOption('--exchange <id>', 'exchange id', intArg('--exchange'))
    .requiredOption('--label <label>', 'form, digitization, signed, flow, secret, document, sender or receiver')
    .requiredOption('--value <value>', 'the value (see docs/cli.md for each label\'s values)')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <name>', 'who makes the change (default: EDOCWATCH_ACTOR, else the OS user)')
    .option('--json', 'JSON')
    .action(async (o: { exchange: number; label: string; value: string; reason: string; by?: string; json?: boolean }) => setCode(await (await import('./override.js')).runOverrideSet(io, o)));
  override.command('remove').argument('<id>', 'override id', intArg('id')).description('gỡ một sửa đổi / remove an override (the computed label applies again)')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <name>', 'who makes the change (default: EDOCWATCH_ACTOR, else the OS user)')
    .option('--json', 'JSON')
    .action(async (id: number, o: { reason: string; by?: string; json?: boolean }) => setCode(await (await import('./override.js')).runOverrideRemove(io, id, o)));
  override.command('list').description('liệt kê sửa đổi / list overrides (active ones unless --all)')
    .option('--exchange <id>', 'one exchange', intArg('--exchange'))
    .option('--all', 'removed and replaced ones too')
    .option('--json', 'JSON')
    .action(async (o: { exchange?: number; all?: boolean; json?: boolean }) => setCode(await (await import('./override.js')).runOverrideList(io, o)));
  override.command('history').description('nhật ký sửa đổi / the audit trail (who, when, before, after, why)')
    .option('--exchange <id>', 'one exchange', intArg('--exchange'))
    .option('--json', 'JSON')
    .action(async (o: { exchange?: number; json?: boolean }) => setCode(await (await import('./override.js')).runOverrideHistory(io, o)));

  program.command('reanalyze').description('phân tích lại thư đã lưu / analyze stored messages again (after a rule or directory change), no IMAP fetch')
    .option('--mailbox <id>', 'only this mailbox', intArg('--mailbox'))
    .option('--since <day>', 'only messages dated on or after this day (YYYY-MM-DD, Asia/Ho_Chi_Minh)')
    .option('--all', 'every stored message (needed when neither --mailbox nor --since is given)')
    .option('--json', 'JSON summary')
    .action(async (o: { mailbox?: number; since?: string; all?: boolean; json?: boolean }) => setCode(await (await import('./reanalyze.js')).runReanalyze(io, o)));

  const register = program.command('register').description('sổ văn bản giấy / paper registers (sổ văn bản đến/đi)');
  register.command('import').argument('<file>', 'CSV or XLSX export of the register').description('nhập sổ văn bản / import a register')
    .requiredOption('--agency <code>', 'the agency that keeps the register')
    .requiredOption('--direction <dir>', 'in (sổ văn bản đến) or out (sổ văn bản đi)')
    .option('--by <name>', 'who imports it (default: EDOCWATCH_ACTOR, else the OS user)')
    .option('--json', 'JSON')
    .action(async (file: string, o: { agency: string; direction: string; by?: string; json?: boolean }) => setCode(await (await import('./register.js')).runRegisterImport(io, file, o)));
  register.command('list').description('các lần nhập sổ / imported registers').option('--json', 'JSON')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./register.js')).runRegisterList(io, o)));

  program.command('status').description('tình trạng / mailboxes, messages by state, queues')
    .option('--json', 'JSON')
    .action(async (o: { json?: boolean }) => setCode(await (await import('./status.js')).runStatus(io, Boolean(o.json))));

  program.command('stats').description('chỉ tiêu theo kỳ / KPIs for a period')
    .requiredOption('--period <period>', '2026-Q3 or 2026')
    .option('--agency <code>', 'one agency')
    .option('--json', 'JSON')
    .action(async (o: { period: string; agency?: string; json?: boolean }) => setCode(await (await import('./stats.js')).runStats(io, o)));

  const report = program.command('report').description('báo cáo / reports');
  report.command('build').requiredOption('--period <period>', '2026-Q3 or 2026').requiredOption('--out <dir>', 'output folder')
    .option('--agency <code>', "one agency's report (default: the province-wide one)")
    .option('--issuer <code>', 'agency code of the issuing body (default: reports.issuer, else the Provincial PC)')
    .option('--lang <lang>', 'vi or en (default: reports.lang)')
    .option('--json', 'JSON: the archive id and the files written')
    .description('dựng báo cáo HTML, PDF, XLSX / build the report (HTML with charts, PDF, XLSX) and archive it')
    .action(async (o: { period: string; out: string; agency?: string; issuer?: string; lang?: string; json?: boolean }) => setCode(await (await import('./report.js')).runReportBuild(io, o)));
  report.command('send').requiredOption('--period <period>', '2026-Q3 or 2026')
    .option('--agency <code>', "one agency's report (default: the province-wide one)")
    .option('--to <list>', 'recipients, comma-separated, instead of the configured ones')
    .option('--force', 'send again to those who already have it (logged as a manual resend)')
    .option('--lang <lang>', 'vi or en (default: reports.lang)')
    .option('--json', 'JSON')
    .description('gửi báo cáo qua thư / email the report (each recipient at most once unless --force)')
    .action(async (o: { period: string; agency?: string; to?: string; force?: boolean; json?: boolean; lang?: string }) => setCode(await (await import('./report.js')).runReportSend(io, o)));
  report.command('log').option('--period <period>', 'only this period').option('--json', 'JSON')
    .description('nhật ký gửi báo cáo / the delivery log')
    .action(async (o: { period?: string; json?: boolean }) => setCode(await (await import('./report.js')).runReportLog(io, o)));

  program.command('demo').description('chạy thử toàn bộ quy trình / the whole pipeline on generated sample mail')
    .option('--count <n>', 'messages to generate', intArg('--count'), 600)
    .option('--out <dir>', 'where the report goes', 'out/demo')
    .action(async (o: { count: number; out: string }) => {
      // Loaded on demand: the generator pulls in PDF, image and DOCX writers no other command needs.
      const { runDemo } = await import('./demo.js');
      setCode(await runDemo(io, o));
    });

  return program;
}

export async function main(argv: string[], io: Out = stdio): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return reportError(err, io);
  }
}

export function reportError(err: unknown, io: Out): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version exit 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ConfigError) {
    io.err(`edocwatch: ${err.message}`);
    return 2;
  }
  if (err instanceof EdocError) {
    io.err(`edocwatch: ${err.message}`);
    return err.exitCode;
  }
  const e = err as Error;
  io.err(`edocwatch: lỗi không mong đợi / unexpected error: ${e?.message ?? String(err)}`);
  if (process.env.LOG_LEVEL === 'debug' && e?.stack) io.err(e.stack);
  return 1;
}
