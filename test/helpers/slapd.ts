// A throwaway OpenLDAP server of one test file's own: slapd (Debian package `slapd`, installed by
// `scripts/services.sh up --ldap`) started in the foreground as the current user with a generated
// slapd.conf (core, cosine and inetOrgPerson schemas, one mdb database) in a temporary folder, on
// a free loopback port. Never the system service. The root DN and password are the helper's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Slapd {
  url: string;
  port: number;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  stop(): Promise<void>;
}

const SLAPD = ['/usr/sbin/slapd', '/usr/local/libexec/slapd'].find((p) => existsSync(p));
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `readerDn`: an account allowed to read without slapd's default limit of 500 entries, as a directory admin grants a service account. */
export async function startSlapd(suffix = 'dc=sonminh,dc=gov,dc=vn', readerDn = `cn=edocwatch,${suffix}`): Promise<Slapd> {
  if (!SLAPD) throw new Error('slapd is not installed: run `bash scripts/services.sh up --ldap` (apt-get install slapd ldap-utils)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edocwatch-slapd-'));
  await mkdir(path.join(dir, 'data'));
  const port = await freePort();
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = 'throwaway-slapd-root';
  const conf = [
    `include ${SCHEMA_DIR}/core.schema`,
    `include ${SCHEMA_DIR}/cosine.schema`,
    `include ${SCHEMA_DIR}/inetorgperson.schema`,
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'database mdb',
    'maxsize 104857600',
    `suffix "${suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${dir}/data`,
    `limits dn.exact="${readerDn}" size=unlimited`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'slapd.conf'), conf);
  // -d 0: stay in the foreground (no fork), so the child is the server and dies with the test.
  const child: ChildProcess = spawn(SLAPD, ['-f', path.join(dir, 'slapd.conf'), '-h', `ldap://127.0.0.1:${port}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`slapd did not start on 127.0.0.1:${port}: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `ldap://127.0.0.1:${port}`,
    port,
    suffix,
    rootDn,
    rootPassword,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
