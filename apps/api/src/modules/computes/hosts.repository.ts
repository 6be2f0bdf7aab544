import { and, asc, count, eq, inArray, isNotNull, ne, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { specifications } from '../catalog/catalog.schema.ts';
import { computeActions, computes } from './computes.schema.ts';
import { hosts, type hostStatuses } from './hosts.schema.ts';

export type HostRow = typeof hosts.$inferSelect;
export type HostStatus = (typeof hostStatuses)[number];

/** What the live computes of one host commit, and how many they are. */
export interface Committed {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  computes: number;
}

export const hostsRepository = {
  /**
   * Inserts or updates a configured host. Capacity and region follow the configuration; a retired
   * host that is configured again takes machines again, while a draining one stays draining (a
   * staff decision outlives restarts).
   */
  async upsert(ex: Executor, row: Omit<typeof hosts.$inferInsert, 'id' | 'status' | 'createdAt'> & { updatedAt: Date }): Promise<void> {
    await ex
      .insert(hosts)
      .values({ ...row, status: 'enabled', createdAt: row.updatedAt })
      .onConflictDoUpdate({
        target: [hosts.driver, hosts.name],
        set: {
          region: row.region,
          vcpus: row.vcpus,
          memoryMb: row.memoryMb,
          diskGb: row.diskGb,
          status: sql`case when ${hosts.status} = 'retired' then 'enabled' else ${hosts.status} end`,
          updatedAt: row.updatedAt,
        },
      });
  },

  /** Retires every host that is not one of `keep` of `driver` (hosts of another driver included). */
  async retireOthers(ex: Executor, driver: string, keep: string[], at: Date): Promise<number> {
    const others = keep.length ? and(eq(hosts.driver, driver), notInArray(hosts.name, keep)) : eq(hosts.driver, driver);
    const rows = await ex
      .update(hosts)
      .set({ status: 'retired', updatedAt: at })
      .where(and(ne(hosts.status, 'retired'), sql`(${ne(hosts.driver, driver)} or ${others})`))
      .returning({ id: hosts.id });
    return rows.length;
  },

  async list(ex: Executor): Promise<HostRow[]> {
    return ex.select().from(hosts).orderBy(asc(hosts.driver), asc(hosts.name));
  },

  /**
   * The hosts of `driver` in `region` that take new machines, locked until the transaction ends,
   * in name order (so two lockers never deadlock). Two creates that could take the same room
   * therefore run one after the other.
   */
  async lockPlaceable(ex: Executor, driver: string, region: string): Promise<HostRow[]> {
    return ex
      .select()
      .from(hosts)
      .where(and(eq(hosts.driver, driver), eq(hosts.region, region), eq(hosts.status, 'enabled')))
      .orderBy(asc(hosts.name))
      .for('update');
  },

  /** One host, locked (an upsize re-checks the room on the host its machine is on). */
  async lock(ex: Executor, driver: string, name: string): Promise<HostRow | undefined> {
    const [row] = await ex.select().from(hosts).where(and(eq(hosts.driver, driver), eq(hosts.name, name))).for('update');
    return row;
  },

  async setStatus(ex: Executor, driver: string, name: string, status: HostStatus, at: Date): Promise<HostRow | undefined> {
    const [row] = await ex.update(hosts).set({ status, updatedAt: at }).where(and(eq(hosts.driver, driver), eq(hosts.name, name))).returning();
    return row;
  },

  /**
   * What the computes that are not DESTROYED commit on each host of `driver` (all hosts, or
   * `names`): the specification of each, or the target of an upsize still under way (disks and
   * sizes only grow, so the larger one).
   */
  async committed(ex: Executor, driver: string, names?: string[]): Promise<Map<string, Committed>> {
    const upsize = sql`(select ${computeActions.specification} from ${computeActions}
      where ${computeActions.computeId} = ${computes.id} and ${computeActions.command} = 'upsize' and ${computeActions.status} in ('pending', 'running') limit 1)`;
    const rows = await ex
      .select({
        host: computes.host,
        vcpus: sql<number>`coalesce(sum(${specifications.vcpus}), 0)::int`,
        memoryMb: sql<number>`coalesce(sum(${specifications.memoryMb}), 0)::int`,
        diskGb: sql<number>`coalesce(sum(${specifications.storageGb}), 0)::int`,
        computes: count(),
      })
      .from(computes)
      .innerJoin(specifications, eq(specifications.slug, sql`coalesce(${upsize}, ${computes.specification})`))
      .where(and(eq(computes.driver, driver), ne(computes.state, 'DESTROYED'), isNotNull(computes.host), names ? inArray(computes.host, names) : undefined))
      .groupBy(computes.host);
    return new Map(rows.map((r) => [r.host!, { vcpus: Number(r.vcpus), memoryMb: Number(r.memoryMb), diskGb: Number(r.diskGb), computes: Number(r.computes) }]));
  },
};
