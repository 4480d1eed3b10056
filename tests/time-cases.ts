import ICAL from 'ical.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

// The time cases of issue 11, played against the real app (real routes, migrations and SQLite) through Fastify's
// inject. time.test.ts runs them in its own process, and again in processes whose clock faketime sets to January
// and to July (time-cases-run.ts), since the fault they guard against depended on the date the server ran on.

/** What the app answers for each case, as JSON, conflicts and calendar say it. */
export type TimeCaseResults = {
  /** `startsAt`/`endsAt` of each meeting in the JSON, by case name. */
  json: Record<string, [string | null, string | null]>;
  /** The same meetings' DTSTART/DTEND as ical.js reads the trip's calendar, as UTC instants. */
  calendar: Record<string, [string | null, string | null]>;
  /** `startsAt` and `endsAt` of each overlap that /conflicts reports, by the cases it joins. */
  conflicts: Record<string, [string | null, string | null]>;
  /** The zone the JSON gives each stop, by the name it was created with. */
  zones: Record<string, string>;
  /** The TZIDs of the calendar's VTIMEZONEs. */
  vtimezones: string[];
  /** Status and field paths of the writes that must be refused. */
  refused: Record<string, [number, string[]]>;
};

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON that each step reads as it expects.
type Answer = { status: number; body: any };
/** The results, with the trip's calendar as sent and each case's meeting id, for other readers of it. */
export type TimeCaseRun = { results: TimeCaseResults; ics: string; meetingIds: Record<string, number> };

type Inject = (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<Answer>;

/** The meetings: stop, date, start and end time. Pairs that overlap share a participant, so they conflict. */
const MEETINGS = {
  // 01:30 happened twice in New York on 7 November 2021; RFC 5545 takes the first (EDT, 05:30Z).
  nyRepeated: ['ny', '2021-11-07', '01:30', '01:45'],
  nyBeforeRepeat: ['ny', '2021-11-07', '01:00', '01:40'],
  // 02:30 never happened on 14 March 2021: the clocks went from 02:00 to 03:00, so it is 03:30 EDT.
  nyGap: ['ny', '2021-03-14', '02:30', '03:45'],
  nyAfterGap: ['ny', '2021-03-14', '03:40', '04:00'],
  // Norway kept summer time in 1960 (tz backzone): UTC+2.
  oslo1960: ['oslo', '1960-07-15', '10:00', '11:00'],
  osloBefore: ['oslo', '1960-07-15', '09:30', '10:30'],
  apia31: ['apia', '2011-12-31', '09:00', '10:00'],
  kiev: ['kiev', '2022-03-01', '10:00', null],
  kyiv: ['kyiv', '2022-03-02', '10:00', null],
  utc: ['utc', '2022-03-03', '10:00', null],
} as const;

const ok = (res: Answer, what: string) => {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** The instant ical.js reads for a DTSTART/DTEND, with the calendar's own VTIMEZONEs. */
function calendarInstants(text: string): Map<string, [string | null, string | null]> {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const instant = (time: ICAL.Time | null) =>
    time ? new Date(time.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z') : null;
  const found = new Map<string, [string | null, string | null]>();
  for (const component of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    const hasEnd = component.hasProperty('dtend');
    found.set(String(component.getFirstPropertyValue('uid')).split('@')[0] as string, [
      instant(event.startDate),
      hasEnd ? instant(event.endDate) : null,
    ]);
  }
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.remove(String(zone.getFirstPropertyValue('tzid')));
  }
  return found;
}

/** Writes the cases through the API and reads back what JSON, /conflicts and the calendar say of them. */
export async function runTimeCases(inject: Inject): Promise<TimeCaseRun> {
  const person = async (name: string) =>
    ok(await inject('POST', '/participants', { kind: 'person', name, country: 'US' }), name).id as number;
  const traveler = await person('Time Traveler');
  const aide = await person('Time Aide');
  const trip = ok(
    await inject('POST', '/trips', {
      title: 'Edges of time',
      travelerId: traveler,
      startDate: '1960-07-14',
      endDate: '2022-03-04',
    }),
    'trip',
  ).id as number;
  const stop = async (
    city: string,
    country: string,
    timeZone: string,
    arrivalDate: string,
    departureDate: string,
  ) =>
    ok(
      await inject('POST', `/trips/${trip}/stops`, { city, country, timeZone, arrivalDate, departureDate }),
      city,
    ) as { id: number; timeZone: string };
  const stops = {
    oslo: await stop('Oslo', 'NO', 'Europe/Oslo', '1960-07-14', '1960-07-16'),
    apia: await stop('Apia', 'WS', 'Pacific/Apia', '2011-12-29', '2011-12-31'),
    ny: await stop('New York', 'US', 'America/New_York', '2021-03-13', '2021-11-08'),
    kiev: await stop('Kyiv', 'UA', 'Europe/Kiev', '2022-03-01', '2022-03-01'),
    kyiv: await stop('Kyiv', 'UA', 'Europe/Kyiv', '2022-03-02', '2022-03-02'),
    utc: await stop('Geneva', 'CH', 'UTC', '2022-03-03', '2022-03-03'),
  };
  const ids = new Map<number, string>();
  const json: TimeCaseResults['json'] = {};
  for (const [name, [where, date, startTime, endTime]] of Object.entries(MEETINGS)) {
    const meeting = ok(
      await inject('POST', `/stops/${stops[where].id}/meetings`, {
        kind: 'bilateral',
        title: name,
        date,
        startTime,
        ...(endTime ? { endTime } : {}),
        participants: [{ participantId: aide, role: 'attendee' }],
      }),
      name,
    );
    ids.set(meeting.id, name);
    json[name] = [meeting.startsAt, meeting.endsAt];
  }

  const refused: TimeCaseResults['refused'] = {};
  const refuse = async (name: string, url: string, body: unknown) => {
    const res = await inject('POST', url, body);
    refused[name] = [res.status, (res.body.errors ?? []).map((e: { path: string }) => e.path)];
  };
  await refuse('apiaMeeting', `/stops/${stops.apia.id}/meetings`, {
    kind: 'bilateral',
    title: 'On a day Samoa skipped',
    date: '2011-12-30',
    startTime: '09:00',
  });
  await refuse('apiaStop', `/trips/${trip}/stops`, {
    city: 'Apia',
    country: 'WS',
    timeZone: 'Pacific/Apia',
    arrivalDate: '2011-12-30',
    departureDate: '2011-12-31',
  });

  const conflicts: TimeCaseResults['conflicts'] = {};
  const found = ok(await inject('GET', `/conflicts?participant=${aide}&limit=100`), 'conflicts');
  for (const c of found.data as {
    kind: string;
    startsAt: string;
    endsAt: string;
    records: { type: string; id: number }[];
  }[]) {
    if (c.kind !== 'overlapping_meetings') continue;
    const names = c.records.map((r) => ids.get(r.id) ?? `${r.type}-${r.id}`).sort();
    conflicts[names.join('+')] = [c.startsAt, c.endsAt];
  }

  const ics = await inject('GET', `/trips/${trip}/calendar.ics`);
  if (ics.status !== 200) throw new Error(`calendar: ${ics.status}`);
  const read = calendarInstants(ics.body);
  const calendar: TimeCaseResults['calendar'] = {};
  for (const [id, name] of ids) calendar[name] = read.get(`meeting-${id}`) ?? [null, null];
  const vtimezones = new ICAL.Component(ICAL.parse(ics.body))
    .getAllSubcomponents('vtimezone')
    .map((z) => String(z.getFirstPropertyValue('tzid')));

  const zones: TimeCaseResults['zones'] = {};
  for (const [name, s] of Object.entries(stops)) {
    zones[name] = ok(await inject('GET', `/stops/${s.id}`), name).timeZone;
  }
  return {
    results: { json, calendar, conflicts, zones, vtimezones, refused },
    ics: ics.body,
    meetingIds: Object.fromEntries([...ids].map(([id, name]) => [name, id])),
  };
}

/** Builds the app on a fresh in-memory database, runs the cases with an admin key, and closes it. */
export async function runTimeCasesOnNewApp(): Promise<TimeCaseRun> {
  const config = loadConfig(
    {},
    { DATABASE_PATH: ':memory:', SEED_ON_START: 'false', LOG_LEVEL: 'silent', NODE_ENV: 'test' },
  );
  const app = await buildApp(config, { logger: false });
  try {
    const token = (
      await app.database.transaction((tx) =>
        app.repos.keys.create({ name: 'time-cases', scope: 'admin' }, tx),
      )
    ).token;
    const inject: Inject = async (method, url, body) => {
      const res = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      const type = String(res.headers['content-type'] ?? '');
      return { status: res.statusCode, body: type.includes('json') ? res.json() : res.body };
    };
    return await runTimeCases(inject);
  } finally {
    await app.close();
  }
}
