CREATE TABLE `import_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`record_id` text NOT NULL,
	`trip_id` integer,
	`stop_id` integer,
	`participant_id` integer,
	`adopted` integer DEFAULT false NOT NULL,
	`as_of` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`stop_id`) REFERENCES `stops`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`participant_id`) REFERENCES `participants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `import_records_source_record_idx` ON `import_records` (`source`,`record_id`);--> statement-breakpoint
CREATE INDEX `import_records_trip_idx` ON `import_records` (`trip_id`);--> statement-breakpoint
CREATE INDEX `import_records_stop_idx` ON `import_records` (`stop_id`);--> statement-breakpoint
CREATE INDEX `import_records_participant_idx` ON `import_records` (`participant_id`);--> statement-breakpoint
ALTER TABLE `stops` ADD `country_name` text;