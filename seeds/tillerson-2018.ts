// Seed: US Secretary of State Rex Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica,
// 1–7 February 2018.
//
// Sources:
// - The article "Tillerson makes LatAm debut with Venezuela on agenda" (The Bubble), written before the trip:
//   it gives the plan (future tense), dates for some legs and no clock times.
// - The US Office of the Historian's record of the Secretary's travels (records 3777–3781), written after the
//   trip: it gives each leg's dates, place and the officials met.
//
// Every quote below is verbatim: article quotes keep the article's typographic characters; Historian quotes
// are the record's text with its internal line-break whitespace collapsed to single spaces.
// Ids are fixed so that re-seeding is idempotent; meetings are numbered in trip order (stop by stop, in
// chronological/article order within a stop), because ids break ties between meetings with the same or no date.

import type { SeedData, SeedSource } from './seed-types.js';

/** A source without its quote: the part shared by every citation of one document. */
export type SeedSourceBase = Omit<SeedSource, 'quote'>;

/** The news article (The Bubble). Only the year of publication is certain (30 January–1 February 2018). */
export const articleSource: SeedSourceBase = {
  title: 'Tillerson makes LatAm debut with Venezuela on agenda',
  publisher: 'The Bubble',
  publishedAt: '2018',
  url: 'http://www.thebubble.com/tillerson-makes-latam-debut-with-venezuela-on-agenda/',
  recordId: null,
};

/** The Office of the Historian's record of one leg of the Secretary's travels, by its <id>. */
export const historianSource = (recordId: string): SeedSourceBase => ({
  title: 'Travels Abroad of the Secretary of State: Rex W. Tillerson',
  publisher: 'Office of the Historian, US Department of State',
  publishedAt: null,
  url: 'https://history.state.gov/departmenthistory/travels/secretary/tillerson-rex-w',
  recordId,
});

const article = (quote: string): SeedSource => ({ ...articleSource, quote });
const historian = (recordId: string, quote: string): SeedSource => ({ ...historianSource(recordId), quote });

// Verbatim sentences and phrases, reused by several records.
const Q = {
  itinerary:
    'Tillerson’s travel, starting on February 1st with a visit to Mexico City, will take him to Argentina, Peru, Colombia and Jamaica through February 7.',
  agenda:
    'US Secretary of State Rex Tillerson’s first official visit to South America this week will have Venezuela and “US leadership” in the region high on the agenda in the run-up to this year’s G20 in Buenos Aires and Summit of the Americas in Peru.',
  texas:
    'Before traveling to Mexico, Tillerson will give a speech in Texas that will address regional priorities for the United States.',
  mexicoMeetings:
    'After meeting with his counterpart Mexican Foreign Minister Luis Videgaray and Mexican President Enrique Peña Nieto',
  bariloche:
    'the Secretary of State will arrive in Bariloche on February 3, where he will tour the Nahuel Huapi National Park on horseback.',
  consultations:
    'The political consultations with the Argentine government will start in earnest on Sunday February 4 as Tillerson and Foreign Minister Jorge Faurie will meet along with other cabinet members in Buenos Aires.',
  regionalIssues: 'Regional issues are likely to be on the agenda.',
  missions:
    'According to the State Department, Tillerson will then meet in Buenos Aires with the heads of US missions in the neighborhood, that is, Argentina, Brazil, Chile, Paraguay, Uruguay, Colombia, Peru, Venezuela, Ecuador, and Bolivia.',
  superBowl: 'Being Super Bowl Sunday, Tillerson has set aside time to watch the game',
  macri:
    'on Monday morning he and President Mauricio Macri will meet, wrapping up the Argentine leg of the trip as he will then head to Peru.',
  laterLegs: 'will take him to Argentina, Peru, Colombia and Jamaica through February 7',
  // Office of the Historian, <remarks> and <locale> of records 3777–3781.
  r3777: 'Met with President Enrique Peña Nieto and Foreign Secretary Luis Videgaray.',
  r3778: 'Met with President Mauricio Macri and Foreign Minister Jorge Faurie.',
  r3778Locale: 'San Carlos de Bariloche, Buenos Aires',
  r3779: 'Met with President Pedro Pablo Kuczynski and Foreign Minister Cayetana Aljovin.',
  r3780: 'Met with President Juan Manuel Santos and Foreign Minister Maria Angela Holguin.',
  r3781: 'Met with Prime Minister Andrew Holness and Foreign Minister Kamina Johnson-Smith.',
} as const;

export const tillersonSeed: SeedData = {
  participants: [
    {
      id: 1,
      kind: 'person',
      name: 'Rex Tillerson',
      title: 'Secretary of State',
      country: 'US',
      organization: 'U.S. Department of State',
    },
    {
      id: 2,
      kind: 'person',
      name: 'Luis Videgaray',
      title: 'Foreign Minister',
      country: 'MX',
      organization: null,
    },
    {
      id: 3,
      kind: 'person',
      name: 'Enrique Peña Nieto',
      title: 'President',
      country: 'MX',
      organization: null,
    },
    {
      id: 4,
      kind: 'person',
      name: 'Jorge Faurie',
      title: 'Foreign Minister',
      country: 'AR',
      organization: null,
    },
    {
      id: 5,
      kind: 'group',
      name: 'Argentine cabinet members',
      title: null,
      country: 'AR',
      organization: 'Government of Argentina',
    },
    {
      id: 6,
      kind: 'group',
      name: 'Heads of US missions in South America',
      title: 'Chiefs of mission',
      country: 'US',
      organization: 'U.S. Department of State',
    },
    { id: 7, kind: 'person', name: 'Mauricio Macri', title: 'President', country: 'AR', organization: null },
    {
      id: 8,
      kind: 'person',
      name: 'Pedro Pablo Kuczynski',
      title: 'President',
      country: 'PE',
      organization: null,
    },
    {
      id: 9,
      kind: 'person',
      name: 'Cayetana Aljovin',
      title: 'Foreign Minister',
      country: 'PE',
      organization: null,
    },
    {
      id: 10,
      kind: 'person',
      name: 'Juan Manuel Santos',
      title: 'President',
      country: 'CO',
      organization: null,
    },
    {
      id: 11,
      kind: 'person',
      name: 'Maria Angela Holguin',
      title: 'Foreign Minister',
      country: 'CO',
      organization: null,
    },
    {
      id: 12,
      kind: 'person',
      name: 'Andrew Holness',
      title: 'Prime Minister',
      country: 'JM',
      organization: null,
    },
    {
      id: 13,
      kind: 'person',
      name: 'Kamina Johnson-Smith',
      title: 'Foreign Minister',
      country: 'JM',
      organization: null,
    },
  ],
  trips: [
    {
      id: 1,
      title: "Secretary Tillerson's trip to Mexico, Argentina, Peru, Colombia and Jamaica",
      summary:
        'US Secretary of State Rex Tillerson travelled to Mexico, Argentina, Peru, Colombia and Jamaica from 1 to 7 February 2018; ' +
        'the article also announced a speech in Texas on US regional priorities before the visit to Mexico. It presents the trip as his first official visit to ' +
        'South America, with Venezuela and US leadership in the region high on the agenda ahead of the 2018 Summit of the ' +
        'Americas in Peru and the G20 in Buenos Aires; a senior State Department official cited trade, energy, ' +
        'transnational crime and migration, and continued pressure on the Maduro government in Venezuela.',
      travelerId: 1,
      startDate: '2018-02-01',
      endDate: '2018-02-07',
      status: 'completed',
      topics: [
        'Venezuela',
        'US leadership in the region',
        'trade',
        'energy',
        'transnational crime',
        'migration',
        'G20 Buenos Aires 2018',
        'Summit of the Americas 2018',
      ],
      context: [
        {
          kind: 'event',
          title: 'Summit of the Americas',
          description: 'The upcoming Summit of the Americas, to be held in Peru in April 2018.',
          date: '2018-04',
          city: null,
          country: 'PE',
          sources: [article('Noting the upcoming Summit of the Americas in Peru in April')],
        },
        {
          kind: 'event',
          title: 'G7 summit',
          description: 'The G7 summit, to be held in Canada in June 2018.',
          date: '2018-06',
          city: null,
          country: 'CA',
          sources: [article('along with the G7 in June in Canada')],
        },
        {
          kind: 'event',
          title: 'G20 summit',
          description: 'The G20 summit, to be held in Buenos Aires in November 2018.',
          date: '2018-11',
          city: 'Buenos Aires',
          country: 'AR',
          sources: [article('the G20 in Buenos Aires in November')],
        },
        {
          kind: 'organization',
          title: 'Lima Group',
          description:
            'A group of countries that rejected the decision by the Maduro government in Venezuela; according to ' +
            'the article, Mexico, Argentina, Peru and Colombia are all major players in it.',
          date: null,
          city: null,
          country: null,
          sources: [
            article(
              'That pressure is further to the rejection by the Lima Group of the decision by Maduro government.',
            ),
            article('Mexico, Argentina, Peru and Colombia are all major players in the Lima Group.'),
          ],
        },
      ],
      sources: [
        article(Q.itinerary),
        article(Q.agenda),
        historian('3777', Q.r3777),
        historian('3778', Q.r3778),
        historian('3779', Q.r3779),
        historian('3780', Q.r3780),
        historian('3781', Q.r3781),
      ],
      stops: [
        {
          id: 1,
          position: 1,
          city: 'Texas',
          country: 'US',
          latitude: null,
          longitude: null,
          timeZone: 'America/Chicago',
          arrivalDate: null,
          departureDate: null,
          notes:
            'The article says only that Tillerson would give a speech in Texas "before traveling to Mexico"; it names ' +
            'neither the city nor the date, so the place has no coordinates and the stop no dates. The time zone is ' +
            "that of most of Texas. The Historian's record lists foreign travel only and does not include this stop.",
          sources: [article(Q.texas)],
          meetings: [
            {
              id: 1,
              kind: 'speech',
              title: 'Speech on regional priorities for the United States',
              description:
                'A speech in Texas, before the visit to Mexico, to address regional priorities for the United States. ' +
                'The article gives neither the venue nor the date.',
              topics: ['regional priorities for the United States'],
              status: 'planned',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.texas)],
              participants: [{ participantId: 1, role: 'delegation_member' }],
            },
          ],
        },
        {
          id: 2,
          position: 2,
          city: 'Mexico City',
          country: 'MX',
          latitude: 19.4326,
          longitude: -99.1332,
          timeZone: 'America/Mexico_City',
          arrivalDate: '2018-02-01',
          departureDate: '2018-02-02',
          notes:
            "The arrival date is the article's (the trip starts on February 1st with a visit to Mexico City); the " +
            "departure date is the end of the Historian's record 3777 (2018-02-01 to 2018-02-02).",
          sources: [
            article('starting on February 1st with a visit to Mexico City'),
            historian('3777', 'Mexico City'),
          ],
          meetings: [
            {
              id: 2,
              kind: 'bilateral',
              title: 'Meeting with Foreign Minister Luis Videgaray',
              description:
                "Meeting with Tillerson's counterpart, Mexican Foreign Minister Luis Videgaray (Foreign Secretary in " +
                'the Historian’s record). Neither source gives the day within the 1–2 February visit.',
              topics: [],
              status: 'confirmed',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.mexicoMeetings), historian('3777', Q.r3777)],
              participants: [
                { participantId: 2, role: 'counterpart' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
            {
              id: 3,
              kind: 'bilateral',
              title: 'Meeting with President Enrique Peña Nieto',
              description:
                'Meeting with Mexican President Enrique Peña Nieto. Neither source gives the day within the 1–2 ' +
                'February visit.',
              topics: [],
              status: 'confirmed',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.mexicoMeetings), historian('3777', Q.r3777)],
              participants: [
                { participantId: 3, role: 'host' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
          ],
        },
        {
          id: 3,
          position: 3,
          city: 'Bariloche',
          country: 'AR',
          latitude: -41.1335,
          longitude: -71.3103,
          timeZone: 'America/Argentina/Salta',
          arrivalDate: '2018-02-03',
          departureDate: null,
          notes:
            "San Carlos de Bariloche, in Río Negro province. The arrival date is the article's; neither source gives the " +
            'departure date. The Historian\'s record 3778 gives the Argentine leg as "San Carlos de Bariloche, Buenos ' +
            'Aires", 2018-02-03 to 2018-02-04.',
          sources: [article(Q.bariloche), historian('3778', Q.r3778Locale)],
          meetings: [
            {
              id: 4,
              kind: 'tour',
              title: 'Horseback tour of Nahuel Huapi National Park',
              description:
                'A tour of Nahuel Huapi National Park on horseback. The article dates the arrival in Bariloche ' +
                '(February 3) but not the tour itself, so the tour is left undated.',
              topics: [],
              status: 'planned',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.bariloche)],
              participants: [{ participantId: 1, role: 'attendee' }],
            },
          ],
        },
        {
          id: 4,
          position: 4,
          city: 'Buenos Aires',
          country: 'AR',
          latitude: -34.6037,
          longitude: -58.3816,
          timeZone: 'America/Argentina/Buenos_Aires',
          arrivalDate: '2018-02-04',
          departureDate: '2018-02-05',
          notes:
            'Dates from the article: political consultations in Buenos Aires on Sunday February 4, and a meeting with ' +
            "President Macri on Monday morning (February 5) before heading to Peru. The Historian's record 3778 dates " +
            'the Argentine leg (San Carlos de Bariloche and Buenos Aires) 2018-02-03 to 2018-02-04, while the article ' +
            'puts the Macri meeting on Monday 5 February.',
          sources: [article(Q.consultations), article(Q.macri), historian('3778', Q.r3778Locale)],
          meetings: [
            {
              id: 5,
              kind: 'consultations',
              title: 'Political consultations with Foreign Minister Jorge Faurie and cabinet members',
              description:
                'Political consultations with the Argentine government: Tillerson and Foreign Minister Jorge Faurie ' +
                'meet along with other cabinet members. The article expects regional issues to be on the agenda.',
              topics: ['regional issues'],
              status: 'confirmed',
              date: '2018-02-04',
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.consultations), article(Q.regionalIssues), historian('3778', Q.r3778)],
              participants: [
                { participantId: 4, role: 'counterpart' },
                { participantId: 5, role: 'attendee' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
            {
              id: 6,
              kind: 'briefing',
              title: 'Meeting with the heads of US missions in South America',
              description:
                'According to the State Department, Tillerson then meets in Buenos Aires with the heads of the US ' +
                'missions in Argentina, Brazil, Chile, Paraguay, Uruguay, Colombia, Peru, Venezuela, Ecuador and ' +
                'Bolivia. The article gives no date.',
              topics: [],
              status: 'planned',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.missions)],
              participants: [
                { participantId: 6, role: 'attendee' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
            {
              id: 7,
              kind: 'social',
              title: 'Watching the Super Bowl',
              description:
                'Tillerson has set aside time to watch the Super Bowl on Sunday February 4. Where he would watch it ' +
                'is not known; the article only speculates.',
              topics: [],
              status: 'tentative',
              date: '2018-02-04',
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [article(Q.superBowl)],
              participants: [{ participantId: 1, role: 'attendee' }],
            },
            {
              id: 8,
              kind: 'bilateral',
              title: 'Meeting with President Mauricio Macri',
              description:
                'Meeting with President Mauricio Macri on Monday morning, 5 February, wrapping up the Argentine leg ' +
                'before Tillerson heads to Peru. No clock time is given.',
              topics: [],
              status: 'confirmed',
              date: '2018-02-05',
              startTime: null,
              endTime: null,
              partOfDay: 'morning',
              sources: [article(Q.macri), historian('3778', Q.r3778)],
              participants: [
                { participantId: 7, role: 'host' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
          ],
        },
        {
          id: 5,
          position: 5,
          city: 'Lima',
          country: 'PE',
          latitude: -12.0464,
          longitude: -77.0428,
          timeZone: 'America/Lima',
          arrivalDate: '2018-02-05',
          departureDate: '2018-02-06',
          notes: "Dates from the Historian's record 3779.",
          sources: [article(Q.laterLegs), historian('3779', 'Lima')],
          meetings: [
            {
              id: 9,
              kind: 'bilateral',
              title: 'Meetings with President Pedro Pablo Kuczynski and Foreign Minister Cayetana Aljovin',
              description:
                'Meetings with President Pedro Pablo Kuczynski and Foreign Minister Cayetana Aljovin. The record ' +
                'does not give the day within the 5–6 February visit.',
              topics: [],
              status: 'confirmed',
              date: null,
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [historian('3779', Q.r3779)],
              participants: [
                { participantId: 8, role: 'host' },
                { participantId: 9, role: 'counterpart' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
          ],
        },
        {
          id: 6,
          position: 6,
          city: 'Bogotá',
          country: 'CO',
          latitude: 4.711,
          longitude: -74.0721,
          timeZone: 'America/Bogota',
          arrivalDate: '2018-02-06',
          departureDate: '2018-02-06',
          notes: "Dates from the Historian's record 3780.",
          sources: [article(Q.laterLegs), historian('3780', 'Bogota')],
          meetings: [
            {
              id: 10,
              kind: 'bilateral',
              title: 'Meetings with President Juan Manuel Santos and Foreign Minister Maria Angela Holguin',
              description:
                'Meetings with President Juan Manuel Santos and Foreign Minister Maria Angela Holguin during the ' +
                'one-day visit of 6 February.',
              topics: [],
              status: 'confirmed',
              date: '2018-02-06',
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [historian('3780', Q.r3780)],
              participants: [
                { participantId: 10, role: 'host' },
                { participantId: 11, role: 'counterpart' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
          ],
        },
        {
          id: 7,
          position: 7,
          city: 'Kingston',
          country: 'JM',
          latitude: 17.9714,
          longitude: -76.7931,
          timeZone: 'America/Jamaica',
          arrivalDate: '2018-02-07',
          departureDate: '2018-02-07',
          notes: "Dates from the Historian's record 3781.",
          sources: [article(Q.laterLegs), historian('3781', 'Kingston')],
          meetings: [
            {
              id: 11,
              kind: 'bilateral',
              title: 'Meetings with Prime Minister Andrew Holness and Foreign Minister Kamina Johnson-Smith',
              description:
                'Meetings with Prime Minister Andrew Holness and Foreign Minister Kamina Johnson-Smith during the ' +
                'one-day visit of 7 February.',
              topics: [],
              status: 'confirmed',
              date: '2018-02-07',
              startTime: null,
              endTime: null,
              partOfDay: null,
              sources: [historian('3781', Q.r3781)],
              participants: [
                { participantId: 12, role: 'host' },
                { participantId: 13, role: 'counterpart' },
                { participantId: 1, role: 'delegation_member' },
              ],
            },
          ],
        },
      ],
    },
  ],
};
