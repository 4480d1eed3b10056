import type { StopValues, TripValues } from '../../repositories/historian-import-store.js';
import type { Source } from '../../schemas/common.js';
import type { FileContext } from './context.js';
import { displayCountry, resolveCountry, UNKNOWN_COUNTRY } from './countries.js';
import { resolvePlace } from './places.js';

// From records to plans: a record becomes a leg (the stop it will be, with its country, place, zone, notes and
// source, flagging what had to be inferred), and a person's legs a group (the trip they make, titled by person,
// countries and period). Plans are only values: apply.ts writes them.

/** A record as a stop to be. */
export type LegPlan = {
  id: string;
  line: number;
  startDate: string;
  endDate: string;
  country: string;
  countryLabel: string;
  stop: Omit<StopValues, 'tripId' | 'position' | 'sources'>;
  source: Source;
};

export type GroupPlan = { travelerId: number; legs: LegPlan[]; trip: TripValues };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const monthYear = (date: string) => ({
  month: MONTHS[Number(date.slice(5, 7)) - 1] ?? '',
  year: date.slice(0, 4),
});

/** "February 2018", "January–February 2018", "December 2017–January 2018". */
export function period(startDate: string, endDate: string): string {
  const a = monthYear(startDate);
  const b = monthYear(endDate);
  if (a.year !== b.year) return `${a.month} ${a.year}–${b.month} ${b.year}`;
  if (a.month !== b.month) return `${a.month}–${b.month} ${a.year}`;
  return `${a.month} ${a.year}`;
}

const TITLE_MAX = 300;

/** "Rex W. Tillerson: Mexico, Argentina, Peru, Colombia, Jamaica (February 2018)", kept within the title limit. */
export function tripTitle(name: string, countries: string[], startDate: string, endDate: string): string {
  const tail = ` (${period(startDate, endDate)})`;
  const shown: string[] = [];
  for (const [i, country] of countries.entries()) {
    const rest = countries.length - i - 1;
    const more = rest > 0 ? `, and ${rest} more` : '';
    if (`${name}: ${[...shown, country].join(', ')}${more}${tail}`.length > TITLE_MAX) {
      return `${name}: ${shown.join(', ')}, and ${countries.length - shown.length} more${tail}`;
    }
    shown.push(country);
  }
  return `${name}: ${shown.join(', ')}${tail}`;
}

export const idList = (ids: string[]): string =>
  ids.length <= 8 ? ids.join(', ') : `${ids.slice(0, 8).join(', ')} and ${ids.length - 8} more`;

const QUOTE_MAX = 5000;

/** Notes: the record's own words, then what the import inferred or could not tell. */
function notesOf(text: string, remarks: (string | null)[]): string | null {
  const parts = [text, ...remarks].filter((p): p is string => p !== null && p !== '');
  return parts.length > 0 ? parts.join('\n\n') : null;
}

export function legOf(
  ctx: FileContext,
  record: { id: string; line: number; startDate: string; endDate: string },
  place: { slug: string; label: string; locale: string } | { us: true },
  text: string,
  source: Omit<Source, 'quote' | 'recordId'>,
  quote: string,
): LegPlan {
  const country =
    'us' in place
      ? { code: 'US', label: 'United States', known: true, inferred: null }
      : resolveCountry(place.slug, place.label);
  const locale = 'us' in place ? '' : place.locale;
  const located = resolvePlace(country.code, country.label, locale);
  if (!country.known) {
    ctx.flag(
      record,
      'warning',
      `unknown country "${'us' in place ? '' : place.slug}" ("${country.label}"): imported with country ${UNKNOWN_COUNTRY}`,
    );
  } else if (country.inferred) {
    ctx.flag(
      record,
      'warning',
      `country "${'us' in place ? '' : place.slug}" ("${country.label}") inferred as ${country.code}: ${country.inferred}`,
    );
  }
  if (country.inferred) ctx.tally.inferred.countries += 1;
  if (located.inferred) ctx.tally.inferred.timeZones += 1;
  return {
    id: record.id,
    line: record.line,
    startDate: record.startDate,
    endDate: record.endDate,
    country: country.code,
    countryLabel: country.label,
    stop: {
      city: locale || displayCountry(country.label),
      country: country.code,
      countryName: 'us' in place ? null : country.label,
      latitude: located.latitude,
      longitude: located.longitude,
      timeZone: located.timeZone,
      arrivalDate: record.startDate,
      departureDate: record.endDate,
      notes: notesOf(text, [
        country.known
          ? null
          : `Country not identified: the record gives "${country.label}", so the code is ${UNKNOWN_COUNTRY}.`,
        country.inferred ? `Country inferred: ${country.inferred}, so the code is ${country.code}.` : null,
        located.inferred ? `Time zone inferred: ${located.inferred}.` : null,
      ]),
    },
    source: { ...source, quote: quote.slice(0, QUOTE_MAX), recordId: record.id },
  };
}
