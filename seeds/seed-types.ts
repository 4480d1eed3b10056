// The shape of a seed file: plain data with fixed ids, so re-seeding is idempotent and ids stay stable.
// Each record cites where it comes from (`sources`), quoting the source verbatim.

export type SeedSource = {
  title: string;
  publisher: string;
  /** Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD; null when the source does not say. */
  publishedAt: string | null;
  url: string;
  /** A verbatim sentence or phrase of the source that supports the record. */
  quote: string;
  /** The record's id inside the source, when it has one (the Historian's <id>). */
  recordId?: string | null;
};

export type SeedParticipant = {
  id: number;
  kind: 'person' | 'group';
  name: string;
  title: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string | null;
  organization: string | null;
};

export type SeedContextItem = {
  kind: 'event' | 'organization';
  title: string;
  description: string | null;
  /** Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD; null when undated. */
  date: string | null;
  city: string | null;
  country: string | null;
  sources: SeedSource[];
};

export type SeedMeetingParticipant = {
  participantId: number;
  role: 'host' | 'counterpart' | 'attendee' | 'delegation_member' | 'other';
};

export type SeedMeeting = {
  id: number;
  kind:
    | 'bilateral'
    | 'multilateral'
    | 'consultations'
    | 'speech'
    | 'tour'
    | 'briefing'
    | 'social'
    | 'press'
    | 'other';
  title: string;
  description: string | null;
  topics: string[];
  status: 'confirmed' | 'planned' | 'tentative' | 'cancelled';
  /** Local date YYYY-MM-DD, null when the source gives none. */
  date: string | null;
  /** Local wall-clock HH:MM; the article gives none, so seeds keep these null. */
  startTime: string | null;
  endTime: string | null;
  partOfDay: 'morning' | 'afternoon' | 'evening' | 'night' | null;
  sources: SeedSource[];
  participants: SeedMeetingParticipant[];
};

export type SeedStop = {
  id: number;
  /** 1-based order of the stop within the trip. */
  position: number;
  city: string;
  country: string;
  latitude: number | null;
  longitude: number | null;
  /** IANA time zone of the place, e.g. America/Mexico_City. */
  timeZone: string;
  arrivalDate: string | null;
  departureDate: string | null;
  notes: string | null;
  sources: SeedSource[];
  meetings: SeedMeeting[];
};

export type SeedTrip = {
  id: number;
  title: string;
  summary: string;
  travelerId: number;
  startDate: string;
  endDate: string;
  status: 'planned' | 'confirmed' | 'completed' | 'cancelled';
  topics: string[];
  context: SeedContextItem[];
  sources: SeedSource[];
  stops: SeedStop[];
};

export type SeedData = {
  participants: SeedParticipant[];
  trips: SeedTrip[];
};
