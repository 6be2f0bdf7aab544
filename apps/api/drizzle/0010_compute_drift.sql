CREATE TABLE "compute_drift" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"compute_id" uuid,
	"driver_ref" text NOT NULL,
	"detail" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "compute_drift_open_key" ON "compute_drift" USING btree ("kind","driver_ref") WHERE "compute_drift"."resolved_at" is null;