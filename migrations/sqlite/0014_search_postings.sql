-- Ranked search without scoring every match (issue 15). Beside the FTS5 table, postings: one row per term of a
-- record, a term being every prefix of a word from three letters on (type-ahead) and a shorter word whole, with the
-- record's BM25 impact for it (src/domain/ranking.ts). The index (term, kind, impact desc, ref) gives a term's best
-- records first, so a one-word search reads a page of rows, and a search of several words stops as soon as no
-- record it has not read can beat the page (src/repositories/search-ranking.ts).
--
-- search_index_settings holds the average record length the impacts use (fixed when the index is built);
-- search_index_statistics how many records each term is found in (as a prefix, and as a whole word) and, under
-- the empty term, how many records there are: the snapshot idf reads, refreshed with the index.
--
-- The triggers of 0010 are made again with the postings: removed before a record's FTS5 row goes (they are found
-- from its words), added after it is written. The existing records' postings are added at the end.
CREATE TABLE `search_index_postings` (
  `term` text NOT NULL,
  `kind` integer NOT NULL,
  `ref` integer NOT NULL,
  `frequency` integer NOT NULL,
  `exact_frequency` integer NOT NULL,
  `length` integer NOT NULL,
  `impact` real NOT NULL,
  PRIMARY KEY (`term`, `kind`, `ref`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `search_index_settings` (
  `id` integer PRIMARY KEY CHECK (`id` = 1),
  `average_length` real NOT NULL
);
--> statement-breakpoint
INSERT INTO `search_index_settings` (`id`, `average_length`) VALUES (1, 10);
--> statement-breakpoint
CREATE TABLE `search_index_statistics` (
  `term` text PRIMARY KEY NOT NULL,
  `records` integer NOT NULL,
  `exact_records` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `trips_search_deleted`;
--> statement-breakpoint
CREATE TRIGGER `trips_search_created` AFTER INSERT ON `trips` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,
        `id` AS `ref_id`
      FROM `trips` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 3, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 0;
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_updated` AFTER UPDATE OF `id`, `title`, `summary`, `topics` ON `trips`
BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 3 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 0
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 0 AS `doc`, `title`, concat_ws(' · ', `summary`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`trips`.`topics`))) AS `body`, 'trip' AS `type`,
        `id` AS `ref_id`
      FROM `trips` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 3, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 0;
END;
--> statement-breakpoint
CREATE TRIGGER `trips_search_deleted` AFTER DELETE ON `trips` BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 3 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 0
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 0;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `stops_search_deleted`;
--> statement-breakpoint
CREATE TRIGGER `stops_search_created` AFTER INSERT ON `stops` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`
      FROM `stops` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 2, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_updated` AFTER UPDATE OF `id`, `city`, `notes` ON `stops`
BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 2 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 1
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 1 AS `doc`, `city` AS `title`, `notes` AS `body`, 'stop' AS `type`, `id` AS `ref_id`
      FROM `stops` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 2, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stops_search_deleted` AFTER DELETE ON `stops` BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 2 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 1
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 1;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `meetings_search_deleted`;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_created` AFTER INSERT ON `meetings` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,
        `id` AS `ref_id`
      FROM `meetings` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 0, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 2;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_updated` AFTER UPDATE OF `id`, `title`, `description`, `topics` ON `meetings`
BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 0 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 2
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 2 AS `doc`, `title`, concat_ws(' · ', `description`,
        (SELECT group_concat(`value`, ', ') FROM json_each(`meetings`.`topics`))) AS `body`, 'meeting' AS `type`,
        `id` AS `ref_id`
      FROM `meetings` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 0, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 2;
END;
--> statement-breakpoint
CREATE TRIGGER `meetings_search_deleted` AFTER DELETE ON `meetings` BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 0 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 2
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 2;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_created`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_updated`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `participants_search_deleted`;
--> statement-breakpoint
CREATE TRIGGER `participants_search_created` AFTER INSERT ON `participants` BEGIN
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,
        'participant' AS `type`, `id` AS `ref_id`
      FROM `participants` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 1, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 3;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_updated` AFTER UPDATE OF `id`, `name`, `title`, `organization` ON `participants`
BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 1 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 3
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
  INSERT INTO `search_index` (`rowid`, `title_words`, `body_words`, `title`, `body`, `type`, `ref_id`)
  SELECT `doc`, search_text(`title`), search_text(`body`), `title`, `body`, `type`, `ref_id` FROM (
    SELECT `id` * 4 + 3 AS `doc`, `name` AS `title`, concat_ws(' · ', `title`, `organization`) AS `body`,
        'participant' AS `type`, `id` AS `ref_id`
      FROM `participants` WHERE `id` = NEW.`id`
  );
  INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
    SELECT `value` ->> 0, 1, NEW.`id`, `value` ->> 1, `value` ->> 2, `value` ->> 3,
      ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = NEW.`id` * 4 + 3;
END;
--> statement-breakpoint
CREATE TRIGGER `participants_search_deleted` AFTER DELETE ON `participants` BEGIN
  DELETE FROM `search_index_postings` WHERE `kind` = 1 AND `ref` = OLD.`id` AND `term` IN (
    SELECT `value` ->> 0
    FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
    WHERE `search_index`.`rowid` = OLD.`id` * 4 + 3
  );
  DELETE FROM `search_index` WHERE `rowid` = OLD.`id` * 4 + 3;
END;
--> statement-breakpoint
UPDATE `search_index_settings` SET `average_length` = coalesce((
  SELECT avg(coalesce((SELECT `value` ->> 3 FROM json_each(search_postings(`title_words`, `body_words`)) LIMIT 1), 0))
  FROM `search_index`), 10);
--> statement-breakpoint
INSERT INTO `search_index_postings` (`term`, `kind`, `ref`, `frequency`, `exact_frequency`, `length`, `impact`)
  SELECT `value` ->> 0, CASE `search_index`.`rowid` % 4 WHEN 0 THEN 3 WHEN 1 THEN 2 WHEN 2 THEN 0 ELSE 1 END, `search_index`.`rowid` / 4, `value` ->> 1, `value` ->> 2, `value` ->> 3,
    ((`value` ->> 1) * 2.2) / ((`value` ->> 1) + 1.2 * (0.25 + 0.75 * (`value` ->> 3) / (SELECT `average_length` FROM `search_index_settings`)))
  FROM `search_index`, json_each(search_postings(`search_index`.`title_words`, `search_index`.`body_words`))
  ORDER BY 1, 2, 3;
--> statement-breakpoint
CREATE INDEX `search_index_postings_by_impact` ON `search_index_postings` (`term`, `kind`, `impact` DESC, `ref`);
--> statement-breakpoint
DELETE FROM "search_index_statistics";
--> statement-breakpoint
INSERT INTO "search_index_statistics" ("term", "records", "exact_records")
  SELECT "term", count(*), count(*) FILTER (WHERE "exact_frequency" > 0) FROM "search_index_postings" GROUP BY "term";
--> statement-breakpoint
INSERT INTO "search_index_statistics" ("term", "records", "exact_records")
  SELECT '', count(*), count(*) FROM "search_index";
