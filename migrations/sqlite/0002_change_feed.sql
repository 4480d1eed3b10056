CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`resource` text NOT NULL,
	`resource_id` integer NOT NULL,
	`action` text NOT NULL,
	`version` integer,
	`changed_at` text NOT NULL,
	CONSTRAINT "changes_resource_check" CHECK("changes"."resource" in ('trip', 'stop', 'meeting', 'participant')),
	CONSTRAINT "changes_action_check" CHECK("changes"."action" in ('created', 'updated', 'deleted'))
);
--> statement-breakpoint
CREATE INDEX `changes_changed_at_idx` ON `changes` (`changed_at`);