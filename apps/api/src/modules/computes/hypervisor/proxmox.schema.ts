import { integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The VMIDs the proxmox driver handed out, one per compute. Proxmox has no atomic way to reserve
 * an id (`/cluster/nextid` answers every concurrent caller with the same number), so ours come
 * from this table: the primary key makes a VMID impossible to hand out twice, and rows are kept
 * after the machine is gone so that a stale reference never points at someone else's machine.
 * No foreign key to `computes`: the row must outlive a deleted team's computes for that reason.
 */
export const proxmoxVmids = pgTable('proxmox_vmids', {
  vmid: integer('vmid').primaryKey(),
  computeId: uuid('compute_id').notNull().unique(),
  allocatedAt: timestamp('allocated_at', { withTimezone: true }).notNull().defaultNow(),
});
