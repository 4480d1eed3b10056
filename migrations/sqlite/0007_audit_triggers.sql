-- The audit history: every insert, update and delete of a participant, trip, stop, meeting or attendance appends
-- its state before and after to `audit_log`, in the same transaction as the write, with the name of the API key
-- that made it (itinerary_actor(), a function the application registers on its connection; null for commands
-- such as the seed). The log is append-only: updates and deletes of it abort.
-- (SQLite syntax; a PostgreSQL deployment would carry its own version of this migration.)
CREATE TRIGGER `participants_audit_create` AFTER INSERT ON `participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'participant', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'kind', NEW.`kind`, 'name', NEW.`name`, 'title', NEW.`title`, 'country', NEW.`country`, 'organization', NEW.`organization`, 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `participants_audit_update` AFTER UPDATE ON `participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'update', 'participant', NEW.`id`, NEW.`version`,
    json_object('id', OLD.`id`, 'kind', OLD.`kind`, 'name', OLD.`name`, 'title', OLD.`title`, 'country', OLD.`country`, 'organization', OLD.`organization`, 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`),
    json_object('id', NEW.`id`, 'kind', NEW.`kind`, 'name', NEW.`name`, 'title', NEW.`title`, 'country', NEW.`country`, 'organization', NEW.`organization`, 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `participants_audit_delete` AFTER DELETE ON `participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'delete', 'participant', OLD.`id`, OLD.`version`,
    json_object('id', OLD.`id`, 'kind', OLD.`kind`, 'name', OLD.`name`, 'title', OLD.`title`, 'country', OLD.`country`, 'organization', OLD.`organization`, 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`), NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `trips_audit_create` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'trip', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'title', NEW.`title`, 'summary', NEW.`summary`, 'travelerId', NEW.`traveler_id`, 'startDate', NEW.`start_date`, 'endDate', NEW.`end_date`, 'status', NEW.`status`, 'topics', json(NEW.`topics`), 'context', json(NEW.`context`), 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `trips_audit_update` AFTER UPDATE ON `trips` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'update', 'trip', NEW.`id`, NEW.`version`,
    json_object('id', OLD.`id`, 'title', OLD.`title`, 'summary', OLD.`summary`, 'travelerId', OLD.`traveler_id`, 'startDate', OLD.`start_date`, 'endDate', OLD.`end_date`, 'status', OLD.`status`, 'topics', json(OLD.`topics`), 'context', json(OLD.`context`), 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`),
    json_object('id', NEW.`id`, 'title', NEW.`title`, 'summary', NEW.`summary`, 'travelerId', NEW.`traveler_id`, 'startDate', NEW.`start_date`, 'endDate', NEW.`end_date`, 'status', NEW.`status`, 'topics', json(NEW.`topics`), 'context', json(NEW.`context`), 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `trips_audit_delete` AFTER DELETE ON `trips` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'delete', 'trip', OLD.`id`, OLD.`version`,
    json_object('id', OLD.`id`, 'title', OLD.`title`, 'summary', OLD.`summary`, 'travelerId', OLD.`traveler_id`, 'startDate', OLD.`start_date`, 'endDate', OLD.`end_date`, 'status', OLD.`status`, 'topics', json(OLD.`topics`), 'context', json(OLD.`context`), 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`), NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_audit_create` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'stop', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'tripId', NEW.`trip_id`, 'position', NEW.`position`, 'city', NEW.`city`, 'country', NEW.`country`, 'latitude', NEW.`latitude`, 'longitude', NEW.`longitude`, 'timeZone', NEW.`time_zone`, 'arrivalDate', NEW.`arrival_date`, 'departureDate', NEW.`departure_date`, 'notes', NEW.`notes`, 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `stops_audit_update` AFTER UPDATE ON `stops` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'update', 'stop', NEW.`id`, NEW.`version`,
    json_object('id', OLD.`id`, 'tripId', OLD.`trip_id`, 'position', OLD.`position`, 'city', OLD.`city`, 'country', OLD.`country`, 'latitude', OLD.`latitude`, 'longitude', OLD.`longitude`, 'timeZone', OLD.`time_zone`, 'arrivalDate', OLD.`arrival_date`, 'departureDate', OLD.`departure_date`, 'notes', OLD.`notes`, 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`),
    json_object('id', NEW.`id`, 'tripId', NEW.`trip_id`, 'position', NEW.`position`, 'city', NEW.`city`, 'country', NEW.`country`, 'latitude', NEW.`latitude`, 'longitude', NEW.`longitude`, 'timeZone', NEW.`time_zone`, 'arrivalDate', NEW.`arrival_date`, 'departureDate', NEW.`departure_date`, 'notes', NEW.`notes`, 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `stops_audit_delete` AFTER DELETE ON `stops` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'delete', 'stop', OLD.`id`, OLD.`version`,
    json_object('id', OLD.`id`, 'tripId', OLD.`trip_id`, 'position', OLD.`position`, 'city', OLD.`city`, 'country', OLD.`country`, 'latitude', OLD.`latitude`, 'longitude', OLD.`longitude`, 'timeZone', OLD.`time_zone`, 'arrivalDate', OLD.`arrival_date`, 'departureDate', OLD.`departure_date`, 'notes', OLD.`notes`, 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`), NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_audit_create` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'meeting', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'stopId', NEW.`stop_id`, 'kind', NEW.`kind`, 'title', NEW.`title`, 'description', NEW.`description`, 'topics', json(NEW.`topics`), 'status', NEW.`status`, 'date', NEW.`date`, 'startTime', NEW.`start_time`, 'endTime', NEW.`end_time`, 'partOfDay', NEW.`part_of_day`, 'startsAt', NEW.`starts_at`, 'endsAt', NEW.`ends_at`, 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_audit_update` AFTER UPDATE ON `meetings` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'update', 'meeting', NEW.`id`, NEW.`version`,
    json_object('id', OLD.`id`, 'stopId', OLD.`stop_id`, 'kind', OLD.`kind`, 'title', OLD.`title`, 'description', OLD.`description`, 'topics', json(OLD.`topics`), 'status', OLD.`status`, 'date', OLD.`date`, 'startTime', OLD.`start_time`, 'endTime', OLD.`end_time`, 'partOfDay', OLD.`part_of_day`, 'startsAt', OLD.`starts_at`, 'endsAt', OLD.`ends_at`, 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`),
    json_object('id', NEW.`id`, 'stopId', NEW.`stop_id`, 'kind', NEW.`kind`, 'title', NEW.`title`, 'description', NEW.`description`, 'topics', json(NEW.`topics`), 'status', NEW.`status`, 'date', NEW.`date`, 'startTime', NEW.`start_time`, 'endTime', NEW.`end_time`, 'partOfDay', NEW.`part_of_day`, 'startsAt', NEW.`starts_at`, 'endsAt', NEW.`ends_at`, 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_audit_delete` AFTER DELETE ON `meetings` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'delete', 'meeting', OLD.`id`, OLD.`version`,
    json_object('id', OLD.`id`, 'stopId', OLD.`stop_id`, 'kind', OLD.`kind`, 'title', OLD.`title`, 'description', OLD.`description`, 'topics', json(OLD.`topics`), 'status', OLD.`status`, 'date', OLD.`date`, 'startTime', OLD.`start_time`, 'endTime', OLD.`end_time`, 'partOfDay', OLD.`part_of_day`, 'startsAt', OLD.`starts_at`, 'endsAt', OLD.`ends_at`, 'sources', json(OLD.`sources`), 'createdAt', OLD.`created_at`, 'updatedAt', OLD.`updated_at`, 'version', OLD.`version`), NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_audit_create` AFTER INSERT ON `meeting_participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'attendance', NEW.`meeting_id`, NULL, NULL, json_object('meetingId', NEW.`meeting_id`, 'participantId', NEW.`participant_id`, 'role', NEW.`role`));
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_audit_update` AFTER UPDATE ON `meeting_participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'update', 'attendance', NEW.`meeting_id`, NULL, json_object('meetingId', OLD.`meeting_id`, 'participantId', OLD.`participant_id`, 'role', OLD.`role`), json_object('meetingId', NEW.`meeting_id`, 'participantId', NEW.`participant_id`, 'role', NEW.`role`));
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_audit_delete` AFTER DELETE ON `meeting_participants` BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'delete', 'attendance', OLD.`meeting_id`, NULL, json_object('meetingId', OLD.`meeting_id`, 'participantId', OLD.`participant_id`, 'role', OLD.`role`), NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log` BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
