// Setting up a monitored mailbox on the dev Dovecot for an integration test: the sample directory
// imported and the mailbox added through the built command, as an operator would.
import { expect } from 'vitest';
import { devDovecot } from '../../src/devenv/dovecot.js';
import { spawnCli } from './cli.js';
import type { TestEnv } from './env.js';

export async function addDevMailbox(t: TestEnv, o: { user: string; password: string; agency: string }): Promise<number> {
  expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
  const dd = devDovecot();
  const add = await spawnCli(
    ['mailbox', 'add', '--agency', o.agency, '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', o.user, '--password-env', 'PW'],
    { ...t.env, PW: o.password },
  );
  expect(add.code).toBe(0);
  return Number(add.stdout.trim());
}
