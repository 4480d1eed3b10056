-- The change feed: every insert, update and delete of a trip, stop, meeting or participant appends a row to
-- `changes` in the same transaction, whatever code made the write. Cascaded deletes fire these triggers too.
-- (SQLite syntax; a PostgreSQL deployment would carry its own version of this migration.)
CREATE TRIGGER `trips_change_created` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('trip', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `trips_change_updated` AFTER UPDATE ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('trip', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `trips_change_deleted` AFTER DELETE ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('trip', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_created` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('stop', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_updated` AFTER UPDATE ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('stop', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_deleted` AFTER DELETE ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('stop', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_created` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('meeting', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_updated` AFTER UPDATE ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('meeting', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_deleted` AFTER DELETE ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('meeting', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `participants_change_created` AFTER INSERT ON `participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('participant', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `participants_change_updated` AFTER UPDATE ON `participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('participant', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `participants_change_deleted` AFTER DELETE ON `participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`)
  VALUES ('participant', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
