CREATE TABLE `import_writes` (
	`resource` text NOT NULL,
	`resource_id` integer NOT NULL,
	`version` integer NOT NULL,
	`source` text,
	`record_id` text,
	`written_at` text NOT NULL,
	PRIMARY KEY(`resource`, `resource_id`)
);
--> statement-breakpoint
CREATE INDEX `import_writes_record_idx` ON `import_writes` (`source`,`record_id`);--> statement-breakpoint
ALTER TABLE `import_records` ADD `file` text;--> statement-breakpoint
-- Rows imported before this migration count as the importer's as they are now: a later hand edit moves their
-- version past the one recorded here.
INSERT INTO `import_writes` (`resource`, `resource_id`, `version`, `source`, `record_id`, `written_at`)
SELECT 'stop', s.`id`, s.`version`, r.`source`, r.`record_id`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM `import_records` r JOIN `stops` s ON s.`id` = r.`stop_id`
WHERE r.`adopted` = 0
GROUP BY s.`id`;
--> statement-breakpoint
INSERT INTO `import_writes` (`resource`, `resource_id`, `version`, `source`, `record_id`, `written_at`)
SELECT DISTINCT 'trip', t.`id`, t.`version`, NULL, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM `import_records` r JOIN `trips` t ON t.`id` = r.`trip_id`
WHERE r.`adopted` = 0 AND r.`stop_id` IS NOT NULL;
--> statement-breakpoint
INSERT INTO `import_writes` (`resource`, `resource_id`, `version`, `source`, `record_id`, `written_at`)
SELECT DISTINCT 'participant', p.`id`, p.`version`, NULL, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM `import_records` r JOIN `participants` p ON p.`id` = r.`participant_id`
WHERE r.`adopted` = 0;
