import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { meetingParticipants, meetings, participants, stops } from '../db/schema.js';
import { meetingRules } from '../domain/rules.js';
import { nowIso, toUtcInstant } from '../domain/time.js';
import { assertValid, type FieldError, NotFoundError } from '../errors.js';
import type { CreateMeeting, Meeting, UpdateMeeting } from '../schemas/meetings.js';
import type { MeetingParticipant } from '../schemas/participants.js';

export type MeetingsRepository = ReturnType<typeof createMeetingsRepository>;
export type MeetingScope = { tripId?: number; stopId?: number; meetingId?: number };
type Role = MeetingParticipant['role'];

// Chronological order: by date (undated last), then by the clock time or, failing that, the part of the day
// (undetermined last), then by id, which keeps the order the items were recorded in.
const timeOfDayKey = sql`coalesce(${meetings.startTime}, case ${meetings.partOfDay}
  when 'morning' then '06:00' when 'afternoon' then '12:00' when 'evening' then '17:00' when 'night' then '21:00'
  else '99:99' end)`;
const chronological = [
  sql`${meetings.date} is null`,
  asc(meetings.date),
  asc(timeOfDayKey),
  asc(meetings.id),
];

const meetingColumns = {
  id: meetings.id,
  stopId: meetings.stopId,
  tripId: stops.tripId,
  kind: meetings.kind,
  title: meetings.title,
  description: meetings.description,
  topics: meetings.topics,
  status: meetings.status,
  date: meetings.date,
  startTime: meetings.startTime,
  endTime: meetings.endTime,
  partOfDay: meetings.partOfDay,
  timeZone: stops.timeZone,
  sources: meetings.sources,
  createdAt: meetings.createdAt,
  updatedAt: meetings.updatedAt,
  version: meetings.version,
};

type MeetingRow = Omit<Meeting, 'startsAt' | 'endsAt'>;

/** A meeting's instants follow from its local date and times and its stop's zone; they are never stored. */
const withInstants = (row: MeetingRow): Meeting => ({
  ...row,
  startsAt: toUtcInstant(row.date, row.startTime, row.timeZone),
  endsAt: toUtcInstant(row.date, row.endTime, row.timeZone),
});

const scopeWhere = (scope: MeetingScope): SQL | undefined =>
  and(
    scope.tripId === undefined ? undefined : eq(stops.tripId, scope.tripId),
    scope.stopId === undefined ? undefined : eq(meetings.stopId, scope.stopId),
    scope.meetingId === undefined ? undefined : eq(meetings.id, scope.meetingId),
  );

export function createMeetingsRepository(db: Db) {
  const select = (scope: MeetingScope) =>
    db
      .select(meetingColumns)
      .from(meetings)
      .innerJoin(stops, eq(stops.id, meetings.stopId))
      .where(scopeWhere(scope))
      .orderBy(...chronological)
      .all()
      .map(withInstants);

  const get = (id: number): Meeting => {
    const [row] = select({ meetingId: id });
    if (!row) throw new NotFoundError('meeting', id);
    return row;
  };

  const stopExists = (stopId: number) =>
    db.select({ id: stops.id }).from(stops).where(eq(stops.id, stopId)).get() !== undefined;

  const participantExists = (id: number) =>
    db.select({ id: participants.id }).from(participants).where(eq(participants.id, id)).get() !== undefined;

  const touch = (id: number) =>
    db
      .update(meetings)
      .set({ updatedAt: nowIso(), version: sql`${meetings.version} + 1` })
      .where(eq(meetings.id, id))
      .run();

  return {
    get,

    /** Meetings of a trip, a stop or everywhere, in chronological order. */
    list(scope: MeetingScope = {}): Meeting[] {
      return select(scope);
    },

    /** Participants of every meeting in scope, in one query, grouped by meeting id. */
    participantsByMeeting(scope: MeetingScope): Map<number, MeetingParticipant[]> {
      const rows = db
        .select({
          meetingId: meetingParticipants.meetingId,
          role: meetingParticipants.role,
          participant: participants,
        })
        .from(meetingParticipants)
        .innerJoin(participants, eq(participants.id, meetingParticipants.participantId))
        .innerJoin(meetings, eq(meetings.id, meetingParticipants.meetingId))
        .innerJoin(stops, eq(stops.id, meetings.stopId))
        .where(scopeWhere(scope))
        .orderBy(asc(meetingParticipants.meetingId), asc(meetingParticipants.createdAt), asc(participants.id))
        .all();
      const byMeeting = new Map<number, MeetingParticipant[]>();
      for (const { meetingId, role, participant } of rows) {
        const list = byMeeting.get(meetingId) ?? [];
        list.push({ ...participant, role });
        byMeeting.set(meetingId, list);
      }
      return byMeeting;
    },

    listParticipants(meetingId: number): MeetingParticipant[] {
      get(meetingId);
      return this.participantsByMeeting({ meetingId }).get(meetingId) ?? [];
    },

    /** Creates the meeting and its participants in one transaction: all of it or none of it. */
    create(stopId: number, input: CreateMeeting & { id?: number }): Meeting {
      return db.transaction(() => {
        if (!stopExists(stopId)) throw new NotFoundError('stop', stopId);
        const { participants: attendees, ...fields } = input;
        const errors: FieldError[] = [...meetingRules(fields)];
        const seen = new Set<number>();
        attendees.forEach(({ participantId }, i) => {
          if (seen.has(participantId)) {
            errors.push({ path: `body.participants.${i}.participantId`, message: 'is listed twice' });
          } else if (!participantExists(participantId)) {
            errors.push({
              path: `body.participants.${i}.participantId`,
              message: `no participant has the id ${participantId}`,
            });
          }
          seen.add(participantId);
        });
        assertValid(errors);
        const now = nowIso();
        const { id } = db
          .insert(meetings)
          .values({ ...fields, stopId, createdAt: now, updatedAt: now })
          .returning({ id: meetings.id })
          .get();
        if (attendees.length > 0) {
          db.insert(meetingParticipants)
            .values(
              attendees.map((a) => ({
                meetingId: id,
                participantId: a.participantId,
                role: a.role,
                createdAt: now,
              })),
            )
            .run();
        }
        return get(id);
      });
    },

    update(id: number, patch: UpdateMeeting): Meeting {
      return db.transaction(() => {
        const current = get(id);
        if (Object.keys(patch).length === 0) return current;
        const errors = meetingRules({ ...current, ...patch });
        if (patch.stopId !== undefined && !stopExists(patch.stopId)) {
          errors.push({ path: 'body.stopId', message: `no stop has the id ${patch.stopId}` });
        }
        assertValid(errors);
        db.update(meetings)
          .set({ ...patch, updatedAt: nowIso(), version: sql`${meetings.version} + 1` })
          .where(eq(meetings.id, id))
          .run();
        return get(id);
      });
    },

    delete(id: number): void {
      const result = db.delete(meetings).where(eq(meetings.id, id)).run();
      if (result.changes === 0) throw new NotFoundError('meeting', id);
    },

    /** Adds the participant to the meeting, or changes their role. Answers whether they were added. */
    setParticipant(meetingId: number, participantId: number, role: Role): { created: boolean } {
      return db.transaction(() => {
        get(meetingId);
        if (!participantExists(participantId)) throw new NotFoundError('participant', participantId);
        const existing = db
          .select({ role: meetingParticipants.role })
          .from(meetingParticipants)
          .where(
            and(
              eq(meetingParticipants.meetingId, meetingId),
              eq(meetingParticipants.participantId, participantId),
            ),
          )
          .get();
        if (existing?.role === role) return { created: false };
        if (existing) {
          db.update(meetingParticipants)
            .set({ role })
            .where(
              and(
                eq(meetingParticipants.meetingId, meetingId),
                eq(meetingParticipants.participantId, participantId),
              ),
            )
            .run();
        } else {
          db.insert(meetingParticipants)
            .values({ meetingId, participantId, role, createdAt: nowIso() })
            .run();
        }
        touch(meetingId);
        return { created: !existing };
      });
    },

    removeParticipant(meetingId: number, participantId: number): void {
      db.transaction(() => {
        get(meetingId);
        const result = db
          .delete(meetingParticipants)
          .where(
            and(
              eq(meetingParticipants.meetingId, meetingId),
              eq(meetingParticipants.participantId, participantId),
            ),
          )
          .run();
        if (result.changes === 0) {
          throw new NotFoundError('participant of this meeting', participantId);
        }
        touch(meetingId);
      });
    },
  };
}
