CREATE TABLE "compute_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"compute_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"command" text NOT NULL,
	"status" text NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"specification" text,
	"reason" text,
	"error" text,
	"requested_by" uuid,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "compute_actions_progress_range" CHECK ("compute_actions"."progress" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "computes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"host_name" text NOT NULL,
	"state" text NOT NULL,
	"image" text NOT NULL,
	"region" text NOT NULL,
	"specification" text NOT NULL,
	"ipv4" "inet",
	"private_ipv4" "inet" NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"with_public_ip" boolean NOT NULL,
	"public_keys" text[] NOT NULL,
	"user_data_enc" text,
	"driver" text NOT NULL,
	"driver_ref" text,
	"billable_from" timestamp with time zone,
	"destroyed_at" timestamp with time zone,
	"suspended_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ipv4_allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"address" "inet" NOT NULL,
	"region" text NOT NULL,
	"network_id" uuid,
	"team_id" uuid NOT NULL,
	"compute_id" uuid NOT NULL,
	"allocated_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	CONSTRAINT "ipv4_allocations_network_kind" CHECK (("ipv4_allocations"."kind" = 'private') = ("ipv4_allocations"."network_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "private_networks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"region" text NOT NULL,
	"cidr" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ssh_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"name" text NOT NULL,
	"public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "compute_actions" ADD CONSTRAINT "compute_actions_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_actions" ADD CONSTRAINT "compute_actions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_actions" ADD CONSTRAINT "compute_actions_specification_specifications_slug_fk" FOREIGN KEY ("specification") REFERENCES "public"."specifications"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_actions" ADD CONSTRAINT "compute_actions_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computes" ADD CONSTRAINT "computes_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computes" ADD CONSTRAINT "computes_image_images_slug_fk" FOREIGN KEY ("image") REFERENCES "public"."images"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computes" ADD CONSTRAINT "computes_region_regions_slug_fk" FOREIGN KEY ("region") REFERENCES "public"."regions"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computes" ADD CONSTRAINT "computes_specification_specifications_slug_fk" FOREIGN KEY ("specification") REFERENCES "public"."specifications"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computes" ADD CONSTRAINT "computes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ipv4_allocations" ADD CONSTRAINT "ipv4_allocations_region_regions_slug_fk" FOREIGN KEY ("region") REFERENCES "public"."regions"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ipv4_allocations" ADD CONSTRAINT "ipv4_allocations_network_id_private_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."private_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ipv4_allocations" ADD CONSTRAINT "ipv4_allocations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ipv4_allocations" ADD CONSTRAINT "ipv4_allocations_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "private_networks" ADD CONSTRAINT "private_networks_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "private_networks" ADD CONSTRAINT "private_networks_region_regions_slug_fk" FOREIGN KEY ("region") REFERENCES "public"."regions"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ssh_keys" ADD CONSTRAINT "ssh_keys_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ssh_keys" ADD CONSTRAINT "ssh_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "compute_actions_compute_idx" ON "compute_actions" USING btree ("compute_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "compute_actions_one_open_idx" ON "compute_actions" USING btree ("compute_id") WHERE "compute_actions"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "computes_team_idx" ON "computes" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "computes_tags_idx" ON "computes" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "computes_suspended_idx" ON "computes" USING btree ("team_id") WHERE "computes"."suspended_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ipv4_allocations_public_held_idx" ON "ipv4_allocations" USING btree ("address") WHERE "ipv4_allocations"."kind" = 'public' and "ipv4_allocations"."released_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "ipv4_allocations_private_held_idx" ON "ipv4_allocations" USING btree ("network_id","address") WHERE "ipv4_allocations"."kind" = 'private' and "ipv4_allocations"."released_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "ipv4_allocations_compute_held_idx" ON "ipv4_allocations" USING btree ("compute_id","kind") WHERE "ipv4_allocations"."released_at" is null;--> statement-breakpoint
CREATE INDEX "ipv4_allocations_team_idx" ON "ipv4_allocations" USING btree ("team_id","kind") WHERE "ipv4_allocations"."released_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "private_networks_team_region_idx" ON "private_networks" USING btree ("team_id","region");--> statement-breakpoint
CREATE UNIQUE INDEX "ssh_keys_team_fingerprint_idx" ON "ssh_keys" USING btree ("team_id","fingerprint");--> statement-breakpoint
CREATE INDEX "ssh_keys_team_idx" ON "ssh_keys" USING btree ("team_id","created_at");