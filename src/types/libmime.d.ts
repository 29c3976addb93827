// libmime (by the author of mailparser and nodemailer) ships no type declarations; edocwatch uses
// its encoded-word decoder, and (src/analyze/legacy-text.ts) its header-block and header-value parsers.
declare module 'libmime' {
  const libmime: {
    decodeWords(value: string): string;
    /** Unfolded header lines by lower-case name, values as written. */
    decodeHeaders(headers: string): Record<string, string[]>;
    /** `text/plain; charset="x"` → { value: 'text/plain', params: { charset: 'x' } }. */
    parseHeaderValue(value: string): { value: string; params: Record<string, string> };
  };
  export default libmime;
}
