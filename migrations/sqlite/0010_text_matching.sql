-- Text matching: one rule everywhere (src/domain/text.ts). The search index of 0004 is made again so that it
-- holds each record's text in its searchable form (the SQL function search_text, which the application registers
-- on every connection it opens: case, accents and letters such as ł, ø, ß, ı and þ folded, Chinese, Japanese and
-- Korean split into characters) beside the text as written (for results and snippets). FTS5 tables cannot gain
-- columns, so the table and its triggers are dropped and created anew, and every existing record is indexed
-- again at the end. The q=, city= and topic= filters read the searchable form from this index too.
--
-- Columns: title_words and body_words are indexed (bm25 weights them in this order); title, body, type and ref_id
-- are stored only. The rowid still packs the type into its two low bits (id * 4 + 0..3).
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
DROP TABLE IF EXISTS `search_index`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_index` USING fts5(
  `title_words`,
  `body_words`,
  `title` UNINDEXED,
  `body` UNINDEXED,
  `type` UNINDEXED,
  `ref_id` UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `trips_search_created` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,
        `id` AS `ref_id`
      FROM `trips` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_updated` AFTER UPDATE OF `id`, `title`, `summary`, `topics` ON `trips`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,
        `id` AS `ref_id`
      FROM `trips` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_deleted` AFTER DELETE ON `trips` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_created` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`
      FROM `stops` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_updated` AFTER UPDATE OF `id`, `city`, `notes` ON `stops`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`
      FROM `stops` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_deleted` AFTER DELETE ON `stops` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_created` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,
        `id` AS `ref_id`
      FROM `meetings` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_updated` AFTER UPDATE OF `id`, `title`, `description`, `topics` ON `meetings`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,
        `id` AS `ref_id`
      FROM `meetings` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_deleted` AFTER DELETE ON `meetings` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_created` AFTER INSERT ON `participants` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,
        'participant' AS `type`, `id` AS `ref_id`
      FROM `participants` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_updated` AFTER UPDATE OF `id`, `name`, `title`, `organization` ON `participants`
BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,
        'participant' AS `type`, `id` AS `ref_id`
      FROM `participants` WHERE `id` = NEW.`id`
  );
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_deleted` AFTER DELETE ON `participants` BEGIN
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
END;
--> statement-breakpoint
-- Index the rows that exist: the statements of rebuildSearchIndex() in src/repositories/search-repository.ts.
INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
  SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,
      `id` AS `ref_id`
    FROM `trips`
);
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
  SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`
    FROM `stops`
);
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
  SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,
      (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,
      `id` AS `ref_id`
    FROM `meetings`
);
--> statement-breakpoint
INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
  SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,
      'participant' AS `type`, `id` AS `ref_id`
    FROM `participants`
);
--> statement-breakpoint
-- city= now finds stops through the search index (folded), so the index of lower(city) serves nothing.
DROP INDEX IF EXISTS `stops_city_lower_idx`;
