CREATE TABLE `meeting_participants` (
	`meeting_id` integer NOT NULL,
	`participant_id` integer NOT NULL,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `participant_id`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`participant_id`) REFERENCES `participants`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "meeting_participants_role_check" CHECK("meeting_participants"."role" in ('host', 'counterpart', 'attendee', 'delegation_member', 'other'))
);
--> statement-breakpoint
CREATE INDEX `meeting_participants_participant_idx` ON `meeting_participants` (`participant_id`);--> statement-breakpoint
CREATE TABLE `meetings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`stop_id` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`topics` text DEFAULT '[]' NOT NULL,
	`status` text NOT NULL,
	`date` text,
	`start_time` text,
	`end_time` text,
	`part_of_day` text,
	`sources` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`stop_id`) REFERENCES `stops`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "meetings_kind_check" CHECK("meetings"."kind" in ('bilateral', 'multilateral', 'consultations', 'speech', 'tour', 'briefing', 'social', 'press', 'other')),
	CONSTRAINT "meetings_status_check" CHECK("meetings"."status" in ('confirmed', 'planned', 'tentative', 'cancelled')),
	CONSTRAINT "meetings_part_of_day_check" CHECK("meetings"."part_of_day" is null or "meetings"."part_of_day" in ('morning', 'afternoon', 'evening', 'night')),
	CONSTRAINT "meetings_title_check" CHECK(length(trim("meetings"."title")) > 0),
	CONSTRAINT "meetings_start_time_check" CHECK("meetings"."start_time" is null or "meetings"."date" is not null),
	CONSTRAINT "meetings_end_time_check" CHECK("meetings"."end_time" is null or "meetings"."start_time" is not null),
	CONSTRAINT "meetings_times_order_check" CHECK("meetings"."end_time" is null or "meetings"."start_time" is null or "meetings"."start_time" <= "meetings"."end_time")
);
--> statement-breakpoint
CREATE INDEX `meetings_stop_idx` ON `meetings` (`stop_id`);--> statement-breakpoint
CREATE INDEX `meetings_date_idx` ON `meetings` (`date`);--> statement-breakpoint
CREATE INDEX `meetings_kind_idx` ON `meetings` (`kind`);--> statement-breakpoint
CREATE INDEX `meetings_status_idx` ON `meetings` (`status`);--> statement-breakpoint
CREATE TABLE `participants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`title` text,
	`country` text,
	`organization` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "participants_kind_check" CHECK("participants"."kind" in ('person', 'group')),
	CONSTRAINT "participants_name_check" CHECK(length(trim("participants"."name")) > 0),
	CONSTRAINT "participants_country_check" CHECK("participants"."country" is null or "participants"."country" glob '[A-Z][A-Z]')
);
--> statement-breakpoint
CREATE INDEX `participants_name_idx` ON `participants` (`name`);--> statement-breakpoint
CREATE INDEX `participants_country_idx` ON `participants` (`country`);--> statement-breakpoint
CREATE INDEX `participants_kind_idx` ON `participants` (`kind`);--> statement-breakpoint
CREATE TABLE `stops` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`trip_id` integer NOT NULL,
	`position` integer NOT NULL,
	`city` text NOT NULL,
	`country` text NOT NULL,
	`latitude` real,
	`longitude` real,
	`time_zone` text NOT NULL,
	`arrival_date` text,
	`departure_date` text,
	`notes` text,
	`sources` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "stops_position_check" CHECK("stops"."position" >= 1),
	CONSTRAINT "stops_country_check" CHECK("stops"."country" glob '[A-Z][A-Z]'),
	CONSTRAINT "stops_dates_check" CHECK("stops"."arrival_date" is null or "stops"."departure_date" is null or "stops"."arrival_date" <= "stops"."departure_date"),
	CONSTRAINT "stops_latitude_check" CHECK("stops"."latitude" is null or "stops"."latitude" between -90 and 90),
	CONSTRAINT "stops_longitude_check" CHECK("stops"."longitude" is null or "stops"."longitude" between -180 and 180),
	CONSTRAINT "stops_coordinates_check" CHECK(("stops"."latitude" is null) = ("stops"."longitude" is null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stops_trip_position_unique` ON `stops` (`trip_id`,`position`);--> statement-breakpoint
CREATE INDEX `stops_country_idx` ON `stops` (`country`);--> statement-breakpoint
CREATE INDEX `stops_city_idx` ON `stops` (`city`);--> statement-breakpoint
CREATE INDEX `stops_dates_idx` ON `stops` (`arrival_date`,`departure_date`);--> statement-breakpoint
CREATE TABLE `trips` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`summary` text,
	`traveler_id` integer NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`status` text NOT NULL,
	`topics` text DEFAULT '[]' NOT NULL,
	`context` text DEFAULT '[]' NOT NULL,
	`sources` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`traveler_id`) REFERENCES `participants`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "trips_status_check" CHECK("trips"."status" in ('planned', 'confirmed', 'completed', 'cancelled')),
	CONSTRAINT "trips_dates_check" CHECK("trips"."start_date" <= "trips"."end_date"),
	CONSTRAINT "trips_title_check" CHECK(length(trim("trips"."title")) > 0)
);
--> statement-breakpoint
CREATE INDEX `trips_traveler_idx` ON `trips` (`traveler_id`);--> statement-breakpoint
CREATE INDEX `trips_dates_idx` ON `trips` (`start_date`,`end_date`);--> statement-breakpoint
CREATE INDEX `trips_status_idx` ON `trips` (`status`);