import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dateExistsIn, toUtcInstant } from '../src/domain/time.js';
import { canonicalZone, localTimeTypeAt, tzdbRelease } from '../src/domain/tzdb.js';
import { TimeZoneSchema } from '../src/schemas/common.js';

// tzdb.ts reads the compiled zone files itself (TZif headers, transitions and the TZ string that rules after the
// last one). Here its answers are compared with the C library's own readers of the same system database: zdump
// for every change of offset from 1866 to 2060, and GNU date for local times turned into instants.

const ZONES = [
  'America/New_York',
  'Europe/Oslo',
  'Europe/Stockholm',
  'Europe/Amsterdam',
  'Europe/Monaco',
  'Atlantic/Reykjavik',
  'Europe/Dublin',
  'Europe/London',
  'Europe/Kyiv',
  'Pacific/Apia',
  'Pacific/Kwajalein',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Jerusalem',
  'Asia/Tehran',
  'America/Sao_Paulo',
  'America/Santiago',
  'America/Nuuk',
  'America/St_Johns',
  'America/Havana',
  'Africa/Casablanca',
  'Antarctica/Troll',
  'Etc/UTC',
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ZDUMP =
  /^\S+\s+\w{3} (\w{3})\s+(\d+) (\d\d):(\d\d):(\d\d) (-?\d+) UT = .* (\S+) isdst=(\d) gmtoff=(-?\d+)$/;

describe('the tz database as tzdb.ts reads it', () => {
  it('is a full release, with the backzone history of zones merged since 2022', () => {
    const release = tzdbRelease();
    expect(release.version).toMatch(/^\d{4}[a-z]$/);
    expect(release.backzone).toBe(true);
    // Norway kept summer time in 1960 (UTC+2); without backzone it would be Berlin's standard time.
    expect(localTimeTypeAt('Europe/Oslo', Date.UTC(1960, 6, 15, 8) / 1000)).toEqual({
      offset: 7200,
      isDst: true,
      abbreviation: 'CEST',
    });
  });

  it('agrees with zdump on every change of offset, 1866 to 2060, in a spread of zones', () => {
    let compared = 0;
    for (const zone of ZONES) {
      const dump = execFileSync('zdump', ['-v', '-c', '1866,2061', zone], { encoding: 'utf8' });
      for (const line of dump.split('\n')) {
        const m = ZDUMP.exec(line);
        if (!m) continue;
        const [, month, day, h, min, s, year, abbreviation, isDst, offset] = m;
        const at =
          Date.UTC(
            Number(year),
            MONTHS.indexOf(month as string),
            Number(day),
            Number(h),
            Number(min),
            Number(s),
          ) / 1000;
        expect(localTimeTypeAt(zone, at), `${zone} at ${line}`).toEqual({
          offset: Number(offset),
          isDst: isDst === '1',
          abbreviation,
        });
        compared += 1;
      }
    }
    // Both sides of each change, in 26 zones over almost two centuries.
    expect(compared).toBeGreaterThan(3000);
  });

  it('turns local times into the instants GNU date gives, years 1870 to 2050', () => {
    const cases: [string, string, string][] = [];
    for (const zone of ZONES) {
      for (const year of [1870, 1900, 1916, 1940, 1944, 1960, 1975, 1990, 2005, 2021, 2035, 2050]) {
        for (const month of ['01', '04', '07', '10']) cases.push([zone, `${year}-${month}-15`, '12:00']);
      }
    }
    const input = cases.map(([zone, date, time]) => `TZ="${zone}" ${date} ${time}`).join('\n');
    const seconds = execFileSync('date', ['-u', '-f', '-', '+%s'], { input, encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(seconds).toHaveLength(cases.length);
    cases.forEach(([zone, date, time], i) => {
      const expected = new Date(Number(seconds[i]) * 1000).toISOString().replace('.000Z', 'Z');
      expect(toUtcInstant(date, time, zone), `${time} on ${date} in ${zone}`).toBe(expected);
    });
  });

  it('knows the days clocks skipped, and takes the first of a day that happened twice', () => {
    expect(dateExistsIn('2011-12-30', 'Pacific/Apia')).toBe(false);
    expect(dateExistsIn('1993-08-21', 'Pacific/Kwajalein')).toBe(false);
    for (const date of ['2011-12-29', '2011-12-31', '2021-03-14', '2021-11-07']) {
      expect(dateExistsIn(date, 'Pacific/Apia'), date).toBe(true);
    }
    // Sitka lived 18 October 1867 twice, when Alaska passed from Russian to American time (LMT +14:58:47, then
    // -9:01:13): noon is the first of the two.
    expect(dateExistsIn('1867-10-18', 'America/Sitka')).toBe(true);
    expect(toUtcInstant('1867-10-18', '12:00', 'America/Sitka')).toBe('1867-10-17T21:01:13Z');
  });

  it('accepts every name of the database, links included, as the zone it names', () => {
    const text = readFileSync(`${process.env.TZDIR || '/usr/share/zoneinfo'}/tzdata.zi`, 'utf8');
    const zones = new Set(text.split('\n').flatMap((l) => (l.startsWith('Z ') ? [l.split(' ')[1]] : [])));
    const links = text.split('\n').flatMap((l) => (l.startsWith('L ') ? [l.split(' ').slice(1, 3)] : []));
    expect(zones.size).toBeGreaterThan(300);
    expect(links.length).toBeGreaterThan(100);
    for (const zone of zones) expect(TimeZoneSchema.parse(zone)).toBe(zone);
    for (const [target, link] of links) {
      // A link that backzone made a zone of its own (Europe/Oslo) stays itself; any other names its target.
      expect(TimeZoneSchema.parse(link), link).toBe(zones.has(link as string) ? link : target);
    }
    expect(canonicalZone('UTC')).toBe('Etc/UTC');
    expect(canonicalZone('europe/kiev')).toBe('Europe/Kyiv');
    expect(TimeZoneSchema.safeParse('Mars/Olympus').success).toBe(false);
  });
});
