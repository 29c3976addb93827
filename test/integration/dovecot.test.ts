// Integration: the dev Dovecot that tests, the demo and the benchmark rely on (started by
// `scripts/services.sh up`, users written by src/devenv/dovecot.ts) behaves like the servers sync
// talks to: plaintext login from the passwd file, special-use folders, CONDSTORE/QRESYNC, APPEND
// and FETCH, and users added or changed while it runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devDovecot, ensureImapUser, waitForImap } from '../../src/devenv/dovecot.js';

// Users named after this file, so parallel test files never share a maildir.
const USER = 'it-devenv-dovecot';
const PASSWORD = 'mat-khau-1';

const open: ImapFlow[] = [];

function client(user: string, pass: string): ImapFlow {
  const { host, port } = devDovecot();
  // doSTARTTLS false: the dev server has ssl = no, and saying so keeps imapflow from warning.
  const c = new ImapFlow({ host, port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false });
  // A dropped connection must fail the test through its promise, not crash the worker.
  c.on('error', () => undefined);
  open.push(c);
  return c;
}

async function loginAs(user: string, pass: string): Promise<ImapFlow> {
  const c = client(user, pass);
  await c.connect();
  return c;
}

// An official letter as agencies send it: UTF-8 subject in an RFC 2047 encoded word.
const SUBJECT = 'Công văn 2888/UBND-VX về việc gửi văn bản điện tử';
const MESSAGE = [
  'From: Van thu UBND <vanthu@ubnd.example.gov.vn>',
  'To: So KHCN <skhcn@example.gov.vn>',
  `Subject: =?UTF-8?B?${Buffer.from(SUBJECT, 'utf8').toString('base64')}?=`,
  'Date: Tue, 14 Jul 2026 09:30:00 +0700',
  'Message-ID: <devenv-dovecot-1@ubnd.example.gov.vn>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Kính gửi Sở Khoa học và Công nghệ.',
  '',
].join('\r\n');

beforeAll(async () => {
  await waitForImap(devDovecot().port, 15_000);
  await ensureImapUser(USER, PASSWORD, { reset: true });
});

afterEach(async () => {
  const clients = open.splice(0);
  await Promise.all(clients.map((c) => (c.usable ? c.logout().catch(() => c.close()) : c.close())));
});

describe('dev Dovecot', () => {
  it('logs in with the password ensureImapUser wrote and lists the special-use folders', async () => {
    const c = await loginAs(USER, PASSWORD);
    const folders = await c.list();
    const sent = folders.find((f) => f.specialUse === '\\Sent');
    expect(sent?.path).toBe('Sent');
    // Found by the server's attribute, not guessed from the name: that is what sync relies on.
    expect(sent?.specialUseSource).toBe('extension');
    expect(folders.map((f) => f.specialUse)).toEqual(expect.arrayContaining(['\\Inbox', '\\Drafts', '\\Trash']));
  });

  it('advertises CONDSTORE and QRESYNC after login', async () => {
    const c = await loginAs(USER, PASSWORD);
    expect(c.capabilities.has('CONDSTORE')).toBe(true);
    expect(c.capabilities.has('QRESYNC')).toBe(true);
  });

  it('stores an appended message in INBOX and returns it through FETCH', async () => {
    const c = await loginAs(USER, PASSWORD);
    const appended = await c.append('INBOX', Buffer.from(MESSAGE, 'utf8'));
    expect(appended && appended.uid).toBeGreaterThan(0);
    const uid = appended ? appended.uid : undefined;

    // Read-only, as sync opens official mailboxes (EXAMINE).
    const box = await c.mailboxOpen('INBOX', { readOnly: true });
    expect(box.exists).toBe(1);
    const msg = await c.fetchOne(String(uid), { uid: true, envelope: true, source: true }, { uid: true });
    expect(msg).not.toBe(false);
    if (msg === false) return;
    expect(msg.uid).toBe(uid);
    expect(msg.envelope?.subject).toBe(SUBJECT);
    expect(msg.envelope?.messageId).toBe('<devenv-dovecot-1@ubnd.example.gov.vn>');
    expect(msg.source?.toString('utf8')).toBe(MESSAGE);
  });

  it('rejects a wrong password', async () => {
    const c = client(USER, 'not-the-password');
    await expect(c.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it('empties the maildir when a user is ensured with reset', async () => {
    const user = `${USER}-reset`;
    await ensureImapUser(user, PASSWORD, { reset: true });
    const before = await loginAs(user, PASSWORD);
    await before.append('INBOX', Buffer.from(MESSAGE, 'utf8'));
    await before.logout();

    await ensureImapUser(user, PASSWORD, { reset: true });
    const after = await loginAs(user, PASSWORD);
    const status = await after.status('INBOX', { messages: true });
    expect(status && status.messages).toBe(0);
  });

  it('sees users added and passwords changed while it runs', async () => {
    const user = `${USER}-live`;
    await ensureImapUser(user, 'first-pass');
    await (await loginAs(user, 'first-pass')).logout();

    // Same length, same second: the rewrite must still be noticed.
    await ensureImapUser(user, 'other-pass');
    await expect(client(user, 'first-pass').connect()).rejects.toMatchObject({ authenticationFailed: true });
    await (await loginAs(user, 'other-pass')).logout();
  });

  it('keeps every line when several users are written at once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `${USER}-many-${i}`);
    await Promise.all(users.map((u) => ensureImapUser(u, `pw-${u}`)));
    const passwd = await readFile(join(devDovecot().dir, 'passwd'), 'utf8');
    const names = passwd.split('\n').map((line) => line.split(':')[0]);
    for (const u of users) expect(names.filter((n) => n === u)).toHaveLength(1);
    const last = users[users.length - 1] ?? '';
    await (await loginAs(last, `pw-${last}`)).logout();
  });
});
