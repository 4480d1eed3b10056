DROP INDEX "meetings_starts_at_idx";--> statement-breakpoint
CREATE INDEX "meetings_instants_missing_idx" ON "meetings" USING btree ("id") WHERE "meetings"."start_time" is not null and "meetings"."starts_at" is null;--> statement-breakpoint
CREATE INDEX "meetings_starts_at_idx" ON "meetings" USING btree ("starts_at") WHERE "meetings"."starts_at" is not null;