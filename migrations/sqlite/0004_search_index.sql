-- Full-text search over trips, stops, meetings and participants (GET /search). SQLite FTS5: a PostgreSQL
-- deployment would carry its own version of this migration (a tsvector column and triggers) and of
-- src/repositories/search-repository.ts.
--
-- unicode61 with remove_diacritics 2 folds case and accents, so `pena` matches "Peña" and `bogota` "Bogotá".
-- The prefix indexes make the short prefixes of type-ahead cheap. The index keeps its own copy of the text,
-- which snippet() reads. Each record gives a `title` (what a result is called) and a `body` (its other words;
-- topics are JSON arrays of text, joined with json_each). The rowid packs the type into its two low bits
-- (id * 4 + 0..3), so a write finds its index row by rowid instead of scanning the unindexed columns.
CREATE VIRTUAL TABLE `search_index` USING fts5(
  `title`,
  `body`,
  `type` UNINDEXED,
  `ref_id` UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
--> statement-breakpoint
-- The index follows every write, whatever code makes it; cascaded deletes fire these triggers too. An update
-- re-indexes only when a column the index reads changes (not, say, a meeting's stored instants). The
-- statements repeat those of the rebuild at the end (no shared view: a view naming these tables would make
-- drizzle-kit's table-rebuild migrations fail); a test checks that triggers and rebuild index alike.
CREATE TRIGGER `trips_search_created` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 0, `title`, concat_ws(' · ', `summary`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))), 'trip', `id`
    FROM `trips` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_updated` AFTER UPDATE OF `id`, `title`, `summary`, `topics` ON `trips`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 0, `title`, concat_ws(' · ', `summary`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))), 'trip', `id`
    FROM `trips` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_deleted` AFTER DELETE ON `trips` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_created` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 1, `city`, `notes`, 'stop', `id`
    FROM `stops` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_updated` AFTER UPDATE OF `id`, `city`, `notes` ON `stops`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 1, `city`, `notes`, 'stop', `id`
    FROM `stops` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_deleted` AFTER DELETE ON `stops` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_created` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 2, `title`, concat_ws(' · ', `description`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))), 'meeting', `id`
    FROM `meetings` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_updated` AFTER UPDATE OF `id`, `title`, `description`, `topics` ON `meetings`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 2, `title`, concat_ws(' · ', `description`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))), 'meeting', `id`
    FROM `meetings` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_deleted` AFTER DELETE ON `meetings` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_created` AFTER INSERT ON `participants` BEGIN
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 3, `name`, concat_ws(' · ', `title`, `organization`), 'participant', `id`
    FROM `participants` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_updated` AFTER UPDATE OF `id`, `name`, `title`, `organization`
ON `participants` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
  INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
  SELECT `id` * 4 + 3, `name`, concat_ws(' · ', `title`, `organization`), 'participant', `id`
    FROM `participants` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_deleted` AFTER DELETE ON `participants` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
END;
--> statement-breakpoint
-- Index the rows that exist before this migration: the statements of rebuildSearchIndex() in
-- src/repositories/search-repository.ts.
INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
SELECT `id` * 4 + 0, `title`, concat_ws(' · ', `summary`,
    (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))), 'trip', `id`
  FROM `trips`;
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
SELECT `id` * 4 + 1, `city`, `notes`, 'stop', `id`
  FROM `stops`;
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
SELECT `id` * 4 + 2, `title`, concat_ws(' · ', `description`,
    (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))), 'meeting', `id`
  FROM `meetings`;
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title`, `body`, `type`, `ref_id`)
SELECT `id` * 4 + 3, `name`, concat_ws(' · ', `title`, `organization`), 'participant', `id`
  FROM `participants`;
