import { and, asc, count, eq, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { ZONE_CHANNEL } from './channel.ts';
import { dnsImports, dnsRrsets, dnsZones, type StoredRecord, type ZoneStatus } from './dns.schema.ts';

export type ZoneRow = typeof dnsZones.$inferSelect;
export type RrsetRow = typeof dnsRrsets.$inferSelect;
export type ImportRow = typeof dnsImports.$inferSelect;


export const dnsRepository = {
  async insertZone(ex: Executor, row: typeof dnsZones.$inferInsert): Promise<ZoneRow> {
    const [created] = await ex.insert(dnsZones).values(row).returning();
    return created!;
  },

  async zoneByName(ex: Executor, teamId: string, name: string): Promise<ZoneRow | undefined> {
    const [row] = await ex.select().from(dnsZones).where(and(eq(dnsZones.teamId, teamId), eq(dnsZones.name, name))).limit(1);
    return row;
  },

  async lockZone(ex: Executor, teamId: string, name: string): Promise<ZoneRow | undefined> {
    const [row] = await ex.select().from(dnsZones).where(and(eq(dnsZones.teamId, teamId), eq(dnsZones.name, name))).for('update').limit(1);
    return row;
  },

  async zoneById(ex: Executor, id: string): Promise<ZoneRow | undefined> {
    const [row] = await ex.select().from(dnsZones).where(eq(dnsZones.id, id)).limit(1);
    return row;
  },

  /** The live claim (ACTIVATING or ACTIVE) on a name, in any team. */
  async liveClaim(ex: Executor, name: string): Promise<ZoneRow | undefined> {
    const [row] = await ex.select().from(dnsZones).where(and(eq(dnsZones.name, name), inArray(dnsZones.status, ['ACTIVATING', 'ACTIVE']))).limit(1);
    return row;
  },

  /** Live zones among `names` (the candidate parents of a new zone), longest name first. */
  async liveZonesNamed(ex: Executor, names: string[]): Promise<ZoneRow[]> {
    if (names.length === 0) return [];
    const rows = await ex.select().from(dnsZones).where(and(inArray(dnsZones.name, names), inArray(dnsZones.status, ['ACTIVATING', 'ACTIVE'])));
    return rows.sort((a, b) => b.name.length - a.name.length);
  },

  async listZones(ex: Executor, teamId: string, limit: number, offset: number): Promise<{ rows: (ZoneRow & { rrsetCount: number })[]; total: number }> {
    const where = eq(dnsZones.teamId, teamId);
    const [rows, [n]] = await Promise.all([
      ex
        .select({ zone: dnsZones, rrsetCount: sql<number>`(select count(*)::int from ${dnsRrsets} where ${dnsRrsets}.zone_id = ${dnsZones}.id)` })
        .from(dnsZones)
        .where(where)
        .orderBy(asc(dnsZones.name))
        .limit(limit)
        .offset(offset),
      ex.select({ n: count() }).from(dnsZones).where(where),
    ]);
    return { rows: rows.map((r) => ({ ...r.zone, rrsetCount: Number(r.rrsetCount) })), total: n?.n ?? 0 };
  },

  async updateZone(ex: Executor, id: string, patch: Partial<typeof dnsZones.$inferInsert>): Promise<ZoneRow> {
    const [row] = await ex.update(dnsZones).set(patch).where(eq(dnsZones.id, id)).returning();
    return row!;
  },

  async deleteZone(ex: Executor, id: string): Promise<void> {
    await ex.delete(dnsZones).where(eq(dnsZones.id, id));
  },

  async rrsets(ex: Executor, zoneId: string): Promise<RrsetRow[]> {
    return ex.select().from(dnsRrsets).where(eq(dnsRrsets.zoneId, zoneId)).orderBy(asc(dnsRrsets.name), asc(dnsRrsets.type));
  },

  async countRrsets(ex: Executor, zoneId: string): Promise<number> {
    const [n] = await ex.select({ n: count() }).from(dnsRrsets).where(eq(dnsRrsets.zoneId, zoneId));
    return n?.n ?? 0;
  },

  async typesAt(ex: Executor, zoneId: string, name: string): Promise<string[]> {
    const rows = await ex.select({ type: dnsRrsets.type }).from(dnsRrsets).where(and(eq(dnsRrsets.zoneId, zoneId), eq(dnsRrsets.name, name)));
    return rows.map((r) => r.type);
  },

  async rrset(ex: Executor, zoneId: string, name: string, type: string): Promise<RrsetRow | undefined> {
    const [row] = await ex.select().from(dnsRrsets).where(and(eq(dnsRrsets.zoneId, zoneId), eq(dnsRrsets.name, name), eq(dnsRrsets.type, type))).limit(1);
    return row;
  },

  async upsertRrset(ex: Executor, row: { zoneId: string; name: string; type: string; ttl: number; records: StoredRecord[]; updatedBy: string | null; updatedAt: Date }): Promise<RrsetRow> {
    const [saved] = await ex
      .insert(dnsRrsets)
      .values(row)
      .onConflictDoUpdate({ target: [dnsRrsets.zoneId, dnsRrsets.name, dnsRrsets.type], set: { ttl: row.ttl, records: row.records, updatedBy: row.updatedBy, updatedAt: row.updatedAt } })
      .returning();
    return saved!;
  },

  async deleteRrset(ex: Executor, zoneId: string, name: string, type: string): Promise<RrsetRow | undefined> {
    const [row] = await ex.delete(dnsRrsets).where(and(eq(dnsRrsets.zoneId, zoneId), eq(dnsRrsets.name, name), eq(dnsRrsets.type, type))).returning();
    return row;
  },

  /** Zones the delegation check looks at: every ACTIVATING one, and INACTIVE ones not checked since `inactiveBefore`. */
  async dueForCheck(ex: Executor, inactiveBefore: Date, limit: number): Promise<ZoneRow[]> {
    return ex
      .select()
      .from(dnsZones)
      .where(or(eq(dnsZones.status, 'ACTIVATING'), and(eq(dnsZones.status, 'INACTIVE'), sql`(${dnsZones.checkedAt} is null or ${dnsZones.checkedAt} < ${inactiveBefore.toISOString()}::timestamptz)`)))
      .orderBy(sql`${dnsZones.checkedAt} asc nulls first`)
      .limit(limit);
  },

  /** Every zone with what decides whether and what the server serves. */
  async servingState(ex: Executor): Promise<Pick<ZoneRow, 'id' | 'name' | 'status' | 'serial' | 'parentZoneId'>[]> {
    return ex.select({ id: dnsZones.id, name: dnsZones.name, status: dnsZones.status, serial: dnsZones.serial, parentZoneId: dnsZones.parentZoneId }).from(dnsZones);
  },

  async saveImport(ex: Executor, row: typeof dnsImports.$inferInsert): Promise<void> {
    await ex.insert(dnsImports).values(row).onConflictDoUpdate({ target: dnsImports.zoneId, set: { method: row.method, rrsets: row.rrsets, createdAt: row.createdAt } });
  },

  async importOf(ex: Executor, zoneId: string): Promise<ImportRow | undefined> {
    const [row] = await ex.select().from(dnsImports).where(eq(dnsImports.zoneId, zoneId)).limit(1);
    return row;
  },

  async deleteImport(ex: Executor, zoneId: string): Promise<void> {
    await ex.delete(dnsImports).where(eq(dnsImports.zoneId, zoneId));
  },

  /** Announces a committed change of the zone to the servers following the database. */
  async notifyChange(ex: Executor, zoneId: string): Promise<void> {
    await ex.execute(sql`select pg_notify(${ZONE_CHANNEL}, ${zoneId})`);
  },
};

export type { ZoneStatus };
