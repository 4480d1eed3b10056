import { distance } from 'fastest-levenshtein';
import type { Countries } from 'world-countries';
import worldCountriesModule from 'world-countries';
import countries from '../../domain/iso-countries.js';

// The package is CommonJS (module.exports = the list) with typings that declare an ES default export, which
// NodeNext reads as the module object: the value is the list.
const worldCountries = worldCountriesModule as unknown as Countries;

// The Historian names countries by a slug and a label of the time: <country id="russia">U.S.S.R.</country>,
// <country id="korea-south">Korea, Republic of</country>. Each becomes an ISO 3166-1 alpha-2 code, found in this
// order:
//   1. the exceptions below, by label and then by slug: states that no longer exist keep their ISO 3166-3 era
//      codes (a 1975 visit to Moscow is to the Soviet Union, SU, not to Russia), renamed and duplicate slugs share
//      one code, and a few common names the ISO package lacks;
//   2. i18n-iso-countries on the slug, then on the label, matching any of its English names as a set of words,
//      so that "Korea, South", "korea-south" and "South Korea" agree, accents, case and "the", "of", "and" aside;
//   3. inferred: former and short names from world-countries' alternative spellings (swaziland, renamed Eswatini,
//      is SZ), then a misspelling within a bounded edit distance of exactly one country's name (somoa is WS).
//      Both are said to be inferred, so that the report and the stop's notes can flag them.
// A country found neither way is never dropped: it is imported as ZZ (the ISO code for "unknown or unspecified",
// which ISO 3166-1 leaves to users) with the record's label kept, and flagged.

/** ISO 3166-1 alpha-2's user-assigned code, used for a country the import could not identify. */
export const UNKNOWN_COUNTRY = 'ZZ';

const EXCEPTIONS: Record<string, string> = {
  // Former states (ISO 3166-3); Kosovo's code is user-assigned but in general use.
  czechoslovakia: 'CS',
  'german democratic republic': 'DD',
  'east germany': 'DD',
  yugoslavia: 'YU',
  'netherlands antilles': 'AN',
  ussr: 'SU',
  'u s s r': 'SU',
  'soviet union': 'SU',
  kosovo: 'XK',
  // Renamed or duplicate slugs: one code each.
  czechia: 'CZ',
  'czech republic': 'CZ',
  turkiye: 'TR',
  turkey: 'TR',
  'north macedonia': 'MK',
  macedonia: 'MK',
  burma: 'MM',
  brunei: 'BN',
  // Names the ISO package does not know.
  'palestinian authority': 'PS',
  'west bank': 'PS',
  syria: 'SY',
  laos: 'LA',
  moldova: 'MD',
  bosnia: 'BA',
};

// Former names of countries that still exist, which world-countries' spellings lack. They resolve, but as an
// inference: the record's place may have had other borders then.
const FORMER_NAMES: Record<string, string> = {
  zaire: 'CD',
  ceylon: 'LK',
  siam: 'TH',
  persia: 'IR',
  dahomey: 'BJ',
  'upper volta': 'BF',
  rhodesia: 'ZW',
  'southern rhodesia': 'ZW',
  kampuchea: 'KH',
  formosa: 'TW',
  bechuanaland: 'BW',
  basutoland: 'LS',
  nyasaland: 'MW',
  tanganyika: 'TZ',
  'gold coast': 'GH',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
};

/** ISO 3166-3 codes of former states and XK, which the API's validation does not accept (ISO 3166-1 lacks them). */
export const HISTORICAL_CODES: Record<string, { name: string; successors: string[] }> = {
  CS: { name: 'Czechoslovakia', successors: ['CZ', 'SK'] },
  DD: { name: 'German Democratic Republic', successors: ['DE'] },
  YU: { name: 'Yugoslavia', successors: ['RS', 'HR', 'SI', 'BA', 'MK', 'ME', 'XK'] },
  AN: { name: 'Netherlands Antilles', successors: ['CW', 'SX', 'BQ'] },
  SU: {
    name: 'Soviet Union',
    successors: ['RU', 'UA', 'BY', 'UZ', 'KZ', 'GE', 'AZ', 'LT', 'MD', 'LV', 'KG', 'TJ', 'AM', 'TM', 'EE'],
  },
  // Not historical, but unknown to the ISO packages; the gazetteer files its cities under -99.
  XK: { name: 'Kosovo', successors: ['XK', 'RS'] },
};

const STOP_WORDS = new Set(['the', 'of', 'and']);

/** Case, accents, punctuation, word order and filler words aside: "Korea, Republic of" = "Republic of Korea". */
function wordsKey(text: string): string {
  const words = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => (w === 'st' ? 'saint' : w))
    .filter((w) => w && !STOP_WORDS.has(w));
  return words.sort().join(' ');
}

/** Exceptions are looked up by their words in order, so that "u.s.s.r." and "ussr" both match. */
const exceptionKey = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

let isoIndex: Map<string, string> | null = null;

/** Adds a name's word key to an index; a key that two codes share is marked ambiguous. */
function addName(index: Map<string, string>, ambiguous: Set<string>, name: string, code: string): void {
  for (const variant of [name, name.replace(/\s*\(.*?\)\s*/g, ' ')]) {
    const key = wordsKey(variant);
    if (!key) continue;
    const known = index.get(key);
    if (known && known !== code) ambiguous.add(key);
    else index.set(key, code);
  }
}

/** Every English name of every code, by its words; a set of words shared by two codes is left out. */
function isoNames(): Map<string, string> {
  if (isoIndex) return isoIndex;
  const index = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const [code, names] of Object.entries(countries.getNames('en', { select: 'all' }))) {
    for (const name of Array.isArray(names) ? names : [names]) addName(index, ambiguous, name, code);
  }
  for (const key of ambiguous) index.delete(key);
  isoIndex = index;
  return index;
}

let aliasIndex: Map<string, string> | null = null;

/**
 * Former, short and local names (world-countries' `altSpellings`, and its common and official names), by their
 * words, where i18n-iso-countries has none of them: "Swaziland" → SZ. Codes and abbreviations of three letters or
 * fewer are left out, as they would match words of labels.
 */
function aliasNames(): Map<string, string> {
  if (aliasIndex) return aliasIndex;
  const index = new Map<string, string>();
  const ambiguous = new Set<string>();
  const iso = isoNames();
  for (const country of worldCountries) {
    const names = [country.name.common, country.name.official, ...country.altSpellings];
    for (const name of names) {
      if (name.replace(/[^\p{L}]/gu, '').length <= 3 || iso.has(wordsKey(name))) continue;
      addName(index, ambiguous, name, country.cca2);
    }
  }
  for (const key of ambiguous) index.delete(key);
  aliasIndex = index;
  return index;
}

/** The code of a country or territory name, or undefined. */
export function byIso(text: string): string | undefined {
  if (!text) return undefined;
  const exact = countries.getAlpha2Code(text, 'en');
  if (exact) return exact;
  const index = isoNames();
  return index.get(wordsKey(text)) ?? index.get(wordsKey(text.replace(/\s*\(.*?\)\s*/g, ' ')));
}

/** A former or short name's code (world-countries' alternative spellings), or undefined. */
function byAlias(text: string): { code: string; name: string } | undefined {
  if (!text) return undefined;
  const code = FORMER_NAMES[exceptionKey(text)] ?? aliasNames().get(wordsKey(text));
  return code ? { code, name: isoName(code) } : undefined;
}

/** The most edits a misspelt name may be from a country's name: none below 5 letters, 1 up to 8, then 2. */
const maxEdits = (length: number): number => (length < 5 ? 0 : length < 9 ? 1 : 2);

/**
 * A misspelt name's code: the one country whose name (ISO or alias) is within the bounded Levenshtein distance of
 * the text's words, and nearer than any other country's; undefined when none or several are as near.
 */
function byNearName(text: string): { code: string; name: string } | undefined {
  const key = wordsKey(text);
  const bound = maxEdits(key.length);
  if (bound === 0) return undefined;
  let best: { code: string; edits: number } | undefined;
  let tie = false;
  for (const index of [isoNames(), aliasNames()]) {
    for (const [name, code] of index) {
      if (Math.abs(name.length - key.length) > bound) continue;
      const edits = distance(key, name);
      if (edits > bound) continue;
      if (!best || edits < best.edits) {
        best = { code, edits };
        tie = false;
      } else if (edits === best.edits && code !== best.code) {
        tie = true;
      }
    }
  }
  return best && !tie ? { code: best.code, name: isoName(best.code) } : undefined;
}

const isoName = (code: string): string => countries.getName(code, 'en') ?? code;

export type CountryMatch = {
  /** ISO 3166-1 alpha-2 (or ISO 3166-3 for former states, XK for Kosovo); ZZ when not identified. */
  code: string;
  /** The record's label, or the slug when the label is empty. */
  label: string;
  known: boolean;
  /** Why the code is a guess (a former name, a misspelling); null when the record names it plainly. */
  inferred: string | null;
};

const cache = new Map<string, CountryMatch>();

/**
 * The ISO code of a Historian country (its slug, as in `<country id="korea-south">`, and its label), by the
 * order above. Never throws: a country not identified is ZZ with `known` false.
 */
export function resolveCountry(slug: string, label: string): CountryMatch {
  const cacheKey = `${slug}\u0000${label}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const slugWords = slug.replace(/-/g, ' ');
  const shown = label.trim() || slug;
  const code =
    EXCEPTIONS[exceptionKey(label)] ??
    EXCEPTIONS[exceptionKey(slugWords)] ??
    byIso(slugWords) ??
    byIso(label.trim());
  let match: CountryMatch = {
    code: code ?? UNKNOWN_COUNTRY,
    label: shown,
    known: code !== undefined,
    inferred: null,
  };
  if (code === undefined) {
    const alias = byAlias(slugWords) ?? byAlias(label.trim());
    const near = alias ? undefined : (byNearName(slugWords) ?? byNearName(label.trim()));
    if (alias) {
      match = {
        code: alias.code,
        label: shown,
        known: true,
        inferred: `"${shown}" is another name of ${alias.name}`,
      };
    } else if (near) {
      match = {
        code: near.code,
        label: shown,
        known: true,
        inferred: `"${shown}" is read as a misspelling of ${near.name}`,
      };
    }
  }
  cache.set(cacheKey, match);
  return match;
}

/**
 * A label as it reads in a sentence: "China, People’s Republic of" → "People’s Republic of China", "Korea, South"
 * → "South Korea". Labels with no comma, or several, are kept.
 */
export function displayCountry(label: string): string {
  const parts = label.split(',');
  if (parts.length !== 2) return label.trim();
  const [head, tail] = parts.map((p) => p.trim()) as [string, string];
  return tail ? `${tail} ${head}` : head;
}

/** Codes named inside a label's parentheses, such as Greenland in "Denmark (Greenland)": their places count too. */
export function territoriesIn(label: string): string[] {
  const codes: string[] = [];
  for (const m of label.matchAll(/\(([^)]+)\)/g)) {
    const code = byIso((m[1] ?? '').trim());
    if (code) codes.push(code);
  }
  return codes;
}
