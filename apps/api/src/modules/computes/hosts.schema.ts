import { check, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { regions } from '../catalog/catalog.schema.ts';

/**
 * `enabled`: takes new machines. `draining`: keeps its machines and takes no new ones (set by
 * staff, kept across restarts). `retired`: no longer in the configuration (the row stays, as the
 * record its computes point at).
 */
export const hostStatuses = ['enabled', 'draining', 'retired'] as const;

/**
 * A machine that runs computes: this host for the qemu driver, a Proxmox VE node, or a simulated
 * host of the fake driver. Rows are kept in line with the configuration at start
 * (`Placement.syncHosts`); placement reads their capacity and counts what the computes on them
 * commit (docs/decisions/0009-compute.md, "Placement").
 */
export const hosts = pgTable(
  'hosts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Hypervisor driver whose host this is (`fake`, `qemu`, `proxmox`). */
    driver: text('driver').notNull(),
    /** The host's name: the machine's host name (qemu), the node name (proxmox). */
    name: text('name').notNull(),
    region: text('region').notNull().references(() => regions.slug),
    vcpus: integer('vcpus').notNull(),
    memoryMb: integer('memory_mb').notNull(),
    diskGb: integer('disk_gb').notNull(),
    status: text('status', { enum: hostStatuses }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('hosts_driver_name_idx').on(t.driver, t.name),
    check('hosts_capacity_positive', sql`${t.vcpus} > 0 and ${t.memoryMb} > 0 and ${t.diskGb} > 0`),
  ],
);
