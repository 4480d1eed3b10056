-- The change feed learns whose changes it holds, as SQLite's migration 0013 does (see it for the why): the trip of
-- each change (`trip_id`, and `former_trip_id` for a meeting moved to another trip), and a row of its own for each
-- change of attendance (`participant_id`), shown only to a feed filtered by participant. A deleted stop's or
-- meeting's change is written BEFORE DELETE, so the deletions it cascades to can find their trip in it.
ALTER TABLE "changes" ADD COLUMN "trip_id" integer;--> statement-breakpoint
ALTER TABLE "changes" ADD COLUMN "former_trip_id" integer;--> statement-breakpoint
ALTER TABLE "changes" ADD COLUMN "participant_id" integer;
--> statement-breakpoint

UPDATE changes SET trip_id = resource_id WHERE resource = 'trip';
--> statement-breakpoint
UPDATE changes SET trip_id = stops.trip_id FROM stops WHERE changes.resource = 'stop' AND stops.id = changes.resource_id;
--> statement-breakpoint
UPDATE changes SET trip_id = stops.trip_id FROM meetings JOIN stops ON stops.id = meetings.stop_id
  WHERE changes.resource = 'meeting' AND meetings.id = changes.resource_id;
--> statement-breakpoint
CREATE INDEX changes_trip_idx ON changes (trip_id, txid, seq) WHERE trip_id IS NOT NULL;
--> statement-breakpoint
CREATE INDEX changes_former_trip_idx ON changes (former_trip_id, txid, seq) WHERE former_trip_id IS NOT NULL;
--> statement-breakpoint
CREATE INDEX changes_participant_idx ON changes (participant_id, txid, seq) WHERE participant_id IS NOT NULL;
--> statement-breakpoint
-- The trip of a stop or meeting already deleted, found from its deletion's change.
CREATE INDEX changes_deletion_idx ON changes (resource, resource_id) WHERE action = 'deleted';
--> statement-breakpoint
-- The trip of a deleted stop or meeting: the trip of its deletion's change.
CREATE FUNCTION itinerary_deleted_trip(resource text, id integer) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT trip_id FROM changes WHERE changes.resource = $1 AND resource_id = $2 AND action = 'deleted'
  ORDER BY seq DESC LIMIT 1
$$;
--> statement-breakpoint
-- The trip of meeting `id`, or null when it is gone.
CREATE FUNCTION itinerary_meeting_trip(id integer) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT stops.trip_id FROM meetings JOIN stops ON stops.id = meetings.stop_id WHERE meetings.id = $1
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION itinerary_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  resource text := TG_ARGV[0];
  of_trip integer;
  left_trip integer;
BEGIN
  -- One statement per resource: PL/pgSQL resolves a record's fields only in the statement it runs.
  IF TG_OP = 'DELETE' THEN
    IF resource = 'trip' THEN
      of_trip := OLD.id;
    ELSIF resource = 'stop' THEN
      of_trip := OLD.trip_id;
    ELSIF resource = 'meeting' THEN
      of_trip := coalesce((SELECT trip_id FROM stops WHERE stops.id = OLD.stop_id),
        itinerary_deleted_trip('stop', OLD.stop_id));
    END IF;
    INSERT INTO changes (resource, resource_id, action, version, changed_at, trip_id)
    VALUES (resource, OLD.id, 'deleted', NULL, itinerary_now(), of_trip);
    RETURN OLD;
  END IF;
  IF resource = 'trip' THEN
    of_trip := NEW.id;
  ELSIF resource = 'stop' THEN
    of_trip := NEW.trip_id;
  ELSIF resource = 'meeting' THEN
    of_trip := (SELECT trip_id FROM stops WHERE stops.id = NEW.stop_id);
    IF TG_OP = 'UPDATE' THEN
      IF OLD.stop_id <> NEW.stop_id THEN
        left_trip := nullif((SELECT trip_id FROM stops WHERE stops.id = OLD.stop_id), of_trip);
      END IF;
    END IF;
  END IF;
  INSERT INTO changes (resource, resource_id, action, version, changed_at, trip_id, former_trip_id)
  VALUES (resource, NEW.id, CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END, NEW.version, itinerary_now(),
    of_trip, left_trip);
  RETURN NEW;
END
$$;
--> statement-breakpoint
DROP TRIGGER stops_change ON stops;
--> statement-breakpoint
CREATE TRIGGER stops_change AFTER INSERT OR UPDATE ON stops
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('stop');
--> statement-breakpoint
CREATE TRIGGER stops_change_deleted BEFORE DELETE ON stops
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('stop');
--> statement-breakpoint
DROP TRIGGER meetings_change ON meetings;
--> statement-breakpoint
CREATE TRIGGER meetings_change AFTER INSERT OR UPDATE ON meetings
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('meeting');
--> statement-breakpoint
CREATE TRIGGER meetings_change_deleted BEFORE DELETE ON meetings
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('meeting');
--> statement-breakpoint
-- A change of attendance: a row naming the participant, for the meeting's trip.
CREATE FUNCTION itinerary_record_attendance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO changes (resource, resource_id, action, version, changed_at, trip_id, participant_id)
    VALUES ('meeting', NEW.meeting_id, 'updated', NULL, itinerary_now(), itinerary_meeting_trip(NEW.meeting_id),
      NEW.participant_id);
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO changes (resource, resource_id, action, version, changed_at, trip_id, participant_id)
    VALUES ('meeting', OLD.meeting_id,
      CASE WHEN EXISTS (SELECT 1 FROM meetings WHERE meetings.id = OLD.meeting_id) THEN 'updated' ELSE 'deleted' END,
      NULL, itinerary_now(),
      coalesce(itinerary_meeting_trip(OLD.meeting_id), itinerary_deleted_trip('meeting', OLD.meeting_id)),
      OLD.participant_id);
  ELSIF TG_OP = 'UPDATE' THEN
    IF OLD.participant_id <> NEW.participant_id OR OLD.meeting_id <> NEW.meeting_id THEN
      INSERT INTO changes (resource, resource_id, action, version, changed_at, trip_id, participant_id)
      VALUES ('meeting', OLD.meeting_id, 'updated', NULL, itinerary_now(), itinerary_meeting_trip(OLD.meeting_id),
        OLD.participant_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER meeting_participants_change AFTER INSERT OR UPDATE OR DELETE ON meeting_participants
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_attendance();
