// Replies and quoted text: a reply ("Re:", "TL:", "Trả lời:") names the document it answers in its
// subject and quotes the original below its own words; neither transmits that document again.
// Pure: text in, the parts out.

/** Reply prefixes as mail clients write them, in Vietnamese and English (and a few others). */
const REPLY_PREFIX = /^\s*(?:\[[^\]]{0,40}\]\s*)?(?:re|tl|trả lời|tra loi|phản hồi|aw|sv|antw|odp|ynt)\s*(?:\[\d+\])?\s*:/iu;

export function isReplySubject(subject: string): boolean {
  return REPLY_PREFIX.test(subject.normalize('NFC'));
}

// Where the quoted original starts: a line quoted with ">", or the header line that clients put
// above it ("-----Original Message-----", "Vào … đã viết:", "On … wrote:", "----- Thư gốc -----").
const QUOTE_START =
  /^(?:>|-{2,}\s*(?:original message|thư gốc|tin nhắn gốc|forwarded message|thư chuyển tiếp)\s*-{2,}|(?:vào|on)\b.{0,200}(?:đã viết|viết|wrote)\s*:\s*$|(?:from|từ)\s*:\s.+\n(?:sent|gửi|date|ngày)\s*:)/imu;

/** The writer's own text, and the quoted original (empty when there is none). */
export function splitQuoted(body: string): { own: string; quoted: string } {
  const m = QUOTE_START.exec(body);
  if (!m) return { own: body, quoted: '' };
  return { own: body.slice(0, m.index), quoted: body.slice(m.index) };
}
