// Who travels: the Historian's <name> of a traveler ("Henry A. (Heinz Alfred) Kissinger") and <visitor> of a
// visit ("Prime Minister Erna Solberg") become a participant's name and title.

/** The office of a traveler, by the record's role. */
export const TRAVELER_TITLES: Record<string, string> = {
  secretary: 'Secretary of State',
  president: 'President of the United States',
};

export const TRAVELER_ORGANIZATIONS: Record<string, string | null> = {
  secretary: 'U.S. Department of State',
  president: null,
};

/** A name without its parenthesised asides: "Henry A. (Heinz Alfred) Kissinger" → "Henry A. Kissinger". */
export const displayName = (name: string): string =>
  name
    .replace(/\s*\([^)]*\)\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Case, accents and punctuation aside, for matching names. */
export const nameKey = (name: string): string =>
  displayName(name)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/**
 * Whether two names are one person's, written more or less fully: the same first and last words ("Rex W.
 * Tillerson" and "Rex Tillerson").
 */
export function sameName(a: string, b: string): boolean {
  const x = nameKey(a).split(' ');
  const y = nameKey(b).split(' ');
  return x.length > 0 && x[0] === y[0] && x[x.length - 1] === y[y.length - 1];
}

// Words that make up the offices before a visitor's name. A title is the longest run of them that opens the
// text and does not end on a joining word; what follows is the name.
const TITLE_WORDS = new Set([
  'acting',
  'interim',
  'transitional',
  'provisional',
  'former',
  'first',
  'deputy',
  'vice',
  'president',
  'president-elect',
  'prime',
  'minister',
  'premier',
  'chancellor',
  'king',
  'queen',
  'crown',
  'prince',
  'princess',
  'emperor',
  'empress',
  'emir',
  'amir',
  'sultan',
  'grand',
  'duke',
  'duchess',
  'sheikh',
  'shaikh',
  'chairman',
  'general',
  'secretary',
  'secretary-general',
  'foreign',
  'defense',
  'defence',
  'governor',
  'governor-general',
  'chief',
  'executive',
  'head',
  'state',
  'government',
  'council',
  'affairs',
  'supreme',
  'leader',
  'pope',
  'cardinal',
  'archbishop',
  'patriarch',
  'taoiseach',
  'regent',
  'field',
  'marshal',
  'admiral',
  'his',
  'her',
  'majesty',
  'royal',
  'highness',
  'of',
  'the',
  'and',
]);
const JOINING_WORDS = new Set(['of', 'the', 'and']);

const isTitleWord = (word: string): boolean => {
  const w = word.toLowerCase().replace(/[.,]$/, '');
  // Misspellings such as "Prime Ministere" are still the office.
  return TITLE_WORDS.has(w) || w.startsWith('minist') || w.startsWith('presiden');
};

/** "Prime Minister Erna Solberg" → { title: "Prime Minister", name: "Erna Solberg" }. */
export function splitVisitor(visitor: string): { title: string | null; name: string } {
  const words = visitor.trim().split(/\s+/);
  let end = 0;
  for (let i = 0; i < words.length - 1; i += 1) {
    const word = words[i] as string;
    if (!isTitleWord(word)) break;
    if (!JOINING_WORDS.has(word.toLowerCase())) end = i + 1;
  }
  if (end === 0) return { title: null, name: displayName(visitor) };
  return {
    title: words.slice(0, end).join(' ').replace(/,$/, ''),
    name: displayName(words.slice(end).join(' ')),
  };
}
