ALTER TABLE "ipv4_allocations" ADD COLUMN "reverse_name" text;--> statement-breakpoint
ALTER TABLE "ipv4_allocations" ADD COLUMN "reverse_updated_at" timestamp with time zone;