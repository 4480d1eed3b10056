import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cityTimezones from 'city-timezones';
import { resolveCountry } from '../src/importers/historian/countries.js';
import { mulberry32, weightedPicker } from './dataset.js';

// Writes a synthetic travels file in the Office of the Historian's format (<trips><trip role who>…</trip></trips>,
// as in its secretary-travels files), for the import benchmark and the tests of imports at scale:
//   npx tsx scripts/generate-travels.ts --records 1000000 --out /tmp/travels.xml [--seed 42]
// The same --records and --seed give the same bytes on any machine (every choice comes from a seeded PRNG). What is
// realistic about it, from the 34 real Secretaries' files:
// - travelers repeat: about one per 250 records, a few with many records and most with fewer, Secretaries of State
//   and Presidents, each with a slug (`who`) made of their names as upstream does (`kerry-john-forbes`);
// - each traveler's records are journeys of 1 to 8 legs, one country each, a leg starting the day the previous one
//   ends or the day after, journeys days to weeks apart over a tenure of 4 to 8 years, between 1866 and 2024;
// - countries by the real files' frequencies, with their labels' variants ("Germany, Federal Republic of",
//   "U.S.S.R.", "Korea, Republic of"), former states, and now and then a misspelt or unknown one (flagged);
// - locales from the gazetteer's largest cities of the country, sometimes two, sometimes none; remarks from the
//   real files' kinds of sentence, wrapped over lines as upstream does; and the record's bookkeeping fields;
// - the file interleaves travelers of the same years in date order, as a chronological export would; record ids
//   are unique and rise through the file; a few legs last implausibly long (flagged as suspicious).
// Memory stays flat: travelers are written a small cohort at a time.

const usage = 'usage: tsx scripts/generate-travels.ts --records N --out FILE [--seed N]';
const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
  strict: true,
});
const records = Number(values.records);
const seed = Number(values.seed);
if (!values.out || !Number.isInteger(records) || records < 1 || !Number.isInteger(seed)) {
  console.error(usage);
  process.exit(2);
}

const next = mulberry32(seed);
const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const chance = (p: number) => next() < p;

/** A picker by weight, drawing from this file's one PRNG. */
const weighted = <T>(entries: readonly (readonly [T, number])[]): (() => T) => weightedPicker(next, entries);

// Slug, label and weight: the real files' most frequent countries and label variants, by their counts there.
const COUNTRIES: readonly (readonly [string, string, number])[] = [
  ['united-kingdom', 'United Kingdom', 213],
  ['france', 'France', 193],
  ['israel', 'Israel', 171],
  ['belgium', 'Belgium', 144],
  ['egypt', 'Egypt', 126],
  ['germany', 'Germany', 94],
  ['saudi-arabia', 'Saudi Arabia', 91],
  ['jordan', 'Jordan', 85],
  ['switzerland', 'Switzerland', 84],
  ['italy', 'Italy', 82],
  ['japan', 'Japan', 75],
  ['syria', 'Syria', 73],
  ['canada', 'Canada', 68],
  ['mexico', 'Mexico', 65],
  ['palestinian-authority', 'Palestinian Authority', 62],
  ['korea-south', 'Korea, Republic of', 49],
  ['germany', 'Germany, Federal Republic of', 48],
  ['turkey', 'Turkey', 45],
  ['russia', 'Russia', 41],
  ['spain', 'Spain', 40],
  ['brazil', 'Brazil', 38],
  ['russia', 'U.S.S.R.', 37],
  ['india', 'India', 36],
  ['austria', 'Austria', 35],
  ['china', 'China, People’s Republic of', 34],
  ['philippines', 'Philippines', 33],
  ['indonesia', 'Indonesia', 32],
  ['holy-see', 'Vatican City', 32],
  ['colombia', 'Colombia', 30],
  ['vietnam', 'Vietnam', 28],
  ['pakistan', 'Pakistan', 28],
  ['lebanon', 'Lebanon', 27],
  ['thailand', 'Thailand', 25],
  ['united-arab-emirates', 'United Arab Emirates', 24],
  ['kuwait', 'Kuwait', 24],
  ['australia', 'Australia', 24],
  ['afghanistan', 'Afghanistan', 24],
  ['ukraine', 'Ukraine', 23],
  ['portugal', 'Portugal', 23],
  ['poland', 'Poland', 23],
  ['iraq', 'Iraq', 23],
  ['argentina', 'Argentina', 23],
  ['qatar', 'Qatar', 22],
  ['morocco', 'Morocco', 22],
  ['ireland', 'Ireland', 21],
  ['netherlands', 'Netherlands', 20],
  ['finland', 'Finland', 20],
  ['china', 'China', 19],
  ['panama', 'Panama', 18],
  ['greece', 'Greece', 18],
  ['peru', 'Peru', 17],
  ['malaysia', 'Malaysia', 17],
  ['kenya', 'Kenya', 17],
  ['denmark', 'Denmark', 17],
  ['chile', 'Chile', 17],
  ['singapore', 'Singapore', 16],
  ['haiti', 'Haiti', 16],
  ['guatemala', 'Guatemala', 15],
  ['el-salvador', 'El Salvador', 15],
  ['iceland', 'Iceland', 14],
  ['costa-rica', 'Costa Rica', 14],
  ['south-africa', 'South Africa', 13],
  ['romania', 'Romania', 13],
  ['norway', 'Norway', 13],
  ['nigeria', 'Nigeria', 13],
  ['iran', 'Iran', 13],
  ['uruguay', 'Uruguay', 12],
  ['new-zealand', 'New Zealand', 12],
  ['hungary', 'Hungary', 12],
  ['venezuela', 'Venezuela', 11],
  ['czech-republic', 'Czech Republic', 11],
  ['yugoslavia', 'Yugoslavia', 10],
  ['ethiopia', 'Ethiopia', 10],
  ['taiwan', 'Republic of China', 9],
  ['sweden', 'Sweden', 9],
  ['georgia', 'Georgia', 9],
  ['bosnia-herzegovina', 'Bosnia-Herzegovina', 9],
  ['congo-democratic-republic', 'Democratic Republic of the Congo (Zaire)', 7],
  ['korea-south', 'Korea, South', 6],
  ['burma', 'Burma', 5],
  ['turkiye', 'Türkiye', 4],
  ['denmark', 'Denmark (Greenland)', 4],
  ['netherlands-antilles', 'Netherlands Antilles', 3],
  ['czechoslovakia', 'Czechoslovakia', 3],
  ['cote-divoire', 'Cote d’Ivoire', 3],
  ['german-democratic-republic', 'German Democratic Republic', 2],
  ['macedonia', 'Macedonia, Former Yugoslav Republic of', 2],
  ['sri-lanka', 'Ceylon', 1],
  ['zimbabwe', 'Southern Rhodesia (Zimbabwe)', 1],
  ['belarus', 'Byelorussia', 1],
  ['antarctica', 'Antarctica', 1],
];
// Rare labels that the importer has to infer (misspellings) or cannot place at all (flagged, code ZZ).
const ODD_COUNTRIES: readonly (readonly [string, string])[] = [
  ['phillipines', 'Phillipines'],
  ['somoa', 'Somoa'],
  ['swaziland', 'Swaziland'],
  ['kingdom-of-hawaii', 'Kingdom of Hawaii'],
];

/** The largest cities of each country in the gazetteer, by ISO code. */
const citiesOf = new Map<string, string[]>();
for (const city of [...cityTimezones.cityMapping].sort((a, b) => b.pop - a.pop)) {
  const list = citiesOf.get(city.iso2) ?? [];
  if (list.length < 6) list.push(city.city);
  citiesOf.set(city.iso2, list);
}
const countryPlaces = COUNTRIES.map(([slug, label, weight]) => {
  const { code } = resolveCountry(slug, label);
  return [{ slug, label, cities: citiesOf.get(code) ?? [] }, weight] as const;
});
const pickCountry = weighted(countryPlaces);

const FIRST = [
  'John',
  'James',
  'William',
  'George',
  'Henry',
  'Charles',
  'Robert',
  'Edward',
  'Thomas',
  'Richard',
  'Dean',
  'Cyrus',
  'Colin',
  'Madeleine',
  'Hillary',
  'Condoleezza',
  'Warren',
  'Antony',
  'Michael',
  'Cordell',
  'Elihu',
  'Frank',
  'Philander',
  'Christian',
  'Edmund',
  'Alexander',
  'Marco',
  'Rex',
  'Lawrence',
  'Bainbridge',
  'Susan',
  'Frances',
  'Eleanor',
  'Margaret',
  'Dorothy',
  'Ruth',
  'Helen',
  'Grace',
  'José',
  'Zoë',
  'Renée',
  'Søren',
];
const MIDDLE = [
  'A.',
  'W.',
  'R.',
  'Forbes',
  'Foster',
  'Pratt',
  'Minor',
  'Luther',
  'Korbel',
  'Rodham',
  'Addison',
  'Dean',
  'Catlett',
  'Reilly',
  'Sixtus',
  'Archibald',
  'Evans',
  'Billings',
  'Chase',
  'Milton',
  'Lewis',
  'Francis',
  'Meigs',
  'Henry',
  'Pierce',
  'Roberts',
  'Gooderham',
  'Marie',
  'Louise',
  'Ann',
];
const LAST = [
  'Acheson',
  'Albright',
  'Baker',
  'Blinken',
  'Byrnes',
  'Christopher',
  'Clinton',
  'Colby',
  'Dulles',
  'Haig',
  'Hay',
  'Herter',
  'Hughes',
  'Hull',
  'Kellogg',
  'Kerry',
  'Kissinger',
  'Knox',
  'Lansing',
  'Marshall',
  'Muskie',
  'Pompeo',
  'Powell',
  'Rice',
  'Rogers',
  'Root',
  'Rubio',
  'Rusk',
  'Seward',
  'Shultz',
  'Stettinius',
  'Stimson',
  'Tillerson',
  'Vance',
  'Whitman',
  'Harlow',
  'Pemberton',
  'Okafor',
  'Nakamura',
  'Lindqvist',
  'Moreau',
  'Castellanos',
  'Fischer',
  'Brennan',
  'Abernathy',
  'Delacroix',
  'Oyelaran',
  'Van der Berg',
  "O'Neill",
  'Müller',
  'Ibáñez',
];
const OFFICES = [
  'President',
  'Prime Minister',
  'Foreign Minister',
  'King',
  'Chancellor',
  'Defense Minister',
  'Crown Prince',
  'Secretary General',
  'Minister of Finance',
  'Emir',
];
const EVENTS = [
  'the NATO Ministerial Meeting',
  'the OAS General Assembly',
  'the ASEAN Regional Forum',
  'the G-7 Summit',
  'the Conference on Security and Cooperation in Europe',
  'the Council of Foreign Ministers',
  'the signing of the treaty',
  'the inauguration of the President',
  'the funeral of the King',
  'the Donors’ Conference',
  'the OSCE Ministerial',
];
const TOPICS = [
  'the peace process',
  'arms control',
  'regional security',
  'trade & investment',
  'the situation in the region',
  'refugee assistance',
  'energy cooperation',
  'the status of the negotiations',
  'economic assistance',
];
const CLERKS = ['wicentowskijc', 'tomhistory', 'kdaly', 'joewicentowski', 'hsoadmin'];

const person = () => `${pick(OFFICES)} ${pick(FIRST)} ${pick(LAST)}`;
const remarkOf = (place: string): string => {
  switch (int(0, 6)) {
    case 0:
      return `Met with ${person()} and ${person()}.`;
    case 1:
      return `Attended ${pick(EVENTS)}.`;
    case 2:
      return `Discussed ${pick(TOPICS)} with ${person()}.`;
    case 3:
      return `Met with ${person()}. Discussed ${pick(TOPICS)} and ${pick(TOPICS)}.`;
    case 4:
      return `Accompanied the President. Met with ${person()} in ${place}.`;
    case 5:
      return `Shuttle diplomacy: met with ${person()}, ${person()}, and ${person()} on ${pick(TOPICS)}.`;
    default:
      return chance(0.5) ? '' : `Attended ${pick(EVENTS)}; met with ${person()}.`;
  }
};

/** Upstream breaks long text over lines, indented. */
const wrap = (text: string): string => {
  if (text.length <= 90) return text;
  const at = text.lastIndexOf(' ', 90);
  return at <= 0 ? text : `${text.slice(0, at)}\n            ${wrap(text.slice(at + 1))}`;
};
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const slug = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Traveler = { who: string; name: string; role: 'secretary' | 'president'; legs: number; start: number };
type Leg = { traveler: Traveler; start: number; end: number };

// Travelers: about one per 250 records, with skewed shares (a few travel far more than most).
const travelerCount = Math.max(1, Math.round(records / 250));
const shares = Array.from({ length: travelerCount }, () => 0.15 + next() ** 3);
const shareTotal = shares.reduce((a, b) => a + b, 0);
const legCounts = shares.map((s) => Math.max(1, Math.floor((records * s) / shareTotal)));
for (let left = records - legCounts.reduce((a, b) => a + b, 0), i = 0; left !== 0; i += 1) {
  const at = i % travelerCount;
  if (left > 0) {
    legCounts[at] = (legCounts[at] as number) + 1;
    left -= 1;
  } else if ((legCounts[at] as number) > 1) {
    legCounts[at] = (legCounts[at] as number) - 1;
    left += 1;
  }
}
const slugs = new Set<string>();
const newTraveler = (legs: number, eraStart: number): Traveler => {
  const [first, middle, last] = [pick(FIRST), pick(MIDDLE), pick(LAST)];
  const short = chance(0.15);
  const name = short ? `${first} ${last}` : `${first} ${middle} ${last}`;
  // Upstream's slugs: last name, then the others (`kerry-john-forbes`); two people of one name get a number.
  const who = slug(`${last} ${first} ${short ? '' : middle}`);
  const unique = slugs.has(who) ? `${who}-${slugs.size}` : who;
  slugs.add(unique);
  return {
    who: unique,
    name,
    role: chance(0.25) ? 'president' : 'secretary',
    legs,
    start: eraStart + int(0, 3 * 365) * DAY,
  };
};

/** One traveler's legs: journeys of 1 to 8 legs over a tenure of 4 to 8 years. */
function legsOf(traveler: Traveler): Leg[] {
  const legs: Leg[] = [];
  const tenure = int(4 * 365, 8 * 365);
  const journeys = Math.max(1, Math.round(traveler.legs / 3.5));
  const cycle = Math.max(3, Math.floor(tenure / journeys));
  let day = traveler.start;
  while (legs.length < traveler.legs) {
    const size = Math.min(traveler.legs - legs.length, int(1, 8));
    let end = day;
    for (let i = 0; i < size; i += 1) {
      const start = i === 0 ? day : chance(0.05) ? (legs.at(-1)?.start ?? end) : end + int(0, 1) * DAY;
      // A few legs are implausibly long (a mistyped end year), as the suspicious-span check looks for.
      const length = chance(0.0002) ? int(200, 400) : int(0, 3);
      const leg = { traveler, start, end: start + length * DAY };
      legs.push(leg);
      end = Math.max(end, leg.end);
    }
    day = end + Math.max(2, int(Math.floor(cycle / 2), cycle * 2)) * DAY;
  }
  return legs;
}

const fd = openSync(values.out, 'w');
let buffer = '<?xml version="1.0" encoding="UTF-8"?>\n<trips>\n';
const flush = (force = false) => {
  if (!force && buffer.length < 1 << 20) return;
  writeSync(fd, buffer);
  buffer = '';
};

let id = 10_000;
let written = 0;
const COHORT = 16;
for (let first = 0; first < travelerCount; first += COHORT) {
  // A cohort of travelers of the same years, their legs interleaved in date order.
  const eraStart = Date.UTC(1866, 0, 1) + int(0, 152 * 365) * DAY;
  const cohort = legCounts.slice(first, first + COHORT).map((n) => newTraveler(n, eraStart));
  const legs = cohort.flatMap(legsOf).sort((a, b) => a.start - b.start);
  for (const leg of legs) {
    const t = leg.traveler;
    const odd = chance(0.0005);
    const place = odd ? null : pickCountry();
    const [countrySlug, countryLabel] = place ? [place.slug, place.label] : pick(ODD_COUNTRIES);
    const cities = place?.cities ?? [];
    const roll = next();
    const locale =
      cities.length === 0 || roll < 0.03
        ? ''
        : roll < 0.13 && cities.length > 1
          ? `${cities[0]}, ${pick(cities.slice(1))}`
          : pick(cities);
    const remarks = remarkOf(locale || countryLabel);
    const created = Date.UTC(2013, 0, 1) + int(0, 8 * 365) * DAY + int(0, DAY - 1);
    const stamp = `${new Date(created).toISOString().slice(0, 23)}-04:00`;
    const clerk = pick(CLERKS);
    id += 1;
    buffer +=
      `    <trip role="${t.role}" who="${t.who}">\n` +
      `        <id>${id}</id>\n` +
      `        <role>${t.role}</role>\n` +
      `        <name>${escapeXml(t.name)}</name>\n` +
      `        <start-date>${isoDay(leg.start)}</start-date>\n` +
      `        <end-date>${isoDay(leg.end)}</end-date>\n` +
      `        <country id="${countrySlug}">${escapeXml(countryLabel)}</country>\n` +
      (locale ? `        <locale>${escapeXml(locale)}</locale>\n` : '        <locale/>\n') +
      (remarks ? `        <remarks>${escapeXml(wrap(remarks))}</remarks>\n` : '        <remarks/>\n') +
      `        <created-by>${clerk}</created-by>\n` +
      `        <created-datetime>${stamp}</created-datetime>\n` +
      `        <last-modified-by>${clerk}</last-modified-by>\n` +
      `        <last-modified-datetime>${stamp}</last-modified-datetime>\n` +
      '    </trip>\n';
    written += 1;
    flush();
  }
}
buffer += '</trips>\n';
flush(true);
closeSync(fd);
console.log(`${values.out}: ${written} records of ${travelerCount} travelers (seed ${seed})`);
