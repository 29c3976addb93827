// A throwaway Dovecot of one test file's own, beside the shared dev Dovecot (127.0.0.1:10143) that
// other test files use: the same template and script (scripts/services.sh up with
// EDOCWATCH_DEVENV_DIR and EDOCWATCH_IMAP_PORT pointing at a temporary folder and a free loopback
// port), so a test may stop and restart it without disturbing anyone. Two instances coexist: each
// has its own base_dir, state_dir, passwd file and mail, and services.sh only ever stops another
// dev instance that holds its own port or whose folder is gone.
//
// Stopping means what a service manager's restart does (systemd signals every process of the unit):
// SIGTERM to the master and to all its children at once. `dovecot stop` alone is not enough for a
// fault test: Dovecot 2.3's master exits after a few seconds but leaves running IMAP sessions
// serving their clients, so a sync in progress would never notice.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitForImap } from '../../src/devenv/dovecot.js';

const SERVICES = path.resolve(import.meta.dirname, '../../scripts/services.sh');

export interface PrivateDovecot {
  host: '127.0.0.1';
  port: number;
  /** EDOCWATCH_DEVENV_DIR of this instance: dovecot.conf, passwd, mail/, run/, dovecot.log. */
  dir: string;
  /** The variables that point devDovecot(), ensureImapUser() and appendMail() at this instance. */
  env: { EDOCWATCH_DEVENV_DIR: string; EDOCWATCH_IMAP_PORT: string };
  /** Sets `env` in process.env (for the dev-Dovecot helpers); returns a function undoing it. */
  use(): () => void;
  masterPid(): number | null;
  /** scripts/services.sh up for this instance; resolves once it greets. */
  start(): Promise<void>;
  /**
   * SIGTERM to the master and every process under it (IMAP sessions included), sent before the first
   * await so that a caller can time it to the byte; resolves once all of them have exited.
   */
  stop(): Promise<void>;
  /** stop, `downMs` with nothing listening, start again on the same port. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Stops it if it runs and removes its folder; safe to call twice or after a failed start. */
  cleanup(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A process as /proc shows it: its parent and its start time (which tells a recycled pid apart). */
function procStat(pid: number): { ppid: number; started: string } | null {
  try {
    // pid (comm) state ppid … starttime (22nd field); comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), started: f[19] as string };
  } catch {
    return null;
  }
}

interface Proc {
  pid: number;
  started: string;
}

/** `root` and every process below it (Dovecot's master forks all its services directly). */
function tree(root: number): Proc[] {
  const all: Array<Proc & { ppid: number }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st) all.push({ pid: Number(name), ...st });
  }
  const rootStat = all.find((p) => p.pid === root);
  if (!rootStat) return [];
  const found: Proc[] = [{ pid: root, started: rootStat.started }];
  for (let i = 0; i < found.length; i++) {
    const parent = (found[i] as Proc).pid;
    for (const p of all) if (p.ppid === parent) found.push({ pid: p.pid, started: p.started });
  }
  return found;
}

/** Still the same process (not exited, pid not reused). */
const alive = (p: Proc): boolean => procStat(p.pid)?.started === p.started;

const signal = (p: Proc, sig: NodeJS.Signals): void => {
  if (!alive(p)) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    /* exited meanwhile */
  }
};

export async function startPrivateDovecot(): Promise<PrivateDovecot> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'edocwatch-dovecot-'));
  // The mail processes (uid 5000) walk down from here to their homes.
  await chmod(base, 0o755);
  // .../dovecot/dovecot.conf: should this folder vanish with the server running, services.sh
  // recognizes the instance as an orphaned dev Dovecot and stops it.
  const dir = path.join(base, 'dovecot');
  let port = 0;
  let exitHook: (() => void) | null = null;

  const env = () => ({ EDOCWATCH_DEVENV_DIR: dir, EDOCWATCH_IMAP_PORT: String(port) });

  const masterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
      // A recycled pid is not our Dovecot.
      return Number.isInteger(pid) && pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dovecot' ? pid : null;
    } catch {
      return null;
    }
  };

  const start = async (): Promise<void> => {
    // The script's output goes to a file, not to pipes: the Dovecot it starts inherits them and would
    // hold them open for its whole life.
    const log = path.join(base, 'services.log');
    const fd = openSync(log, 'a');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', [SERVICES, 'up'], { env: { ...process.env, ...env() }, stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c));
    }).finally(() => closeSync(fd));
    if (code !== 0) throw new Error(`scripts/services.sh up (${dir}, port ${port}) exited ${code}:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    await waitForImap(port, 10_000);
    // If the test process dies without its afterAll, do not leave a server behind.
    if (!exitHook) {
      exitHook = () => {
        const pid = masterPid();
        if (pid) for (const p of tree(pid)) signal(p, 'SIGTERM');
      };
      process.once('exit', exitHook);
    }
  };

  const stop = async (): Promise<void> => {
    const pid = masterPid();
    if (pid === null) return;
    const all = tree(pid);
    for (const p of all) signal(p, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (all.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const p of all.filter(alive)) signal(p, 'SIGKILL');
    while (all.some(alive)) await new Promise((r) => setTimeout(r, 20));
  };

  const dd: PrivateDovecot = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    dir,
    get env() {
      return env();
    },
    use() {
      const saved = { EDOCWATCH_DEVENV_DIR: process.env.EDOCWATCH_DEVENV_DIR, EDOCWATCH_IMAP_PORT: process.env.EDOCWATCH_IMAP_PORT };
      Object.assign(process.env, env());
      return () => {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      };
    },
    masterPid,
    start,
    stop,
    async restart(opts = {}) {
      await stop();
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await start();
    },
    async cleanup() {
      await stop().catch(() => undefined);
      if (exitHook) process.removeListener('exit', exitHook);
      exitHook = null;
      await rm(base, { recursive: true, force: true });
    },
  };

  try {
    // A free port can be taken between our probe and Dovecot's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        await stop().catch(() => undefined);
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await dd.cleanup();
    throw err;
  }
  return dd;
}
