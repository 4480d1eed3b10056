import cityTimezones from 'city-timezones';
import ct from 'countries-and-timezones';
import { canonicalZone as tzdbZone } from '../../domain/tzdb.js';
import { byIso, HISTORICAL_CODES, territoriesIn, UNKNOWN_COUNTRY } from './countries.js';

// Where a stop is: its IANA zone and, when the place is known, its coordinates. All offline:
// countries-and-timezones gives each country's zones and city-timezones is the gazetteer (about 7,300 cities).
//
// - Coordinates come only from the gazetteer, when the record's locale is a city of the stop's country. A locale
//   that names several places ("Tel Aviv, Jerusalem") stays one stop and gets none; so does an unknown one. A
//   stop never gets made-up coordinates (such as 0,0).
// - The zone is the country's when it has only one. When it has several, it is the city's, when the locale (or
//   every place it names) is a known city of the country. Otherwise it is inferred: the zone of the country's
//   most populous city in the gazetteer. A country that could not be identified (ZZ) gets Etc/UTC, inferred.
// Inferred zones are said to be so, in the stop's notes.

export type Place = {
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
  /** Why the zone is a guess; null when it is not. */
  inferred: string | null;
};

type City = {
  name: string;
  province: string;
  iso2: string;
  lat: number;
  lng: number;
  pop: number;
  timeZone: string;
};

/** Spelling, case, accents and punctuation aside. */
export const placeKey = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

// Names the Historian writes that the gazetteer spells otherwise (or by a part of the city it knows).
const LOCALE_ALIASES: Record<string, string> = {
  'mexico d f': 'mexico city',
  'mexico df': 'mexico city',
  'west berlin': 'berlin',
  'east berlin': 'berlin',
  kiev: 'kyiv',
  'tel aviv': 'tel aviv yafo',
  bariloche: 'san carlos de bariloche',
  peking: 'beijing',
  yangon: 'rangoon',
  'kuwait city': 'kuwait',
  'washington d c': 'washington',
  saigon: 'ho chi minh city',
  bombay: 'mumbai',
  calcutta: 'kolkata',
  madras: 'chennai',
  'new york city': 'new york',
  djakarta: 'jakarta',
  jidda: 'jeddah',
  tblisi: 'tbilisi',
  berne: 'bern',
};

/**
 * A zone's current name when it was renamed (Asia/Calcutta → Asia/Kolkata); a link to another country's zone
 * (Europe/Copenhagen → Europe/Berlin, a tzdb merger) is kept, so that Copenhagen is not put in Berlin.
 */
const canonicalCache = new Map<string, string>();

/** Whether the tz database the app reads (domain/tzdb.ts, the same one as every instant) knows the name. */
const isValidZone = (zone: string): boolean => tzdbZone(zone) !== undefined;

function canonicalZone(zone: string): string {
  let canonical = canonicalCache.get(zone);
  if (canonical === undefined) {
    canonical = renamedTo(zone);
    canonicalCache.set(zone, canonical);
  }
  return canonical;
}

function renamedTo(zone: string): string {
  const info = ct.getTimezone(zone);
  if (info?.aliasOf) {
    const target = ct.getTimezone(info.aliasOf);
    const renamed = target !== null && target.countries[0] === info.countries[0];
    if (renamed || !isValidZone(zone)) return info.aliasOf;
  }
  return zone;
}

let gazetteer: Map<string, City[]> | null = null;
const byCountry = new Map<string, City[]>();

function cities(): Map<string, City[]> {
  if (gazetteer) return gazetteer;
  const index = new Map<string, City[]>();
  for (const c of cityTimezones.cityMapping) {
    if (!c.timezone || !isValidZone(c.timezone)) continue;
    // The gazetteer files Kosovo's cities under -99 (a number).
    const iso2 = String(c.iso2) === '-99' ? (byIso(c.country) ?? '') : c.iso2;
    const city: City = {
      name: c.city,
      province: c.province ?? '',
      iso2,
      lat: c.lat,
      lng: c.lng,
      pop: c.pop,
      timeZone: canonicalZone(c.timezone),
    };
    for (const key of new Set([placeKey(c.city), placeKey(c.city_ascii)])) {
      if (!key) continue;
      const list = index.get(key);
      if (list) list.push(city);
      else index.set(key, [city]);
    }
    const list = byCountry.get(iso2);
    if (list) list.push(city);
    else byCountry.set(iso2, [city]);
  }
  gazetteer = index;
  return index;
}

const mostPopulous = (list: City[]): City | undefined =>
  list.reduce<City | undefined>((best, c) => (!best || c.pop > best.pop ? c : best), undefined);

/**
 * The most populous city of that name in one of the countries; when the name carries a qualifier ("Windsor
 * (Ontario)"), one in that province if there is one.
 */
function findCity(name: string, codes: string[]): City | undefined {
  const qualifier = placeKey(/\(([^)]+)\)/.exec(name)?.[1] ?? '');
  const key = placeKey(qualifier ? withoutQualifier(name) : name);
  if (!key) return undefined;
  const index = cities();
  const look = (k: string) => {
    const named = (index.get(k) ?? []).filter((c) => codes.includes(c.iso2));
    const inProvince = named.filter((c) => qualifier !== '' && placeKey(c.province) === qualifier);
    return mostPopulous(inProvince.length > 0 ? inProvince : named);
  };
  return (
    look(LOCALE_ALIASES[key] ?? key) ??
    // "Panama City" is "Panama" in some gazetteers and the other way round.
    (key.endsWith(' city') ? look(key.slice(0, -' city'.length)) : look(`${key} city`))
  );
}

const homeZonesCache = new Map<string, string[]>();

/**
 * The zones of a country's own: countries-and-timezones also lists zones that merely serve it (Europe/Berlin for
 * Denmark, since tzdb merged the two), which would put Copenhagen in Berlin; a zone is the country's own when the
 * country comes first in its list. Renamed zones (Asia/Calcutta) are given by their current names.
 */
function homeZones(code: string): string[] {
  const cached = homeZonesCache.get(code);
  if (cached) return cached;
  const own = (zones: string[]) =>
    zones.filter((z) => z.includes('/') && ct.getTimezone(z)?.countries[0] === code);
  const current = ct.getCountry(code)?.timezones ?? [];
  // Deprecated names count only for a country left with none of its own (Europe/Copenhagen, Asia/Kuwait).
  const chosen =
    [current, ct.getCountry(code, { deprecated: true })?.timezones ?? []]
      .map(own)
      .find((zones) => zones.length > 0) ?? current.filter((z) => z.includes('/'));
  // Links to one zone are one zone (America/St_Thomas and America/Virgin): the first listed stands for them.
  const targets = new Set<string>();
  const distinct = chosen.filter((z) => {
    const target = ct.getTimezone(z)?.aliasOf;
    if (!target) return true;
    if (targets.has(target)) return false;
    targets.add(target);
    return true;
  });
  const zones = [...new Set(distinct.map(canonicalZone))].filter(isValidZone);
  homeZonesCache.set(code, zones);
  return zones;
}

/** The most populous city of a province (or state, or region) of one of the countries. */
function provinceCity(name: string, codes: string[]): City | undefined {
  const key = placeKey(name);
  if (!key) return undefined;
  cities();
  return mostPopulous(
    codes
      .flatMap((c) => byCountry.get(c) ?? [])
      .filter((c) => c.province !== '' && placeKey(c.province) === key),
  );
}

/**
 * Places of a country's former or present territories that records file under the country itself, by the words
 * of their names: Seward (1866) and Knox (1912) went to St. Thomas under "Denmark", then the Danish West Indies,
 * sold to the United States in 1917 (now VI, whose zone is America/St_Thomas).
 */
const TERRITORY_PLACES: Record<string, Record<string, string[]>> = {
  DK: {
    VI: [
      'st thomas',
      'saint thomas',
      'st croix',
      'saint croix',
      'st john',
      'virgin islands',
      'danish west indies',
      'charlotte amalie',
      'christiansted',
      'christianstadt',
      'frederiksted',
      'frederikstadt',
    ],
    GL: ['greenland', 'nuuk', 'godthab', 'thule'],
    FO: ['faroe islands', 'faroes', 'torshavn'],
  },
};

/** The territories of the country that the locale names a place of. */
function territoriesByPlace(code: string, locale: string): string[] {
  const territories = TERRITORY_PLACES[code];
  if (!territories || !locale) return [];
  const words = new Set([
    placeKey(locale),
    ...placesIn(locale).map(placeKey),
    ...placesIn(withoutQualifier(locale)).map(placeKey),
    ...[...locale.matchAll(/\(([^)]+)\)/g)].map((m) => placeKey(m[1] ?? '')),
  ]);
  return Object.entries(territories)
    .filter(([, names]) => names.some((name) => words.has(name)))
    .map(([territory]) => territory);
}

/** Parenthesised words are a province or country that qualifies the place: "Halifax (Nova Scotia)". */
const withoutQualifier = (text: string): string => text.replace(/\s*\([^)]*\)\s*/g, ' ').trim();

/**
 * The countries (ISO 3166-1 alpha-2 codes) whose places and zones a stop stands in. A territory the label names
 * ("Denmark (Greenland)") is the only one: the place is there. Otherwise the country's own (a former state's
 * successors), after the territories the locale names, as colonial-era records do ("Hong Kong" or "Bridgetown
 * (Barbados)" under the United Kingdom, "St. Thomas" under Denmark), which come first as the more precise.
 * Empty for ZZ.
 */
export function placeCountries(code: string, label: string, locale = ''): string[] {
  if (code === UNKNOWN_COUNTRY) return [];
  // "Denmark (Greenland)": the label says the place is in the territory, so the country's own zones do not apply.
  const labelled = territoriesIn(label).filter((c) => c !== code);
  if (labelled.length > 0) return [...new Set(labelled)];
  const own = HISTORICAL_CODES[code]?.successors ?? [code];
  const named = [
    ...territoriesByPlace(code, locale),
    ...territoriesIn(locale),
    ...placesIn(withoutQualifier(locale)).map(byIso),
  ].filter((c): c is string => c !== undefined && c !== code);
  return [...new Set([...named, ...own])];
}

/** Splits a locale that names several places: "Tel Aviv, Jerusalem", "Camp David and Washington". */
const placesIn = (locale: string): string[] =>
  locale
    .split(/\s*(?:[,;/&]|\band\b)\s*/)
    .map((p) => p.trim())
    .filter(Boolean);

const placeCache = new Map<string, Place>();

/** The zone and coordinates of a stop, from its country (code and label) and the record's locale. */
export function resolvePlace(code: string, label: string, locale: string): Place {
  const key = `${code}\u0000${label}\u0000${locale}`;
  let place = placeCache.get(key);
  if (!place) {
    place = locate(code, label, locale);
    placeCache.set(key, place);
  }
  return place;
}

const squared = (a: City, b: City) => (a.lat - b.lat) ** 2 + (a.lng - b.lng) ** 2;

/**
 * The city with a zone of its own country's: the gazetteer gives some border cities their neighbour's zone
 * (Windsor, Ontario, America/Detroit). Such a city takes the zone of the nearest city of its province (or, failing
 * that, of its country) whose zone is one of the country's, by coordinates.
 */
function withOwnZone(city: City): City {
  const own = homeZones(city.iso2);
  if (own.length === 0 || own.includes(city.timeZone)) return city;
  cities();
  const candidates = (byCountry.get(city.iso2) ?? []).filter((c) => own.includes(c.timeZone));
  const sameProvince = candidates.filter((c) => c.province !== '' && c.province === city.province);
  const pool = sameProvince.length > 0 ? sameProvince : candidates;
  const nearest = pool.reduce<City | undefined>(
    (best, c) => (!best || squared(c, city) < squared(best, city) ? c : best),
    undefined,
  );
  return nearest ? { ...city, timeZone: nearest.timeZone } : city;
}

function locate(code: string, label: string, locale: string): Place {
  const codes = placeCountries(code, label, locale);
  const zones = [...new Set(codes.flatMap(homeZones))];
  if (zones.length === 0) {
    return {
      latitude: null,
      longitude: null,
      timeZone: 'Etc/UTC',
      inferred: 'the country is not identified, so UTC stands in',
    };
  }
  const whole = locale ? (findCity(locale, codes) ?? findCity(withoutQualifier(locale), codes)) : undefined;
  const parts = whole || !locale ? [] : placesIn(withoutQualifier(locale));
  const found = whole ? [whole] : parts.length > 1 ? parts.map((p) => findCity(p, codes)) : [];
  const located = found.filter((c): c is City => c !== undefined).map(withOwnZone);
  const coordinates = whole
    ? { latitude: whole.lat, longitude: whole.lng }
    : { latitude: null, longitude: null };

  if (zones.length === 1) return { ...coordinates, timeZone: zones[0] as string, inferred: null };
  const cityZones = [...new Set(located.map((c) => c.timeZone))];
  const first = located[0];
  if (first) {
    const inferred =
      cityZones.length > 1
        ? 'the places named are in different zones, so the first one’s stands for the stop'
        : located.length < found.length
          ? `only ${first.name} is a known city among the places named, so its zone stands for the stop`
          : null;
    return { ...coordinates, timeZone: first.timeZone, inferred };
  }
  // A territory named in the locale has only one zone more often than not (Bermuda, Hong Kong).
  const territory = codes.find((c) => c !== code && homeZones(c).length === 1);
  if (territory) return { ...coordinates, timeZone: homeZones(territory)[0] as string, inferred: null };
  // "Whistler (British Columbia)": the province's main city is a better guess than the country's.
  const qualifiers = [...locale.matchAll(/\(([^)]+)\)/g)].map((m) => m[1] ?? '').concat(parts.slice(1));
  for (const qualifier of qualifiers) {
    const city = provinceCity(qualifier, codes);
    if (city) {
      return {
        ...coordinates,
        timeZone: withOwnZone(city).timeZone,
        inferred: `the place is not a known city, so the zone of ${city.name}, the largest city of ${qualifier}, stands in`,
      };
    }
  }
  cities();
  const biggest = mostPopulous(codes.flatMap((c) => byCountry.get(c) ?? []));
  return {
    ...coordinates,
    timeZone: biggest ? withOwnZone(biggest).timeZone : (zones[0] as string),
    inferred: biggest
      ? `no place named is a known city there, so the zone of its most populous city (${biggest.name}) stands in`
      : 'no place named is a known city there, so the country’s first zone stands in',
  };
}
