import { and, count, eq, isNotNull, isNull, max, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { reverseZonePayload, ZONE_CHANNEL } from '../dns/channel.ts';
import { ipv4Allocations, privateNetworks } from './computes.schema.ts';

export type NetworkRow = typeof privateNetworks.$inferSelect;
export type AllocationRow = typeof ipv4Allocations.$inferSelect;

// inet values are read back as text so that `10.0.0.5` never comes back as `10.0.0.5/32`.
const address = sql<string>`host(${ipv4Allocations.address})`;

export const addressesRepository = {
  /**
   * Serialises allocation from one pool until the transaction ends. Pools are small and
   * allocations rare, so a lock is simpler and fairer than retrying on unique violations (which
   * stay as the backstop).
   */
  async lockPool(ex: Executor, pool: string): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`ipv4:${pool}`}, 0))`);
  },

  async network(ex: Executor, teamId: string, region: string): Promise<NetworkRow | undefined> {
    const [row] = await ex.select().from(privateNetworks).where(and(eq(privateNetworks.teamId, teamId), eq(privateNetworks.region, region))).limit(1);
    return row;
  },

  async insertNetwork(ex: Executor, row: typeof privateNetworks.$inferInsert): Promise<void> {
    await ex.insert(privateNetworks).values(row).onConflictDoNothing();
  },

  /** Addresses held now in a team network. */
  async heldPrivate(ex: Executor, networkId: string): Promise<string[]> {
    const rows = await ex
      .select({ address })
      .from(ipv4Allocations)
      .where(and(eq(ipv4Allocations.kind, 'private'), eq(ipv4Allocations.networkId, networkId), isNull(ipv4Allocations.releasedAt)));
    return rows.map((r) => r.address);
  },

  /** Public addresses held now. */
  async heldPublic(ex: Executor): Promise<string[]> {
    const rows = await ex.select({ address }).from(ipv4Allocations).where(and(eq(ipv4Allocations.kind, 'public'), isNull(ipv4Allocations.releasedAt)));
    return rows.map((r) => r.address);
  },

  /** Public addresses that were held before, with when each was last released. */
  async releasedPublic(ex: Executor): Promise<Map<string, Date>> {
    const rows = await ex
      .select({ address, lastReleased: max(ipv4Allocations.releasedAt) })
      .from(ipv4Allocations)
      .where(and(eq(ipv4Allocations.kind, 'public'), isNotNull(ipv4Allocations.releasedAt)))
      .groupBy(ipv4Allocations.address);
    return new Map(rows.map((r) => [r.address, new Date(r.lastReleased ?? 0)]));
  },

  async countHeldPublic(ex: Executor, teamId: string): Promise<number> {
    const [n] = await ex
      .select({ n: count() })
      .from(ipv4Allocations)
      .where(and(eq(ipv4Allocations.teamId, teamId), eq(ipv4Allocations.kind, 'public'), isNull(ipv4Allocations.releasedAt)));
    return n?.n ?? 0;
  },

  async insert(ex: Executor, row: typeof ipv4Allocations.$inferInsert): Promise<void> {
    await ex.insert(ipv4Allocations).values(row);
  },

  /** Releases every address a compute holds; returns how many. A public one's reverse DNS goes with it (the DNS servers are told). */
  async releaseFor(ex: Executor, computeId: string, at: Date): Promise<number> {
    const rows = await ex
      .update(ipv4Allocations)
      .set({ releasedAt: at })
      .where(and(eq(ipv4Allocations.computeId, computeId), isNull(ipv4Allocations.releasedAt)))
      .returning({ id: ipv4Allocations.id, address, reverseName: ipv4Allocations.reverseName });
    for (const r of rows) {
      if (r.reverseName) await ex.execute(sql`select pg_notify(${ZONE_CHANNEL}, ${reverseZonePayload(r.address)})`);
    }
    return rows.length;
  },
};
