-- An import writes the change feed and the audit log of the trips and stops it creates itself, once per statement
-- (`insert … select` over the rows just inserted: src/repositories/historian-import-store.ts), rather than through
-- these triggers row by row, which cost it about 20 µs of every stop's 50 µs of SQLite time. While the import
-- inserts such rows it holds a row in `import_bulk_insert`, written and deleted inside its own transaction around
-- the insert: no other connection ever sees it (SQLite has one writer, and the row is never committed), and every
-- other write finds the table empty and runs the triggers as before. The rows the import writes are the ones these
-- triggers would write (tests/sqlite-import-feed.test.ts compares them).
CREATE TABLE `import_bulk_insert` (`active` integer PRIMARY KEY NOT NULL);
--> statement-breakpoint
DROP TRIGGER `trips_change_created`;
--> statement-breakpoint
CREATE TRIGGER `trips_change_created` AFTER INSERT ON `trips` WHEN NOT EXISTS (SELECT 1 FROM `import_bulk_insert`) BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `traveler_id`)
  VALUES ('trip', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`id`, NEW.`traveler_id`);
END;
--> statement-breakpoint
DROP TRIGGER `trips_audit_create`;
--> statement-breakpoint
CREATE TRIGGER `trips_audit_create` AFTER INSERT ON `trips` WHEN NOT EXISTS (SELECT 1 FROM `import_bulk_insert`) BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'trip', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'title', NEW.`title`, 'summary', NEW.`summary`, 'travelerId', NEW.`traveler_id`, 'startDate', NEW.`start_date`, 'endDate', NEW.`end_date`, 'status', NEW.`status`, 'topics', json(NEW.`topics`), 'context', json(NEW.`context`), 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
--> statement-breakpoint
DROP TRIGGER `stops_change_created`;
--> statement-breakpoint
CREATE TRIGGER `stops_change_created` AFTER INSERT ON `stops` WHEN NOT EXISTS (SELECT 1 FROM `import_bulk_insert`) BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `traveler_id`)
  VALUES ('stop', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`trip_id`, (SELECT `traveler_id` FROM `trips` WHERE `id` = NEW.`trip_id`));
END;
--> statement-breakpoint
DROP TRIGGER `stops_audit_create`;
--> statement-breakpoint
CREATE TRIGGER `stops_audit_create` AFTER INSERT ON `stops` WHEN NOT EXISTS (SELECT 1 FROM `import_bulk_insert`) BEGIN
  INSERT INTO `audit_log` (`at`, `key_name`, `operation`, `resource`, `resource_id`, `version`, `before`, `after`)
  VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'stop', NEW.`id`, NEW.`version`, NULL,
    json_object('id', NEW.`id`, 'tripId', NEW.`trip_id`, 'position', NEW.`position`, 'city', NEW.`city`, 'country', NEW.`country`, 'latitude', NEW.`latitude`, 'longitude', NEW.`longitude`, 'timeZone', NEW.`time_zone`, 'arrivalDate', NEW.`arrival_date`, 'departureDate', NEW.`departure_date`, 'notes', NEW.`notes`, 'sources', json(NEW.`sources`), 'createdAt', NEW.`created_at`, 'updatedAt', NEW.`updated_at`, 'version', NEW.`version`));
END;
