DROP INDEX `meetings_starts_at_idx`;--> statement-breakpoint
CREATE INDEX `meetings_instants_missing_idx` ON `meetings` (`id`) WHERE "meetings"."start_time" is not null and "meetings"."starts_at" is null;--> statement-breakpoint
CREATE INDEX `meetings_starts_at_idx` ON `meetings` (`starts_at`) WHERE "meetings"."starts_at" is not null;--> statement-breakpoint
CREATE INDEX `stops_time_zone_idx` ON `stops` (`time_zone`);