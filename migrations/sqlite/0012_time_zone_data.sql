CREATE TABLE `time_zone_data` (
	`id` integer PRIMARY KEY NOT NULL,
	`release` text NOT NULL,
	`reconciled_at` text NOT NULL
);
