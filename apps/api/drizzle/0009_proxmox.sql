CREATE TABLE "proxmox_vmids" (
	"vmid" integer PRIMARY KEY NOT NULL,
	"compute_id" uuid NOT NULL,
	"allocated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "proxmox_vmids_compute_id_unique" UNIQUE("compute_id")
);
