import { describe, expect, it } from 'vitest';
import { tillersonSeed } from '../seeds/tillerson-2018.js';
import { applySeed, hasTrips } from '../src/repositories/seed-repository.js';
import { buildTestApp } from './helpers.js';

type Meeting = {
  id: number;
  title: string;
  kind: string;
  status: string;
  date: string | null;
  startTime: string | null;
  endTime: string | null;
  startsAt: string | null;
  partOfDay: string | null;
  sources: { quote: string }[];
  participants: { name: string; role: string }[];
};
type Stop = {
  city: string;
  country: string;
  timeZone: string;
  sources: { quote: string }[];
  meetings: Meeting[];
};

async function itinerary() {
  const { api, app } = await buildTestApp();
  const res = await api.get('/trips/1?include=stops,meetings,participants').expect(200);
  return {
    trip: res.body as { stops: Stop[]; sources: { quote: string }[]; context: { title: string }[] },
    api,
    app,
  };
}

const findMeeting = (stops: Stop[], title: RegExp) => {
  const found = stops.flatMap((s) => s.meetings).find((m) => title.test(m.title));
  if (!found) throw new Error(`no meeting titled ${title}`);
  return found;
};

describe('the article seed, through the API', () => {
  it('visits MX, AR (Bariloche, then Buenos Aires), PE, CO and JM in order, after Texas, with time zones', async () => {
    const { trip } = await itinerary();
    expect(trip.stops.map((s) => [s.city, s.country, s.timeZone])).toEqual([
      ['Texas', 'US', 'America/Chicago'],
      ['Mexico City', 'MX', 'America/Mexico_City'],
      ['Bariloche', 'AR', 'America/Argentina/Salta'],
      ['Buenos Aires', 'AR', 'America/Argentina/Buenos_Aires'],
      ['Lima', 'PE', 'America/Lima'],
      ['Bogotá', 'CO', 'America/Bogota'],
      ['Kingston', 'JM', 'America/Jamaica'],
    ]);
  });

  it('has a source quote on the trip, every stop and every meeting, and no clock time anywhere', async () => {
    const { trip } = await itinerary();
    expect(trip.sources.length).toBeGreaterThan(0);
    for (const stop of trip.stops) {
      expect(stop.sources.length, stop.city).toBeGreaterThan(0);
      for (const s of stop.sources) expect(s.quote.length).toBeGreaterThan(0);
      for (const meeting of stop.meetings) {
        expect(meeting.sources.length, meeting.title).toBeGreaterThan(0);
        expect(meeting.startTime).toBeNull();
        expect(meeting.endTime).toBeNull();
        expect(meeting.startsAt).toBeNull();
      }
    }
  });

  it('holds the named meetings with their counterparts and roles', async () => {
    const { trip } = await itinerary();
    const macri = findMeeting(trip.stops, /Macri/);
    expect(macri).toMatchObject({
      date: '2018-02-05',
      partOfDay: 'morning',
      startTime: null,
      status: 'confirmed',
    });
    expect(macri.participants).toContainEqual(
      expect.objectContaining({ name: 'Mauricio Macri', role: 'host' }),
    );

    const superBowl = findMeeting(trip.stops, /Super Bowl/);
    expect(superBowl.status).toBe('tentative');

    const speech = findMeeting(trip.stops, /speech/i);
    expect(speech).toMatchObject({ kind: 'speech', date: null });

    const names = trip.stops.flatMap((s) => s.meetings.flatMap((m) => m.participants.map((p) => p.name)));
    for (const name of [
      'Luis Videgaray',
      'Enrique Peña Nieto',
      'Jorge Faurie',
      'Mauricio Macri',
      'Pedro Pablo Kuczynski',
      'Juan Manuel Santos',
      'Andrew Holness',
    ]) {
      expect(names).toContain(name);
    }
    const missions = findMeeting(trip.stops, /heads of US missions/i);
    expect(missions.participants.some((p) => p.name.includes('Heads of US missions'))).toBe(true);
    expect(findMeeting(trip.stops, /Nahuel Huapi/).kind).toBe('tour');
    expect(findMeeting(trip.stops, /consultations/i).date).toBe('2018-02-04');
  });

  it('puts the trip in the context of the later summits and the Lima Group', async () => {
    const { trip } = await itinerary();
    const titles = trip.context.map((c) => c.title).join(' | ');
    for (const expected of [/Summit of the Americas/, /G7/, /G20/, /Lima Group/])
      expect(titles).toMatch(expected);
  });

  it('is idempotent: seeding again changes nothing and keeps every id', async () => {
    const { app, api } = await itinerary();
    const before = (await api.get('/trips/1?include=stops,meetings,participants')).body;
    const report = await app.database.transaction((tx) => applySeed(tillersonSeed, tx));
    expect(report).toEqual({ created: 0, updated: 0, unchanged: 32 });
    const after = (await api.get('/trips/1?include=stops,meetings,participants')).body;
    expect(after).toEqual(before);
  });

  it('re-seeding restores a seeded record that was changed, under the same id', async () => {
    const { app, api } = await itinerary();
    await api.patch('/meetings/8').send({ title: 'Changed' }).expect(200);
    const report = await app.database.transaction((tx) => applySeed(tillersonSeed, tx));
    expect(report.updated).toBe(1);
    const restored = await api.get('/meetings/8').expect(200);
    expect(restored.body.title).toMatch(/Macri/);
    expect(restored.body.version).toBe(3);
  });

  it('is not applied on start when the database already has trips, or when turned off', async () => {
    const { api } = await buildTestApp({ seed: false });
    const res = await api.get('/trips').expect(200);
    expect(res.body.data).toEqual([]);
  });
});

describe('applySeed and hasTrips', () => {
  it('read and write in the transaction they are given, and their writes go with its rollback', async () => {
    const { app } = await buildTestApp({ seed: false });
    const failed = app.database.transaction(async (tx) => {
      expect(await hasTrips(tx)).toBe(false);
      expect((await applySeed(tillersonSeed, tx)).created).toBe(32);
      expect(await hasTrips(tx)).toBe(true);
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await app.database.read((tx) => hasTrips(tx))).toBe(false);
    expect(await app.database.transaction((tx) => applySeed(tillersonSeed, tx))).toEqual({
      created: 32,
      updated: 0,
      unchanged: 0,
    });
    expect(await app.database.read((tx) => hasTrips(tx))).toBe(true);
  });
});
