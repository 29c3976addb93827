// A label case as the raw RFC 5322 message `inspect` reads: headers, a text body (and an HTML one
// when a logo is embedded, as webmail signatures do), and the attachment files of src/eval/fixtures.ts.

import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer/index.js';
import type { LabelCase } from './cases.js';
import type { FixtureFiles } from './fixtures.js';

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function composeCase(c: LabelCase, files: FixtureFiles): Promise<Buffer> {
  const attachments: NonNullable<MailComposerOptions['attachments']> = [];
  const logos: string[] = [];
  c.attachments.forEach((a, i) => {
    const f = files[a.as];
    if (a.as === 'logo') {
      const cid = `logo${i}@eval.edocwatch`;
      logos.push(cid);
      attachments.push({ filename: a.file, content: f.content, contentType: f.contentType, cid });
    } else {
      attachments.push({ filename: a.file, content: f.content, contentType: f.contentType });
    }
  });
  const html =
    logos.length > 0
      ? `<div>${c.body.split('\n').map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${logos.map((cid) => `<img src="cid:${cid}" alt="logo">`).join('')}</div>`
      : undefined;
  const options: MailComposerOptions = {
    from: c.from,
    // No To: at all is a Bcc copy; the group syntax is what mail systems then write.
    to: c.to.length > 0 ? c.to : undefined,
    ...(c.cc.length > 0 ? { cc: c.cc } : {}),
    subject: c.subject,
    date: new Date(c.date),
    messageId: `<${c.id}@eval.edocwatch>`,
    text: c.body,
    ...(html ? { html } : {}),
    attachments,
    headers: { ...(c.to.length === 0 ? { To: 'undisclosed-recipients:;' } : {}), ...c.headers },
    newline: 'win',
    baseBoundary: c.id,
  };
  return new MailComposer(options).compile().build();
}
