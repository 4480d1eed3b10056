import countries from './iso-countries.js';

// Country codes beyond ISO 3166-1's current list, which the Historian's records need: the codes ISO 3166-3
// reserves for former states, Kosovo's XK (used by the EU and others), and ZZ for a country the import could not
// identify. The API accepts them wherever it takes a country and names them itself.
export const NON_ISO_COUNTRIES: Readonly<Record<string, string>> = {
  AN: 'Netherlands Antilles',
  CS: 'Czechoslovakia',
  DD: 'German Democratic Republic',
  SU: 'Soviet Union',
  XK: 'Kosovo',
  YU: 'Yugoslavia',
  ZZ: 'Unknown country',
};

export const isCountryCode = (code: string): boolean => countries.isValid(code) || code in NON_ISO_COUNTRIES;

/** The English short name of a code: the ISO package's, or ours for the codes above. */
export const countryName = (code: string): string =>
  countries.getName(code, 'en') ?? NON_ISO_COUNTRIES[code] ?? code;
