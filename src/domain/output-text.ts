// What a text-based output format may carry of a stored text, whatever was stored.

/**
 * A stored text with its line ends as `\n` and without control characters (Unicode category Cc: U+0000–U+001F,
 * U+007F–U+009F) other than tab and line feed. Neither RFC 5545 TEXT nor an RFC 4180 field may hold a raw control
 * character, and a lone CR inside a value is read as a line end by some readers and refused by others. Input is
 * normalised on the way in, but rows stored before that rule (or written below the API) may still hold them, so
 * the calendar and CSV writers pass every stored text through this.
 */
export const withoutControlCharacters = (value: string): string =>
  // Most texts hold none: one test of the whole text is cheaper than two replacements.
  CONTROL.test(value) ? value.replace(/\r\n?/g, '\n').replace(/(?![\t\n])\p{Cc}/gu, '') : value;

/** Any control character but tab and line feed (CR included: it becomes a line feed). */
const CONTROL = /(?![\t\n])\p{Cc}/u;
