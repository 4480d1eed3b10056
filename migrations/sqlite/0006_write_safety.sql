CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	CONSTRAINT "api_keys_scope_check" CHECK("api_keys"."scope" in ('read', 'write', 'admin'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_name_unique` ON `api_keys` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_token_hash_unique` ON `api_keys` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`key_name` text,
	`operation` text NOT NULL,
	`resource` text NOT NULL,
	`resource_id` integer NOT NULL,
	`version` integer,
	`before` text,
	`after` text,
	CONSTRAINT "audit_log_operation_check" CHECK("audit_log"."operation" in ('create', 'update', 'delete')),
	CONSTRAINT "audit_log_resource_check" CHECK("audit_log"."resource" in ('trip', 'stop', 'meeting', 'participant', 'attendance'))
);
--> statement-breakpoint
CREATE INDEX `audit_log_resource_idx` ON `audit_log` (`resource`,`resource_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_key_idx` ON `audit_log` (`key_name`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `idempotency_records` (
	`holder` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`status` integer,
	`headers` text,
	`body` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`holder`, `key`),
	CONSTRAINT "idempotency_records_state_check" CHECK("idempotency_records"."state" in ('in_flight', 'done'))
);
--> statement-breakpoint
CREATE INDEX `idempotency_records_created_at_idx` ON `idempotency_records` (`created_at`);