CREATE TABLE "hosts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"driver" text NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	"vcpus" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"disk_gb" integer NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "hosts_capacity_positive" CHECK ("hosts"."vcpus" > 0 and "hosts"."memory_mb" > 0 and "hosts"."disk_gb" > 0)
);
--> statement-breakpoint
ALTER TABLE "computes" ADD COLUMN "host" text;--> statement-breakpoint
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_region_regions_slug_fk" FOREIGN KEY ("region") REFERENCES "public"."regions"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "hosts_driver_name_idx" ON "hosts" USING btree ("driver","name");--> statement-breakpoint
CREATE INDEX "computes_host_live_idx" ON "computes" USING btree ("driver","host") WHERE "computes"."state" <> 'DESTROYED';