import asciiFolding from 'fold-to-ascii';

// One rule for matching and sorting text, used by the search index, every text filter and name sorting, so that
// what `/search` finds, `q=`, `city=` and `topic=` find too, and `sort=name` orders the same way. The database
// calls it as the SQL function `search_text` (registered in db/client.ts), which its search triggers use.
//
// Also the rule for text that comes in: line ends made `\n`, other control characters and half characters refused.

const ASCII = /^\p{ASCII}*$/u;

/** The Combining Diacritical Marks block: the accents of Latin, Greek and Cyrillic letters once decomposed. */
const COMBINING_ACCENTS = /[\u0300-\u036f]/g;

/**
 * Text as it is compared: compatibility-decomposed (NFKD, so `ﬁ` is `fi` and full-width `Ａ` is `A`), accents
 * dropped, then Apache Lucene's ASCII folding (the `fold-to-ascii` package) for the letters that are not a base
 * letter plus an accent (`ł`→`l`, `ø`→`o`, `ß`→`ss`, `ı`→`i`, `þ`→`th`, `æ`→`ae`), lower case, and NFC again.
 * Letters with no Latin equivalent (Chinese, Japanese, Korean, Cyrillic, Arabic…) stay as they are, in lower
 * case where they have one. Punctuation and spaces are kept, so substrings still mean what they meant.
 */
export function fold(text: string): string {
  // Most text is ASCII, for which every step but lower case changes nothing.
  if (ASCII.test(text)) return text.toLowerCase();
  const unaccented = text.normalize('NFKD').replace(COMBINING_ACCENTS, '');
  return asciiFolding.foldMaintaining(unaccented).toLowerCase().normalize('NFC');
}

/**
 * Scripts written without spaces between words (Han, Hiragana, Katakana, and Hangul, whose words carry their
 * particles): each character is indexed as a word of its own, so a word is found inside a longer run.
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]/u;
const UNSPACED_ALL = new RegExp(UNSPACED.source, 'gu');

/**
 * The searchable form of text: `fold`, with a space on each side of every character of an unspaced script, so
 * that the index's tokenizer (FTS5 `unicode61`) makes each one a word and a query for `北京` becomes the phrase
 * `北 京`, found inside `在 北 京 会 见`. Substrings of the original are substrings of this form too.
 */
export function searchText(text: string): string {
  return fold(text).replace(UNSPACED_ALL, ' $& ').replace(/ {2,}/g, ' ').trim();
}

/**
 * The words of text as the search index holds them: runs of letters, digits and private-use characters (the
 * `unicode61` tokenizer's word characters), folded; each character of an unspaced script is a word of its own.
 */
export function searchTokens(text: string): string[] {
  return searchText(text).match(WORD) ?? [];
}
const WORD = /[\p{L}\p{N}\p{Co}]+/gu;
/** A run of word characters and the marks on them, as text holds it. */
const RUN = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;
/** Within a run: one character of an unspaced script, or the characters up to the next one. */
const UNSPACED_OR_OTHER = new RegExp(`${UNSPACED.source}|(?:(?!${UNSPACED.source}).)+`, 'gu');

/**
 * The words of text with their places in it, for marking matches in the original: each word's start and end
 * (UTF-16 offsets into `text`), its folded form, and whether it is a character of an unspaced script.
 */
export function wordsWithOffsets(text: string): { start: number; end: number; form: string }[] {
  const words: { start: number; end: number; form: string }[] = [];
  const add = (run: string, start: number) => {
    const end = start + run.length;
    for (const form of searchTokens(run)) words.push({ start, end, form });
  };
  for (const match of text.matchAll(RUN)) {
    const run = match[0];
    // An ASCII run is one word, in lower case: the common case, kept cheap, as snippets cut long texts.
    if (ASCII.test(run))
      words.push({ start: match.index, end: match.index + run.length, form: run.toLowerCase() });
    else if (!UNSPACED.test(run)) add(run, match.index);
    else for (const part of run.matchAll(UNSPACED_OR_OTHER)) add(part[0], match.index + part.index);
  }
  return words;
}

/** Line ends as Unicode lists them (CR LF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR), each made `\n`. */
const LINE_ENDS = /\r\n|[\r\u0085\u2028\u2029]/g;

/** Control characters (Unicode's Cc: C0, DEL and C1), but for tab and line feed, which text may hold. */
const CONTROL = /[^\P{Cc}\t\n]/u;

/** In a `u` regular expression, a surrogate code unit that is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Text as it is stored: line ends made `\n`, and NFC, so one letter is always the same code points. */
export function normalizeText(text: string): string {
  return text.replace(LINE_ENDS, '\n').normalize('NFC');
}

/**
 * Why text cannot be stored, or null when it can: a lone UTF-16 surrogate (half of a character, such as an emoji
 * cut in two, which would be stored as bytes that are not UTF-8), or a control character other than tab and line
 * feed (checked after `normalizeText`, which has turned other line ends into line feeds).
 */
export function textFault(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'holds half a character (a lone UTF-16 surrogate)';
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `holds the control character U+${code}; only tab and line breaks may appear in text`;
  }
  return null;
}
