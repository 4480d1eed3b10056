-- The change feed learns whose changes it holds, so that /changes and /changes/stream can be narrowed to one trip or
-- one participant (issue 14). Each change records the trip its resource belonged to (`trip_id`; a meeting moved to
-- another trip's stop also records the trip it left, `former_trip_id`), and a change of attendance (a participant
-- joining, leaving or changing role in a meeting) appends a row of its own naming the participant
-- (`participant_id`), which only a feed filtered by participant shows. History written before this migration gets
-- the trip of its resource where the resource still exists; a deleted one's older changes have none, and a feed
-- filtered by trip does not show them. A deleted stop's or meeting's change is written before the row goes
-- (BEFORE DELETE), so the deletions it cascades to can still find their trip in it.
ALTER TABLE `changes` ADD `trip_id` integer;--> statement-breakpoint
ALTER TABLE `changes` ADD `former_trip_id` integer;--> statement-breakpoint
ALTER TABLE `changes` ADD `participant_id` integer;
--> statement-breakpoint
UPDATE `changes` SET `trip_id` = `resource_id` WHERE `resource` = 'trip';
--> statement-breakpoint
UPDATE `changes` SET `trip_id` = (SELECT `trip_id` FROM `stops` WHERE `id` = `changes`.`resource_id`) WHERE `resource` = 'stop';
--> statement-breakpoint
UPDATE `changes` SET `trip_id` = (SELECT s.`trip_id` FROM `meetings` AS m JOIN `stops` AS s ON s.`id` = m.`stop_id` WHERE m.`id` = `changes`.`resource_id`) WHERE `resource` = 'meeting';
--> statement-breakpoint
CREATE INDEX `changes_trip_idx` ON `changes` (`trip_id`, `seq`) WHERE `trip_id` IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `changes_former_trip_idx` ON `changes` (`former_trip_id`, `seq`) WHERE `former_trip_id` IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `changes_participant_idx` ON `changes` (`participant_id`, `seq`) WHERE `participant_id` IS NOT NULL;
--> statement-breakpoint
-- The trip of a stop or meeting already deleted, found from its deletion's change.
CREATE INDEX `changes_deletion_idx` ON `changes` (`resource`, `resource_id`) WHERE `action` = 'deleted';
--> statement-breakpoint
DROP TRIGGER `trips_change_created`;
--> statement-breakpoint
DROP TRIGGER `trips_change_updated`;
--> statement-breakpoint
DROP TRIGGER `trips_change_deleted`;
--> statement-breakpoint
DROP TRIGGER `stops_change_created`;
--> statement-breakpoint
DROP TRIGGER `stops_change_updated`;
--> statement-breakpoint
DROP TRIGGER `stops_change_deleted`;
--> statement-breakpoint
DROP TRIGGER `meetings_change_created`;
--> statement-breakpoint
DROP TRIGGER `meetings_change_updated`;
--> statement-breakpoint
DROP TRIGGER `meetings_change_deleted`;
--> statement-breakpoint
CREATE TRIGGER `trips_change_created` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('trip', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `trips_change_updated` AFTER UPDATE ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('trip', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `trips_change_deleted` AFTER DELETE ON `trips` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('trip', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_created` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('stop', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`trip_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_updated` AFTER UPDATE ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('stop', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NEW.`trip_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_change_deleted` BEFORE DELETE ON `stops` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('stop', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), OLD.`trip_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_created` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('meeting', NEW.`id`, 'created', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT `trip_id` FROM `stops` WHERE `id` = NEW.`stop_id`));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_updated` AFTER UPDATE ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `former_trip_id`)
  VALUES ('meeting', NEW.`id`, 'updated', NEW.`version`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT `trip_id` FROM `stops` WHERE `id` = NEW.`stop_id`),
    NULLIF((SELECT `trip_id` FROM `stops` WHERE `id` = OLD.`stop_id`), (SELECT `trip_id` FROM `stops` WHERE `id` = NEW.`stop_id`)));
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_change_deleted` BEFORE DELETE ON `meetings` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`)
  VALUES ('meeting', OLD.`id`, 'deleted', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    COALESCE((SELECT `trip_id` FROM `stops` WHERE `id` = OLD.`stop_id`), (SELECT `trip_id` FROM `changes` WHERE `resource` = 'stop' AND `resource_id` = OLD.`stop_id` AND `action` = 'deleted' ORDER BY `seq` DESC LIMIT 1)));
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_change_created` AFTER INSERT ON `meeting_participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `participant_id`)
  VALUES ('meeting', NEW.`meeting_id`, 'updated', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT s.`trip_id` FROM `meetings` AS m JOIN `stops` AS s ON s.`id` = m.`stop_id` WHERE m.`id` = NEW.`meeting_id`), NEW.`participant_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_change_updated` AFTER UPDATE ON `meeting_participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `participant_id`)
  VALUES ('meeting', NEW.`meeting_id`, 'updated', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT s.`trip_id` FROM `meetings` AS m JOIN `stops` AS s ON s.`id` = m.`stop_id` WHERE m.`id` = NEW.`meeting_id`), NEW.`participant_id`);
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `participant_id`)
  SELECT 'meeting', OLD.`meeting_id`, 'updated', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT s.`trip_id` FROM `meetings` AS m JOIN `stops` AS s ON s.`id` = m.`stop_id` WHERE m.`id` = OLD.`meeting_id`), OLD.`participant_id`
  WHERE OLD.`participant_id` <> NEW.`participant_id` OR OLD.`meeting_id` <> NEW.`meeting_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `meeting_participants_change_deleted` AFTER DELETE ON `meeting_participants` BEGIN
  INSERT INTO `changes` (`resource`, `resource_id`, `action`, `version`, `changed_at`, `trip_id`, `participant_id`)
  VALUES ('meeting', OLD.`meeting_id`,
    CASE WHEN EXISTS (SELECT 1 FROM `meetings` WHERE `id` = OLD.`meeting_id`) THEN 'updated' ELSE 'deleted' END,
    NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    COALESCE((SELECT s.`trip_id` FROM `meetings` AS m JOIN `stops` AS s ON s.`id` = m.`stop_id` WHERE m.`id` = OLD.`meeting_id`), (SELECT `trip_id` FROM `changes` WHERE `resource` = 'meeting' AND `resource_id` = OLD.`meeting_id` AND `action` = 'deleted' ORDER BY `seq` DESC LIMIT 1)),
    OLD.`participant_id`);
END;
