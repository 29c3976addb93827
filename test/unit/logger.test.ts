import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines };
}

describe('logs never carry credentials', () => {
  it('redacts passwords, IMAP auth, tokens and keys wherever they sit', () => {
    const { stream, lines } = capture();
    const log = createLogger('info', stream);
    log.info({ password: 'pw-top', mailbox: { password: 'pw-nested', auth: { user: 'u', pass: 'pw-imap' } }, accessToken: 'tok', secretKey: 'k' }, 'connecting');
    log.info({ auth: { user: 'u', pass: 'pw-auth' } }, 'again');
    const out = lines.join('');
    for (const secret of ['pw-top', 'pw-nested', 'pw-imap', 'pw-auth', 'tok', '"k"']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(out).toContain('"user":"u"');
  });

  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://edoc:s3cret@db:5432/edocwatch')).toBe('postgres://edoc:***@db:5432/edocwatch');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url')).toBe('(invalid URL)');
  });
});
