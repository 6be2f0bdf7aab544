CREATE TABLE "billing_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_review_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"team_id" uuid,
	"reference" text NOT NULL,
	"detail" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text
);
--> statement-breakpoint
CREATE TABLE "invoice_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"number" text NOT NULL,
	"year" integer NOT NULL,
	"sequence" integer NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"lines" jsonb NOT NULL,
	"usage_total" bigint NOT NULL,
	"credits" bigint NOT NULL,
	"total" bigint NOT NULL,
	"tax_rate_bp" integer NOT NULL,
	"tax" bigint NOT NULL,
	"team_name" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transaction_id" bigint NOT NULL,
	"account" text NOT NULL,
	"team_id" uuid,
	"amount" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_transactions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" uuid,
	"kind" text NOT NULL,
	"reference" text NOT NULL,
	"description" text NOT NULL,
	"reason" text,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referral_codes" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "referral_codes_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"referred_user_id" uuid PRIMARY KEY NOT NULL,
	"referrer_user_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"rewarded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "team_wallets" (
	"team_id" uuid PRIMARY KEY NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"usage_remainder_milli" bigint DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'ACTIVE' NOT NULL,
	"state_changed_at" timestamp with time zone NOT NULL,
	"low_balance_threshold" integer,
	"low_balance_alerted_at" timestamp with time zone,
	"topped_up_total" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "termination_proposals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"status" text NOT NULL,
	"proposed_at" timestamp with time zone NOT NULL,
	"balance" bigint NOT NULL,
	"review_requested_at" timestamp with time zone,
	"review_note" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text
);
--> statement-breakpoint
CREATE TABLE "top_ups" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"requested_by" uuid,
	"amount" integer NOT NULL,
	"transaction_id" text NOT NULL,
	"invoice_number" text,
	"payment_link_url" text,
	"status" text NOT NULL,
	"payment_method" text,
	"paid_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"ledger_transaction_id" bigint,
	"last_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"resource_type" text NOT NULL,
	"resource_id" uuid NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"team_id" uuid NOT NULL,
	"specification" text,
	"amount_milli" bigint NOT NULL,
	"debited_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_records_resource_type_resource_id_period_start_pk" PRIMARY KEY("resource_type","resource_id","period_start")
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_transaction_id_ledger_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "billing_review_items_kind_reference_key" ON "billing_review_items" USING btree ("kind","reference");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_key" ON "invoices" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_year_sequence_key" ON "invoices" USING btree ("year","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_team_period_key" ON "invoices" USING btree ("team_id","period_start");--> statement-breakpoint
CREATE INDEX "ledger_entries_transaction_idx" ON "ledger_entries" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_account_team_idx" ON "ledger_entries" USING btree ("account","team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_transactions_reference_key" ON "ledger_transactions" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "ledger_transactions_team_idx" ON "ledger_transactions" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "termination_proposals_team_idx" ON "termination_proposals" USING btree ("team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "termination_proposals_open_key" ON "termination_proposals" USING btree ("team_id") WHERE "termination_proposals"."status" = 'PROPOSED';--> statement-breakpoint
CREATE UNIQUE INDEX "top_ups_transaction_id_key" ON "top_ups" USING btree ("transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "top_ups_invoice_number_key" ON "top_ups" USING btree ("invoice_number");--> statement-breakpoint
CREATE INDEX "top_ups_team_idx" ON "top_ups" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "top_ups_open_idx" ON "top_ups" USING btree ("created_at") WHERE "top_ups"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "usage_records_undebited_idx" ON "usage_records" USING btree ("team_id") WHERE "usage_records"."debited_at" is null;--> statement-breakpoint
CREATE INDEX "usage_records_team_period_idx" ON "usage_records" USING btree ("team_id","period_start");