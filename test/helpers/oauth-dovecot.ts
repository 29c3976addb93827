// A private Dovecot 2.3 for OAuth2 tests: its own config in a temporary folder, its own loopback
// port, and only SASL XOAUTH2 — no password works on it. Its oauth2 passdb validates each access
// token by POSTing it to the introspection URL given (the test's loopback provider); users need no
// entry anywhere (static userdb, maildir created at first login). Independent of the shared dev
// Dovecot of scripts/services.sh, which it never touches.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitForImap } from '../../src/devenv/dovecot.js';
// Mail processes run as 5000:5000 like the dev Dovecot's (Dovecot refuses to touch mail as root).
const MAIL_UID = 5000;
const MAIL_GID = 5000;
// dovecot lives in sbin, which a non-login root shell may lack.
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

/**
 * Runs `dovecot ARGS` to its exit. stdio is not piped: the daemon it forks would inherit the pipes
 * and hold them open for its whole life (an execFile would never return).
 */
function dovecot(args: string[], dir: string): Promise<void> {
  // Its complaints (a config error) go to a file, read back when it fails.
  const errFile = path.join(dir, 'dovecot.stderr');
  const fd = openSync(errFile, 'w');
  return new Promise<void>((resolve, reject) => {
    const child = spawn('dovecot', args, { stdio: ['ignore', 'ignore', fd], env: { ...process.env, PATH } });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`dovecot ${args.join(' ')} exited with ${code}: ${readFileSync(errFile, 'utf8').trim()}`));
    });
  }).finally(() => closeSync(fd));
}

export interface OAuthDovecot {
  host: string;
  port: number;
  dir: string;
  /** Dovecot's log so far (logins name their mechanism: `method=XOAUTH2`). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function config(dir: string, port: number): string {
  return `# Rendered by test/helpers/oauth-dovecot.ts for one test run; deleted when it stops.
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = edocwatch-oauth-${port}
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
# Loopback only: XOAUTH2 carries a bearer token in clear, as PLAIN would a password.
disable_plaintext_auth = no
auth_mechanisms = xoauth2
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = ${dir}/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/mail/%u
}
first_valid_uid = ${MAIL_UID}
first_valid_gid = ${MAIL_GID}
mail_uid = ${MAIL_UID}
mail_gid = ${MAIL_GID}
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
maildir_very_dirty_syncs = no
mail_max_userip_connections = 50
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
}

// Every token is introspected (no tokeninfo step, no cache): a revoked or expired token is refused
// at once. The provider answers {"active": true, "username": …}; the user name must be the login's.
function oauth2Config(introspectionUrl: string): string {
  return `introspection_mode = post
introspection_url = ${introspectionUrl}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`;
}

export async function startOAuthDovecot(introspectionUrl: string): Promise<OAuthDovecot> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('oauth-dovecot: runs Dovecot as root, like scripts/services.sh');
  // Short, space-free path: Dovecot's unix sockets live under base_dir (108-byte limit).
  const dir = mkdtempSync('/tmp/edocwatch-oauth-');
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'mail'));
  chownSync(path.join(dir, 'mail'), MAIL_UID, MAIL_GID);
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(path.join(dir, 'oauth2.conf.ext'), oauth2Config(introspectionUrl));
  writeFileSync(conf, config(dir, port));
  await dovecot(['-c', conf], dir);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pidFile = path.join(dir, 'run', 'master.pid');
    let pid = 0;
    try {
      pid = Number(readFileSync(pidFile, 'utf8').trim());
    } catch {
      // not started after all
    }
    await dovecot(['-c', conf, 'stop'], dir).catch(() => undefined);
    // Wait for the master (ours, by its pid file) to be gone before deleting its folder.
    for (let i = 0; pid > 0 && i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForImap(port, 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    log: () => {
      try {
        return readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop,
  };
}
