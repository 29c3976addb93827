// A throwaway PostgreSQL cluster of one test file's own, for faults that must not touch the
// machine's shared server (other test files run against it in parallel): initdb in a temporary
// folder, trust auth, listening on 127.0.0.1 only on a free port, its unix socket inside the folder.
// Restarting it (pg_ctl stop -m fast, then start) terminates every session the way a real server
// restart does. As root, initdb and pg_ctl run as the `postgres` OS user (they refuse root).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PrivatePostgres {
  /** The temporary folder: data/, sock/ and postgres.log. */
  dir: string;
  port: number;
  /** postgres://<superuser>@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  running(): boolean;
  start(): Promise<void>;
  /** pg_ctl stop: `fast` terminates sessions and shuts down cleanly; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** stop -m fast, `downMs` with no server at all, start again on the same port. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Stops the server if it runs and removes the folder; safe to call twice or after a failed start. */
  cleanup(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<v>/bin holding initdb, or $PG_BIN. */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${base} (apt-get install postgresql)`);
  return path.join(base, versions[0] as string, 'bin');
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

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const f = line?.split(':');
  if (!f) throw new Error('running as root, but there is no `postgres` OS user to run the private cluster');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  // The cluster's superuser is the OS user the tests run as, so that pg connects with no options.
  const superuser = os.userInfo().username;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edocwatch-pg-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const log = path.join(dir, 'postgres.log');
  let port = 0;
  let up = false;
  let exitHook: (() => void) | null = null;

  // Runs a server binary as the user allowed to own the cluster; rejects with its output.
  const run = (tool: string, args: string[]): Promise<string> => {
    const file = isRoot() ? 'runuser' : path.join(bin, tool);
    const argv = isRoot() ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args;
    return new Promise((resolve, reject) => {
      // pg_ctl starts the postmaster with its output sent to the log file, so these pipes close.
      execFile(file, argv, { cwd: dir, env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' }, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}${existsSync(log) ? `\n--- ${log}\n${readFileSync(log, 'utf8').slice(-2000)}` : ''}`));
        else resolve(stdout);
      });
    });
  };

  const postmasterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };

  const start = async (): Promise<void> => {
    await run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', 'start']);
    up = true;
    // If the test process dies without its afterAll, do not leave a server behind.
    if (!exitHook) {
      exitHook = () => {
        const pid = postmasterPid();
        if (pid) {
          try {
            process.kill(pid, 'SIGQUIT');
          } catch {
            /* already gone */
          }
        }
      };
      process.once('exit', exitHook);
    }
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    up = false;
  };

  const pp: PrivatePostgres = {
    dir,
    get port() {
      return port;
    },
    url: (database = 'postgres') => `postgres://${encodeURIComponent(superuser)}@127.0.0.1:${port}/${database}`,
    running: () => up,
    start,
    stop,
    async restart(opts = {}) {
      await stop('fast');
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await start();
    },
    async cleanup() {
      if (postmasterPid() !== null) await stop('immediate').catch(() => undefined);
      if (exitHook) process.removeListener('exit', exitHook);
      exitHook = null;
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await mkdir(sock);
    if (isRoot()) {
      const { uid, gid } = postgresIds();
      await chown(dir, uid, gid);
      await chown(sock, uid, gid);
    }
    await run('initdb', ['-D', data, '-U', superuser, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    // A free port can be taken between our probe and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await appendFile(
        path.join(data, 'postgresql.conf'),
        [
          '',
          '# test/helpers/private-postgres.ts',
          "listen_addresses = '127.0.0.1'",
          `port = ${port}`,
          `unix_socket_directories = '${sock}'`,
          // Throwaway data: losing it to an OS crash does not matter; a clean restart keeps it all.
          'fsync = off',
          'max_connections = 200',
          '',
        ].join('\n'),
      );
      try {
        await start();
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await pp.cleanup();
    throw err;
  }
  return pp;
}
