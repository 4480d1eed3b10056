-- The change feed and the audit history for PostgreSQL, as migrations 0003 and 0007 give them to SQLite: every
-- insert, update and delete of a trip, stop, meeting or participant appends a row to `changes`, and of those and
-- of attendance a row to `audit_log` with the state before and after (the same camelCase objects SQLite's
-- json_object writes) and the name of the API key that wrote, which the application passes per transaction with
-- set_config('app.actor', name, true). Timestamps are the ISO-8601 texts SQLite's strftime('%Y-%m-%dT%H:%M:%fZ')
-- writes. The audit log is append-only.
CREATE FUNCTION itinerary_now() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
--> statement-breakpoint
CREATE FUNCTION itinerary_actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('app.actor', true), '')
$$;
--> statement-breakpoint
CREATE FUNCTION itinerary_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO changes (resource, resource_id, action, version, changed_at)
    VALUES (TG_ARGV[0], OLD.id, 'deleted', NULL, itinerary_now());
    RETURN OLD;
  END IF;
  INSERT INTO changes (resource, resource_id, action, version, changed_at)
  VALUES (TG_ARGV[0], NEW.id, CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END, NEW.version, itinerary_now());
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER trips_change AFTER INSERT OR UPDATE OR DELETE ON trips
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('trip');
--> statement-breakpoint
CREATE TRIGGER stops_change AFTER INSERT OR UPDATE OR DELETE ON stops
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('stop');
--> statement-breakpoint
CREATE TRIGGER meetings_change AFTER INSERT OR UPDATE OR DELETE ON meetings
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('meeting');
--> statement-breakpoint
CREATE TRIGGER participants_change AFTER INSERT OR UPDATE OR DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION itinerary_record_change('participant');
--> statement-breakpoint
CREATE FUNCTION itinerary_audit_json(resource text, r record) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  -- One statement per resource: PL/pgSQL resolves a record's fields only in the statement it runs.
  IF resource = 'participant' THEN
    RETURN json_build_object('id', r.id, 'kind', r.kind, 'name', r.name, 'title', r.title, 'country', r.country,
      'organization', r.organization, 'createdAt', r.created_at, 'updatedAt', r.updated_at, 'version', r.version);
  ELSIF resource = 'trip' THEN
    RETURN json_build_object('id', r.id, 'title', r.title, 'summary', r.summary, 'travelerId', r.traveler_id,
      'startDate', r.start_date, 'endDate', r.end_date, 'status', r.status, 'topics', r.topics, 'context', r.context,
      'sources', r.sources, 'createdAt', r.created_at, 'updatedAt', r.updated_at, 'version', r.version);
  ELSIF resource = 'stop' THEN
    RETURN json_build_object('id', r.id, 'tripId', r.trip_id, 'position', r.position, 'city', r.city,
      'country', r.country, 'latitude', r.latitude, 'longitude', r.longitude, 'timeZone', r.time_zone,
      'arrivalDate', r.arrival_date, 'departureDate', r.departure_date, 'notes', r.notes, 'sources', r.sources,
      'createdAt', r.created_at, 'updatedAt', r.updated_at, 'version', r.version);
  ELSIF resource = 'meeting' THEN
    RETURN json_build_object('id', r.id, 'stopId', r.stop_id, 'kind', r.kind, 'title', r.title,
      'description', r.description, 'topics', r.topics, 'status', r.status, 'date', r.date, 'startTime', r.start_time,
      'endTime', r.end_time, 'partOfDay', r.part_of_day, 'startsAt', r.starts_at, 'endsAt', r.ends_at,
      'sources', r.sources, 'createdAt', r.created_at, 'updatedAt', r.updated_at, 'version', r.version);
  END IF;
  RETURN json_build_object('meetingId', r.meeting_id, 'participantId', r.participant_id, 'role', r.role);
END
$$;
--> statement-breakpoint
CREATE FUNCTION itinerary_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  resource text := TG_ARGV[0];
  row_id integer;
  row_version integer;
  before_json json;
  after_json json;
BEGIN
  IF TG_OP <> 'DELETE' THEN after_json := itinerary_audit_json(resource, NEW); END IF;
  IF TG_OP <> 'INSERT' THEN before_json := itinerary_audit_json(resource, OLD); END IF;
  IF resource = 'attendance' THEN
    IF TG_OP = 'DELETE' THEN row_id := OLD.meeting_id; ELSE row_id := NEW.meeting_id; END IF;
  ELSIF TG_OP = 'DELETE' THEN
    row_id := OLD.id;
    row_version := OLD.version;
  ELSE
    row_id := NEW.id;
    row_version := NEW.version;
  END IF;
  INSERT INTO audit_log (at, key_name, operation, resource, resource_id, version, before, after)
  VALUES (itinerary_now(), itinerary_actor(),
    CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
    resource, row_id, row_version, before_json, after_json);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER participants_audit AFTER INSERT OR UPDATE OR DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit('participant');
--> statement-breakpoint
CREATE TRIGGER trips_audit AFTER INSERT OR UPDATE OR DELETE ON trips
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit('trip');
--> statement-breakpoint
CREATE TRIGGER stops_audit AFTER INSERT OR UPDATE OR DELETE ON stops
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit('stop');
--> statement-breakpoint
CREATE TRIGGER meetings_audit AFTER INSERT OR UPDATE OR DELETE ON meetings
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit('meeting');
--> statement-breakpoint
CREATE TRIGGER meeting_participants_audit AFTER INSERT OR UPDATE OR DELETE ON meeting_participants
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit('attendance');
--> statement-breakpoint
CREATE FUNCTION itinerary_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION itinerary_audit_append_only();
