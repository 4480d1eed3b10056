ALTER TABLE `meetings` ADD `starts_at` text;--> statement-breakpoint
ALTER TABLE `meetings` ADD `ends_at` text;--> statement-breakpoint
CREATE INDEX `meetings_starts_at_idx` ON `meetings` (`starts_at`);