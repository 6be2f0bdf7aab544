CREATE TABLE "dns_imports" (
	"zone_id" uuid PRIMARY KEY NOT NULL,
	"method" text NOT NULL,
	"rrsets" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dns_rrsets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"zone_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"ttl" integer NOT NULL,
	"records" jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dns_rrsets_ttl_positive" CHECK ("dns_rrsets"."ttl" >= 0)
);
--> statement-breakpoint
CREATE TABLE "dns_zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"serial" bigint NOT NULL,
	"parent_zone_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone,
	"status_changed_at" timestamp with time zone NOT NULL,
	"observed_nameservers" jsonb
);
--> statement-breakpoint
ALTER TABLE "dns_imports" ADD CONSTRAINT "dns_imports_zone_id_dns_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."dns_zones"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_rrsets" ADD CONSTRAINT "dns_rrsets_zone_id_dns_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."dns_zones"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_rrsets" ADD CONSTRAINT "dns_rrsets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_zones" ADD CONSTRAINT "dns_zones_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_zones" ADD CONSTRAINT "dns_zones_parent_zone_id_dns_zones_id_fk" FOREIGN KEY ("parent_zone_id") REFERENCES "public"."dns_zones"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_zones" ADD CONSTRAINT "dns_zones_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dns_rrsets_zone_name_type_idx" ON "dns_rrsets" USING btree ("zone_id","name","type");--> statement-breakpoint
CREATE UNIQUE INDEX "dns_zones_team_name_idx" ON "dns_zones" USING btree ("team_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "dns_zones_live_name_idx" ON "dns_zones" USING btree ("name") WHERE "dns_zones"."status" in ('ACTIVATING', 'ACTIVE');--> statement-breakpoint
CREATE INDEX "dns_zones_status_idx" ON "dns_zones" USING btree ("status","checked_at");