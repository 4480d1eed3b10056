-- Custom SQL migration file, put your code below! --
-- The schedule locks of a checked write of meetings, and the people of those meetings, in one round trip
-- (conflicts-repository.ts, lockSchedules): what took three statements from the API (the locks, their keys read
-- again once held, then the meetings' dates, travelers and attendees), each a round trip of its own.
--
-- The lock over every schedule is taken shared (`every`, 0), then the locks of the meetings' trips (`trip_ns`, the
-- trip's id) and participants (`participant_ns`: travelers and attendees) exclusively, in one order for all (the
-- lock over every schedule first, then by kind and id), until the keys read after taking them are the keys taken:
-- a write that committed while this one waited may have given a meeting another traveler or attendee. The key
-- numbers come from the caller (src/db/advisory-locks.ts keeps them). Keys are read without regard to status, so a
-- cancelled trip's schedule is locked too.
--
-- VOLATILE, so that under READ COMMITTED each statement here takes a snapshot of its own: the keys are read again,
-- and the people read, after the locks are held, and see what the writes waited for committed.
--
-- Answers one row per live meeting (neither it nor its trip cancelled, and dated) and attendee (null when it has
-- none): its date, its trip's traveler, the attendee.
CREATE FUNCTION itinerary_lock_meeting_schedules(
  meeting_ids integer[], every integer, trip_ns integer, participant_ns integer
) RETURNS TABLE (meeting_date text, traveler integer, attendee integer) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  taken text := NULL;
  held text;
  k record;
BEGIN
  LOOP
    held := '';
    FOR k IN
      SELECT keys.ns, keys.id FROM (
        SELECT every AS ns, 0 AS id
        UNION SELECT trip_ns, s.trip_id
          FROM meetings m JOIN stops s ON s.id = m.stop_id WHERE m.id = ANY(meeting_ids)
        UNION SELECT participant_ns, t.traveler_id
          FROM meetings m JOIN stops s ON s.id = m.stop_id JOIN trips t ON t.id = s.trip_id
          WHERE m.id = ANY(meeting_ids)
        UNION SELECT participant_ns, mp.participant_id
          FROM meeting_participants mp WHERE mp.meeting_id = ANY(meeting_ids)
      ) AS keys
      ORDER BY keys.ns <> every, keys.ns, keys.id
    LOOP
      IF k.ns = every THEN
        PERFORM pg_advisory_xact_lock_shared(k.ns, k.id);
      ELSE
        PERFORM pg_advisory_xact_lock(k.ns, k.id);
      END IF;
      held := held || k.ns || ':' || k.id || ',';
    END LOOP;
    EXIT WHEN held = taken;
    taken := held;
  END LOOP;
  RETURN QUERY
    SELECT m.date, t.traveler_id, mp.participant_id
    FROM meetings m
      JOIN stops s ON s.id = m.stop_id
      JOIN trips t ON t.id = s.trip_id
      LEFT JOIN meeting_participants mp ON mp.meeting_id = m.id
    WHERE m.id = ANY(meeting_ids) AND m.status <> 'cancelled' AND t.status <> 'cancelled' AND m.date IS NOT NULL;
END
$$;
