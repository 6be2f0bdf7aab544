import { and, between, eq, max, sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.ts';
import { HypervisorError } from './port.ts';
import { proxmoxVmids } from './proxmox.schema.ts';

/** Hands out the VMID of each compute's machine on the Proxmox cluster. */
export interface ProxmoxVmidAllocator {
  /**
   * The VMID of this compute's machine: the one it already holds, else a new one from the range
   * that was never handed out before. Asking again for the same compute gives the same number.
   */
  vmidFor(computeId: string): Promise<number>;
}

export interface VmidRange {
  first: number;
  last: number;
}

function exhausted(range: VmidRange): HypervisorError {
  return new HypervisorError('vmid_range_exhausted', `Every VMID of ${range.first}-${range.last} has been used; widen PROXMOX_VMID_RANGE.`);
}

/**
 * VMIDs from the `proxmox_vmids` table: the next number after the highest one handed out, under
 * a transaction-scoped advisory lock (so concurrent creates, in any process, queue instead of
 * racing) with the primary key as the backstop. Numbers are never reused.
 */
export class DbVmidAllocator implements ProxmoxVmidAllocator {
  constructor(
    private readonly db: Db,
    private readonly range: VmidRange,
  ) {}

  async vmidFor(computeId: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('proxmox_vmids', 0))`);
      const [held] = await tx.select({ vmid: proxmoxVmids.vmid }).from(proxmoxVmids).where(eq(proxmoxVmids.computeId, computeId)).limit(1);
      if (held) return held.vmid;
      const [top] = await tx
        .select({ top: max(proxmoxVmids.vmid) })
        .from(proxmoxVmids)
        .where(and(between(proxmoxVmids.vmid, this.range.first, this.range.last)));
      const vmid = top?.top == null ? this.range.first : top.top + 1;
      if (vmid > this.range.last) throw exhausted(this.range);
      await tx.insert(proxmoxVmids).values({ vmid, computeId });
      return vmid;
    });
  }
}

/** The same rules in memory, for tests of the driver. */
export class MemoryVmidAllocator implements ProxmoxVmidAllocator {
  private readonly held = new Map<string, number>();
  private next: number;

  constructor(private readonly range: VmidRange) {
    this.next = range.first;
  }

  async vmidFor(computeId: string): Promise<number> {
    const held = this.held.get(computeId);
    if (held !== undefined) return held;
    if (this.next > this.range.last) throw exhausted(this.range);
    const vmid = this.next++;
    this.held.set(computeId, vmid);
    return vmid;
  }
}
