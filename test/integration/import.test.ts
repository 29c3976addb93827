// `edocwatch import` on real services (Postgres, Redis): an mbox and a folder of .eml are stored,
// recorded and analyzed through the same pipeline as synced mail; importing again adds nothing; a
// mail in two archives is one message; bad arguments write nothing.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import pg from 'pg';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

function compose(n: number, opts: Partial<ConstructorParameters<typeof MailComposer>[0]> = {}): Promise<Buffer> {
  return new MailComposer({
    from: 'Sở Nội vụ <snv@sonminh.gov.vn>',
    to: 'Sở Tài chính <stc@sonminh.gov.vn>',
    subject: `Công văn số ${100 + n}/SNV-TCBC`,
    messageId: `<import-it-${n}@snv.sonminh.gov.vn>`,
    date: new Date(Date.UTC(2026, 6, n, 2, 0, 0)),
    text: `Kính gửi: Sở Tài chính\nSở Nội vụ gửi Công văn số ${100 + n}/SNV-TCBC ngày ${n}/7/2026.\nFrom now on, the plan applies.\nTrân trọng./.`,
    ...opts,
  })
    .compile()
    .build();
}

function mboxrd(raws: Buffer[]): Buffer {
  return Buffer.concat(
    raws.flatMap((raw, i) => {
      const quoted = raw.toString('latin1').replace(/^(>*From )/gm, '>$1');
      return [Buffer.from(`From snv@sonminh.gov.vn Wed Jul  ${i + 1} 02:00:00 2026\n`), Buffer.from(quoted, 'latin1'), Buffer.from(quoted.endsWith('\n') ? '\n' : '\n\n')];
    }),
  );
}

interface Counts {
  messages: number;
  locations: number;
  raw: number;
  exchanges: number;
}

interface Status {
  messages: Record<string, number>;
}

describe('edocwatch import (Postgres, Redis)', () => {
  let t: TestEnv;
  let db: pg.Client;
  let mailboxId: number;
  let dir: string;
  let mboxRaws: Buffer[];

  const counts = async (): Promise<Counts> =>
    (
      await db.query<Counts>(
        `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM message_locations)::int AS locations,
                (SELECT count(*) FROM raw_objects)::int AS raw, (SELECT count(*) FROM exchanges)::int AS exchanges`,
      )
    ).rows[0] as Counts;
  const status = async (): Promise<Status> => JSON.parse((await cli('status', '--json')).stdout) as Status;

  beforeAll(async () => {
    t = await createTestEnv('import');
    useEnv(t);
    process.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    // A mailbox whose server is gone: its credentials are never used by import.
    mailboxId = await insertMailbox(db, {
      agencyCode: '000.00.03.H30', host: 'old-mail.sonminh.gov.vn', port: 993, security: 'tls', username: 'vanthu.stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false,
    });

    dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-import-it-'));
    mboxRaws = await Promise.all([1, 2, 3, 4, 5].map((n) => compose(n)));
    writeFileSync(path.join(dir, 'archive.mbox'), mboxrd(mboxRaws));
    mkdirSync(path.join(dir, 'eml', '2026-07'), { recursive: true });
    for (const n of [6, 7, 8]) writeFileSync(path.join(dir, 'eml', n === 8 ? '2026-07' : '', `${n}.eml`), await compose(n, { from: 'UBND tỉnh <ubnd@sonminh.gov.vn>' }));
  });

  afterAll(async () => {
    await db?.end();
  });

  it('imports an mbox and a folder of .eml, and analyzes every message', async () => {
    const r = await cli('import', '--mailbox', String(mailboxId), path.join(dir, 'archive.mbox'), path.join(dir, 'eml'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/archive\.mbox.*mbox.*import:archive\.mbox.*5.*5.*0/);
    expect(r.stdout).toMatch(/eml.*eml-dir.*import:eml.*3.*3.*0/);
    const s = await status();
    expect(s.messages.total).toBe(8);
    expect(s.messages.analyzed).toBe(8);
    expect(s.messages.pending ?? 0).toBe(0);
    const { rows } = await db.query<{ folder: string; uidvalidity: number; uid: string }>(
      `SELECT folder, uidvalidity::int, uid::text FROM message_locations WHERE mailbox_id = $1 ORDER BY folder, uid`,
      [mailboxId],
    );
    expect(rows.map((x) => `${x.folder}#${x.uidvalidity}:${x.uid}`)).toEqual([
      'import:archive.mbox#0:1', 'import:archive.mbox#0:2', 'import:archive.mbox#0:3', 'import:archive.mbox#0:4', 'import:archive.mbox#0:5',
      'import:eml#0:1', 'import:eml#0:2', 'import:eml#0:3',
    ]);
    // The separator's date became the message's INTERNALDATE; the mbox's >From lines were unquoted.
    const m1 = await db.query<{ internal_date: Date; message_id: string }>(`SELECT internal_date, message_id FROM messages WHERE message_id = '<import-it-1@snv.sonminh.gov.vn>'`);
    expect(m1.rows[0]?.internal_date.toISOString()).toBe('2026-07-01T02:00:00.000Z');
    const docs = await db.query<{ ref: string }>(`SELECT ref FROM documents ORDER BY ref`);
    expect(docs.rows.map((d) => d.ref)).toContain('101/SNV-TCBC');
  });

  it('adds nothing when the same archives are imported again', async () => {
    const before = await counts();
    const r = await cli('import', '--mailbox', String(mailboxId), path.join(dir, 'archive.mbox'), path.join(dir, 'eml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/archive\.mbox.*5.*0.*5/);
    expect(await counts()).toEqual(before);
    expect((await status()).messages.total).toBe(8);
  });

  it('counts a mail found in two archives once', async () => {
    const before = await counts();
    mkdirSync(path.join(dir, 'overlap'));
    // Message 2 of the mbox, byte for byte; message 3 as another export wrote it (a header more, same Message-ID); one new mail.
    writeFileSync(path.join(dir, 'overlap', 'a.eml'), mboxRaws[1] as Buffer);
    writeFileSync(path.join(dir, 'overlap', 'b.eml'), Buffer.concat([Buffer.from('X-Exported-By: Outlook\r\n'), mboxRaws[2] as Buffer]));
    writeFileSync(path.join(dir, 'overlap', 'c.eml'), await compose(9));
    const r = await cli('import', '--mailbox', String(mailboxId), path.join(dir, 'overlap'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/overlap.*eml-dir.*3.*1.*2/);
    const after = await counts();
    expect(after.messages).toBe(before.messages + 1);
    expect(after.locations).toBe(before.locations + 3);
    expect(after.raw).toBe(before.raw + 1);
    const s = await status();
    expect(s.messages.total).toBe(9);
    expect(s.messages.analyzed).toBe(9);
  });

  it('refuses an unknown mailbox or an unreadable path before writing anything', async () => {
    const before = await counts();
    const nf = await cli('import', '--mailbox', '999999', path.join(dir, 'archive.mbox'));
    expect(nf.code).toBe(1);
    expect(nf.stderr).toContain('999999');
    const missing = await cli('import', '--mailbox', String(mailboxId), path.join(dir, 'archive.mbox'), path.join(dir, 'nope.mbox'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.mbox');
    writeFileSync(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]));
    const unknown = await cli('import', '--mailbox', String(mailboxId), path.join(dir, 'photo.jpg'));
    expect(unknown.code).toBe(2);
    const noArg = await cli('import', '--mailbox', String(mailboxId));
    expect(noArg.code).toBe(2);
    expect(await counts()).toEqual(before);
  });
});
