// Setting up a monitored mailbox on the dev Dovecot for an integration test: the sample directory
// imported and the mailbox added through the built command, as an operator would.
import { ImapFlow } from 'imapflow';
import type pg from 'pg';
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

/** Appends raw messages to a folder of a dev Dovecot user, over IMAP. */
export async function appendMail(user: string, password: string, folder: string, raws: Buffer[]): Promise<void> {
  const dd = devDovecot();
  const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  await c.connect();
  try {
    for (const raw of raws) await c.append(folder, raw);
  } finally {
    await c.logout();
  }
}

/** Polls until `n` messages are analyzed or `timeoutMs` passes; returns the count reached. */
export async function untilAnalyzed(db: Pick<pg.Client, 'query'>, n: number, timeoutMs = 60_000): Promise<number> {
  const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)).rows[0]?.n ?? 0;
  const deadline = Date.now() + timeoutMs;
  let got = await count();
  while (got < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    got = await count();
  }
  return got;
}
