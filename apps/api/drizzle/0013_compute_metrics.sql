CREATE TABLE "compute_agent_tokens" (
	"compute_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"previous_hash" text,
	"previous_expires_at" timestamp with time zone,
	"issued_at" timestamp with time zone NOT NULL,
	"agent_version" text,
	"last_heartbeat_at" timestamp with time zone,
	"last_push_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "compute_metric_cursors" (
	"compute_id" uuid NOT NULL,
	"source" text NOT NULL,
	"read_at" double precision NOT NULL,
	"epoch" text NOT NULL,
	"counters" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "compute_metric_cursors_compute_id_source_pk" PRIMARY KEY("compute_id","source")
);
--> statement-breakpoint
CREATE TABLE "compute_metric_samples" (
	"compute_id" uuid NOT NULL,
	"source" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"cpu_pct" double precision,
	"cpu_user_pct" double precision,
	"cpu_system_pct" double precision,
	"mem_used_bytes" double precision,
	"mem_total_bytes" double precision,
	"load1" double precision,
	"load5" double precision,
	"load15" double precision,
	"disk_read_bps" double precision,
	"disk_write_bps" double precision,
	"disk_read_iops" double precision,
	"disk_write_iops" double precision,
	"net_rx_bps" double precision,
	"net_tx_bps" double precision,
	"net_rx_pps" double precision,
	"net_tx_pps" double precision,
	"fs_used_bytes" double precision,
	"fs_total_bytes" double precision,
	CONSTRAINT "compute_metric_samples_compute_id_source_at_pk" PRIMARY KEY("compute_id","source","at")
);
--> statement-breakpoint
CREATE TABLE "compute_metrics_1h" (
	"compute_id" uuid NOT NULL,
	"source" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"samples" integer NOT NULL,
	"cpu_pct_avg" double precision,
	"cpu_pct_max" double precision,
	"cpu_user_pct_avg" double precision,
	"cpu_user_pct_max" double precision,
	"cpu_system_pct_avg" double precision,
	"cpu_system_pct_max" double precision,
	"mem_used_bytes_avg" double precision,
	"mem_used_bytes_max" double precision,
	"mem_total_bytes_avg" double precision,
	"mem_total_bytes_max" double precision,
	"load1_avg" double precision,
	"load1_max" double precision,
	"load5_avg" double precision,
	"load5_max" double precision,
	"load15_avg" double precision,
	"load15_max" double precision,
	"disk_read_bps_avg" double precision,
	"disk_read_bps_max" double precision,
	"disk_write_bps_avg" double precision,
	"disk_write_bps_max" double precision,
	"disk_read_iops_avg" double precision,
	"disk_read_iops_max" double precision,
	"disk_write_iops_avg" double precision,
	"disk_write_iops_max" double precision,
	"net_rx_bps_avg" double precision,
	"net_rx_bps_max" double precision,
	"net_tx_bps_avg" double precision,
	"net_tx_bps_max" double precision,
	"net_rx_pps_avg" double precision,
	"net_rx_pps_max" double precision,
	"net_tx_pps_avg" double precision,
	"net_tx_pps_max" double precision,
	"fs_used_bytes_avg" double precision,
	"fs_used_bytes_max" double precision,
	"fs_total_bytes_avg" double precision,
	"fs_total_bytes_max" double precision,
	CONSTRAINT "compute_metrics_1h_compute_id_source_bucket_pk" PRIMARY KEY("compute_id","source","bucket")
);
--> statement-breakpoint
CREATE TABLE "compute_metrics_5m" (
	"compute_id" uuid NOT NULL,
	"source" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"samples" integer NOT NULL,
	"cpu_pct_avg" double precision,
	"cpu_pct_max" double precision,
	"cpu_user_pct_avg" double precision,
	"cpu_user_pct_max" double precision,
	"cpu_system_pct_avg" double precision,
	"cpu_system_pct_max" double precision,
	"mem_used_bytes_avg" double precision,
	"mem_used_bytes_max" double precision,
	"mem_total_bytes_avg" double precision,
	"mem_total_bytes_max" double precision,
	"load1_avg" double precision,
	"load1_max" double precision,
	"load5_avg" double precision,
	"load5_max" double precision,
	"load15_avg" double precision,
	"load15_max" double precision,
	"disk_read_bps_avg" double precision,
	"disk_read_bps_max" double precision,
	"disk_write_bps_avg" double precision,
	"disk_write_bps_max" double precision,
	"disk_read_iops_avg" double precision,
	"disk_read_iops_max" double precision,
	"disk_write_iops_avg" double precision,
	"disk_write_iops_max" double precision,
	"net_rx_bps_avg" double precision,
	"net_rx_bps_max" double precision,
	"net_tx_bps_avg" double precision,
	"net_tx_bps_max" double precision,
	"net_rx_pps_avg" double precision,
	"net_rx_pps_max" double precision,
	"net_tx_pps_avg" double precision,
	"net_tx_pps_max" double precision,
	"fs_used_bytes_avg" double precision,
	"fs_used_bytes_max" double precision,
	"fs_total_bytes_avg" double precision,
	"fs_total_bytes_max" double precision,
	CONSTRAINT "compute_metrics_5m_compute_id_source_bucket_pk" PRIMARY KEY("compute_id","source","bucket")
);
--> statement-breakpoint
CREATE TABLE "metric_rollup_cursors" (
	"resolution" text PRIMARY KEY NOT NULL,
	"rolled_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "compute_agent_tokens" ADD CONSTRAINT "compute_agent_tokens_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_metric_cursors" ADD CONSTRAINT "compute_metric_cursors_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_metric_samples" ADD CONSTRAINT "compute_metric_samples_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_metrics_1h" ADD CONSTRAINT "compute_metrics_1h_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_metrics_5m" ADD CONSTRAINT "compute_metrics_5m_compute_id_computes_id_fk" FOREIGN KEY ("compute_id") REFERENCES "public"."computes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "compute_agent_tokens_hash_idx" ON "compute_agent_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "compute_agent_tokens_previous_hash_idx" ON "compute_agent_tokens" USING btree ("previous_hash");--> statement-breakpoint
CREATE INDEX "compute_metric_samples_at_idx" ON "compute_metric_samples" USING btree ("at");--> statement-breakpoint
CREATE INDEX "compute_metrics_1h_bucket_idx" ON "compute_metrics_1h" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "compute_metrics_5m_bucket_idx" ON "compute_metrics_5m" USING btree ("bucket");