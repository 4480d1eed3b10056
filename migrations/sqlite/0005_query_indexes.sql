DROP INDEX `meeting_participants_participant_idx`;--> statement-breakpoint
CREATE INDEX `meeting_participants_participant_meeting_idx` ON `meeting_participants` (`participant_id`,`meeting_id`);--> statement-breakpoint
DROP INDEX `meetings_kind_idx`;--> statement-breakpoint
DROP INDEX `meetings_status_idx`;--> statement-breakpoint
CREATE INDEX `meetings_chronological_idx` ON `meetings` (case when "date" is null then '9999-12-31' else "date" end,case when "start_time" is not null then "start_time" when "part_of_day" = 'morning' then '06:00' when "part_of_day" = 'afternoon' then '12:00' when "part_of_day" = 'evening' then '17:00' when "part_of_day" = 'night' then '21:00' else '99:99' end);--> statement-breakpoint
CREATE INDEX `meetings_kind_chronological_idx` ON `meetings` (`kind`,case when "date" is null then '9999-12-31' else "date" end,case when "start_time" is not null then "start_time" when "part_of_day" = 'morning' then '06:00' when "part_of_day" = 'afternoon' then '12:00' when "part_of_day" = 'evening' then '17:00' when "part_of_day" = 'night' then '21:00' else '99:99' end);--> statement-breakpoint
CREATE INDEX `meetings_status_chronological_idx` ON `meetings` (`status`,case when "date" is null then '9999-12-31' else "date" end,case when "start_time" is not null then "start_time" when "part_of_day" = 'morning' then '06:00' when "part_of_day" = 'afternoon' then '12:00' when "part_of_day" = 'evening' then '17:00' when "part_of_day" = 'night' then '21:00' else '99:99' end);--> statement-breakpoint
CREATE INDEX `meetings_created_at_idx` ON `meetings` (`created_at`);--> statement-breakpoint
CREATE INDEX `meetings_updated_at_idx` ON `meetings` (`updated_at`);--> statement-breakpoint
CREATE INDEX `stops_date_key_idx` ON `stops` (case when "arrival_date" is not null then "arrival_date" when "departure_date" is not null then "departure_date" else '9999-12-31' end);--> statement-breakpoint
CREATE INDEX `stops_country_date_key_idx` ON `stops` (`country`,case when "arrival_date" is not null then "arrival_date" when "departure_date" is not null then "departure_date" else '9999-12-31' end);--> statement-breakpoint
CREATE INDEX `stops_span_end_idx` ON `stops` (case when "departure_date" is null then "arrival_date" else "departure_date" end);--> statement-breakpoint
CREATE INDEX `stops_span_days_idx` ON `stops` (julianday("departure_date") - julianday("arrival_date"));--> statement-breakpoint
CREATE INDEX `stops_city_lower_idx` ON `stops` (lower("city"));