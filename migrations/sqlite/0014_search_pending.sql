-- The search index leaves the write path. Until now the triggers of migration 0010 indexed each written record in
-- the write's own transaction: FTS5 tokenized its text and wrote its terms, the largest single cost of a write (a
-- meeting insert took 0.99 ms with them, 0.23 ms without). Now they only note which record changed, as its index
-- rowid (id * 4 + the type's code), in `search_pending`; the application indexes the noted records in batches
-- (src/db/search-index.ts: flushSearchIndex), before anything reads the index (search and the text filters) and
-- every so often in between. A noted record is indexed from its row as it is then, or dropped from the index if
-- the row is gone. The note is written in the write's transaction, so no change is lost to a crash.
CREATE TABLE `search_pending` (`doc` integer PRIMARY KEY NOT NULL);
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_deleted`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_deleted`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_deleted`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_deleted`;
--> statement-breakpoint
CREATE TRIGGER `trips_search_created` AFTER INSERT ON `trips` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (NEW.`id` * 4 + 0);
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_updated` AFTER UPDATE OF `id`, `title`, `summary`, `topics` ON `trips`
BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 0), (NEW.`id` * 4 + 0);
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_deleted` AFTER DELETE ON `trips` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 0);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_created` AFTER INSERT ON `stops` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (NEW.`id` * 4 + 1);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_updated` AFTER UPDATE OF `id`, `city`, `notes` ON `stops`
BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 1), (NEW.`id` * 4 + 1);
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_deleted` AFTER DELETE ON `stops` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 1);
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_created` AFTER INSERT ON `meetings` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (NEW.`id` * 4 + 2);
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_updated` AFTER UPDATE OF `id`, `title`, `description`, `topics` ON `meetings`
BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 2), (NEW.`id` * 4 + 2);
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_deleted` AFTER DELETE ON `meetings` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 2);
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_created` AFTER INSERT ON `participants` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (NEW.`id` * 4 + 3);
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_updated` AFTER UPDATE OF `id`, `name`, `title`, `organization` ON `participants`
BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 3), (NEW.`id` * 4 + 3);
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_deleted` AFTER DELETE ON `participants` BEGIN
  INSERT OR IGNORE INTO `search_pending` (`doc`) VALUES (OLD.`id` * 4 + 3);
END;
