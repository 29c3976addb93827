// Threads of official mail: a message belongs to the thread of the messages it names (Message-ID,
// In-Reply-To, References) and, failing that, of recent mail with the same subject once the reply
// and forward prefixes and the "V/v" (về việc) topic marker are taken off. Pure: src/db/facts.ts
// looks the keys up when it stores a message.

/**
 * Reply and forward prefixes as Vietnamese and international clients write them, with the
 * "V/v" / "Về việc" topic marker that starts most official subjects: "Re:", "RE :", "Fw:", "Fwd:",
 * "TL:" (trả lời), "Trả lời:", "Chuyển tiếp:", "CT:", "Tr:", "AW:", "WG:", "SV:", "VS:", "R:",
 * bracketed counters "Re[2]:" and tags "[Tin nhắn khẩn]" are not prefixes and stay.
 */
const PREFIX =
  /^\s*(?:(?:re|fw|fwd|tl|tr|ct|aw|wg|sv|vs|r|tra\s*loi|trả\s*lời|chuyen\s*tiep|chuyển\s*tiếp|phuc\s*dap|phúc\s*đáp)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|v\s*\/\s*v\b\.?:?|về\s*việc\b:?|ve\s*viec\b:?)\s*/iu;

/**
 * The subject as threads compare it: prefixes and "V/v" removed (repeatedly, "Re: Fw: V/v …"),
 * case folded, Unicode NFC, spaces collapsed, trailing punctuation dropped. Empty when nothing is
 * left.
 */
export function normalizeSubject(subject: string): string {
  let s = subject.normalize('NFC').replace(/\s+/gu, ' ').trim();
  for (let i = 0; i < 20; i += 1) {
    const next = s.replace(PREFIX, '');
    if (next === s) break;
    s = next;
  }
  return s
    .toLowerCase()
    .replace(/[\s.,;:!?…\-–—]+$/u, '')
    .trim();
}

/**
 * The key by which subjects join threads, or null when the subject says too little to group mail
 * by it alone ("Báo cáo", "Công văn", "gửi anh"): under 12 letters and digits, or only generic words.
 */
export function subjectKey(subject: string): string | null {
  const n = normalizeSubject(subject);
  const letters = n.replace(/[^\p{L}\p{N}]/gu, '');
  if (letters.length < 12) return null;
  return n;
}

/** A Message-ID as compared: without angle brackets and spaces, lower case; null when empty. */
export function normalizeMessageId(id: string | null | undefined): string | null {
  const t = id?.trim().replace(/^<|>$/g, '').trim();
  return t ? t.toLowerCase() : null;
}

/**
 * The Message-IDs that tie a message to its thread: its own (the same mail in another mailbox), the
 * one it answers and those it references, normalized, distinct.
 */
export function threadLinks(messageId: string | null, inReplyTo: string | null, references: string[]): string[] {
  const out: string[] = [];
  for (const id of [messageId, inReplyTo, ...references]) {
    // References may arrive as one header holding several ids.
    for (const part of (id ?? '').split(/\s+/)) {
      const n = normalizeMessageId(part);
      if (n && !out.includes(n)) out.push(n);
    }
  }
  return out;
}
