// The Message-ID that keys a mail, as sync reads it from BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] and
// import from an archived message: the same function, so both give one key for one mail.
import { describe, expect, it } from 'vitest';
import { headerSection, messageIdOf } from '../../src/domain/message-id.js';

const field = (s: string) => Buffer.from(s, 'latin1');

describe('messageIdOf on what HEADER.FIELDS (MESSAGE-ID) returns', () => {
  it.each([
    ['Message-ID: <a@b.vn>\r\n\r\n', '<a@b.vn>'],
    ['Message-Id: <A.1@stc.sonminh.gov.vn>\r\n\r\n', '<A.1@stc.sonminh.gov.vn>'],
    ['message-id:<x@y>\r\n\r\n', '<x@y>'],
    ['MESSAGE-ID:   <spaced@x.vn>   \r\n\r\n', '<spaced@x.vn>'],
    ['Message-ID:\r\n <folded@x.vn>\r\n\r\n', '<folded@x.vn>'],
    ['Message-ID:\r\n\t<tab-folded@x.vn>\r\n\r\n', '<tab-folded@x.vn>'],
    ['Message-ID: <c@x.vn> (a comment)\r\n\r\n', '<c@x.vn>'],
    ['Message-ID: (comment first) <d@x.vn>\r\n\r\n', '<d@x.vn>'],
    ['Message-ID: bare-id@x.vn\r\n\r\n', 'bare-id@x.vn'],
    ['Message-ID: <first@x.vn>\r\nMessage-ID: <second@x.vn>\r\n\r\n', '<first@x.vn>'],
    ['Message-ID: <lf-only@x.vn>\n\n', '<lf-only@x.vn>'],
    ['Message-ID: <sp ace@x.vn>\r\n\r\n', '<sp ace@x.vn>'],
  ])('%j → %s', (raw, id) => {
    expect(messageIdOf(field(raw))).toBe(id);
  });

  it.each([
    ['\r\n', 'no Message-ID field: the server returns the blank line alone'],
    ['', 'nothing at all'],
    ['Message-ID:\r\n\r\n', 'an empty field'],
    ['Message-ID:    \r\n\r\n', 'a blank field'],
    ['X-Message-ID: <not-this@x.vn>\r\n\r\n', 'another field ending in message-id'],
  ])('%j → null (%s)', (raw) => {
    expect(messageIdOf(field(raw))).toBeNull();
  });

  it('reads only the header section of a whole message', () => {
    expect(messageIdOf(field('Subject: x\r\n\r\nMessage-ID: <in-body@x.vn>\r\n'))).toBeNull();
    expect(headerSection(field('Message-ID: <h@x.vn>\r\n\r\nbody')).toString()).toBe('Message-ID: <h@x.vn>\r\n\r\n');
  });

  it.each([
    ['CRLF header, bare blank lines in the body', 'A: 1\r\nB: 2\r\n\r\nline\n\nline\r\n', 'A: 1\r\nB: 2\r\n\r\n'],
    ['bare-LF header, CRLF blank lines in the body', 'A: 1\nB: 2\n\nline\r\n\r\nline\n', 'A: 1\nB: 2\n\n'],
    ['a bare LF blank line before the CRLF one', 'A: 1\r\nB: 2\n\nC: 3\r\n\r\nbody', 'A: 1\r\nB: 2\n\n'],
    ['a CRLF blank line right after a bare LF', 'A: 1\n\r\nbody\n\n', 'A: 1\n\r\n'],
    ['no blank line at all', 'A: 1\r\nB: 2\r\n', 'A: 1\r\nB: 2\r\n'],
  ])('ends the header at its first blank line, CRLF or bare LF (%s)', (_why, raw, head) => {
    expect(headerSection(field(raw)).toString('latin1')).toBe(head);
  });
});
