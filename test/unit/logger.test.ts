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

  it('redacts OAuth2 secrets: refresh and access tokens, client secrets, authorization headers', () => {
    const { stream, lines } = capture();
    const log = createLogger('info', stream);
    log.info({ refreshToken: 'rt-top', clientSecret: 'cs-top', settings: { user: 'u', accessToken: 'at-nested', password: '' } }, 'oauth2');
    log.info({ response: { access_token: 'at-wire', refresh_token: 'rt-wire', token_type: 'Bearer' }, form: { client_secret: 'cs-wire' } }, 'token endpoint');
    log.info({ secret: { refreshToken: 'rt-nested', clientSecret: 'cs-nested' }, imap: { auth: { user: 'u', accessToken: 'at-imap' } } }, 'sealed');
    log.info({ headers: { authorization: 'Bearer at-header' }, req: { headers: { authorization: 'Basic cs-basic' } } }, 'http');
    const out = lines.join('');
    for (const secret of ['rt-top', 'cs-top', 'at-nested', 'at-wire', 'rt-wire', 'cs-wire', 'rt-nested', 'cs-nested', 'at-imap', 'at-header', 'cs-basic']) expect(out).not.toContain(secret);
    expect(out).toContain('"token_type":"Bearer"');
    expect(out).toContain('"user":"u"');
  });

  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://edoc:s3cret@db:5432/edocwatch')).toBe('postgres://edoc:***@db:5432/edocwatch');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url')).toBe('(invalid URL)');
  });
});
