// libmime (by the author of mailparser and nodemailer) ships no type declarations; edocwatch uses
// only its encoded-word decoder.
declare module 'libmime' {
  const libmime: {
    decodeWords(value: string): string;
  };
  export default libmime;
}
