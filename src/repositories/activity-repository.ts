import { and, eq, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { queryRow, queryRows } from '../db/queries.js';
import { stopSpanEnd, stopSpanStart } from '../db/schema.js';
import { tablesOf } from '../db/tables.js';
import type { Counterpart, WhereaboutsItem } from '../schemas/activity.js';
import { alias, asCount } from './dialect.js';
import { type Page, type PageRequest, paginate, type SortSpec } from './pagination.js';

// Questions about one participant that span trips, stops and meetings. A participant is "involved" in a meeting
// when they attend it or travel on its trip.

// Counterparts are ranked by how often they met (most first), then by name and id; the key is ascending on
// (-meetings, name, id) so that one row-value comparison pages it.
const COUNTERPARTS_ORDER: SortSpec<Counterpart> = {
  name: 'meetings',
  direction: 'asc',
  columns: [sql.raw('-agg.meetings'), sql.raw('p.name'), sql.raw('p.id')],
  key: (c) => [-c.meetings, c.name, c.id],
};

export function createActivityRepository() {
  return {
    /**
     * Where the participant was on a local date: the stops of trips they travel on whose arrival–departure span
     * includes it (a travel day gives both places), and the stops of meetings they attend dated that day.
     */
    async whereabouts(participantId: number, date: string, { db }: Transaction): Promise<WhereaboutsItem[]> {
      const { meetingParticipants, meetings, stops, trips } = tablesOf(db);
      const spanStart = stopSpanStart(stops);
      const spanEnd = stopSpanEnd(stops);
      const traveling = await db
        .select({ stop: stops, trip: { id: trips.id, title: trips.title, startDate: trips.startDate } })
        .from(stops)
        .innerJoin(trips, eq(trips.id, stops.tripId))
        .where(
          and(eq(trips.travelerId, participantId), sql`${spanStart} <= ${date}`, sql`${spanEnd} >= ${date}`),
        );
      // A stop where they attend several meetings comes once per meeting; byStop keeps one.
      const attending = await db
        .select({
          stop: stops,
          trip: { id: trips.id, title: trips.title, startDate: trips.startDate },
        })
        .from(meetingParticipants)
        .innerJoin(meetings, eq(meetings.id, meetingParticipants.meetingId))
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .innerJoin(trips, eq(trips.id, stops.tripId))
        .where(and(eq(meetingParticipants.participantId, participantId), eq(meetings.date, date)));
      const byStop = new Map<number, WhereaboutsItem & { startDate: string }>();
      for (const [rows, basis] of [
        [traveling, 'traveler'],
        [attending, 'meeting'],
      ] as const) {
        for (const { stop, trip } of rows) {
          if (byStop.has(stop.id)) continue;
          byStop.set(stop.id, {
            stop,
            trip: { id: trip.id, title: trip.title },
            basis,
            startDate: trip.startDate,
          });
        }
      }
      return [...byStop.values()]
        .sort(
          (a, b) =>
            a.startDate.localeCompare(b.startDate) ||
            a.trip.id - b.trip.id ||
            a.stop.position - b.stop.position,
        )
        .map(({ startDate: _startDate, ...item }) => item);
    },

    /** Everyone who shared a meeting with the participant, with how often and when; most frequent first. */
    async counterparts(
      participantId: number,
      request: PageRequest,
      tx: Transaction,
    ): Promise<Page<Counterpart>> {
      const { meetingParticipants, meetings, participants, stops, trips } = tablesOf(tx.db);
      const p = participantId;
      // `involved` is two indexed halves, the meetings attended and those of the trips travelled on: one OR
      // across the tables would make SQLite test every meeting.
      const base = sql`
        with involved as (
          select m.id as meeting_id, m.date as date, s.trip_id as trip_id
          from ${meetingParticipants} x join ${meetings} m on m.id = x.meeting_id join ${stops} s on s.id = m.stop_id
          where x.participant_id = ${p}
          union
          select m.id, m.date, s.trip_id
          from ${trips} t join ${stops} s on s.trip_id = t.id join ${meetings} m on m.stop_id = s.id
          where t.traveler_id = ${p}
        ),
        met as (
          select mp.participant_id as id, i.meeting_id, i.date
          from involved i join ${meetingParticipants} mp on mp.meeting_id = i.meeting_id
          where mp.participant_id <> ${p}
          union
          select t.traveler_id as id, i.meeting_id, i.date
          from involved i join ${trips} t on t.id = i.trip_id
          where t.traveler_id <> ${p}
        ),
        agg as (
          select id, count(distinct meeting_id) as meetings, min(date) as first_date, max(date) as last_date
          from met group by id
        )`;
      type Row = Omit<Counterpart, 'firstDate' | 'lastDate'> & {
        first_date: string | null;
        last_date: string | null;
      };
      const toCounterpart = ({ first_date, last_date, ...rest }: Row): Counterpart => ({
        ...rest,
        firstDate: first_date,
        lastDate: last_date,
      });
      return paginate(
        request,
        COUNTERPARTS_ORDER,
        { participantId },
        async (after, order, max) =>
          (
            await queryRows<Row>(
              tx,
              sql`${base}
              select p.id, p.kind, p.name, p.title, p.country, p.organization,
                p.created_at as ${alias('createdAt')}, p.updated_at as ${alias('updatedAt')}, p.version,
                agg.meetings, agg.first_date, agg.last_date
              from agg join ${participants} p on p.id = agg.id
              ${after ? sql`where ${after}` : sql``}
              order by ${sql.join(order, sql`, `)}
              limit ${max}`,
            )
          ).map(toCounterpart),
        async () =>
          asCount((await queryRow<{ n: number }>(tx, sql`${base} select count(*) as n from agg`))?.n),
      );
    },
  };
}
