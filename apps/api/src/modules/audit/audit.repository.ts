import { and, count, desc, eq, gte, like, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { apiUsage, auditEvents } from './audit.schema.ts';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type UsageRow = typeof apiUsage.$inferInsert;

/** Narrows the audit log; every field is optional. `action` ending in `*` matches a prefix (`team.member.*`). */
export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const auditRepository = {
  async insert(ex: Executor, row: typeof auditEvents.$inferInsert): Promise<void> {
    await ex.insert(auditEvents).values(row);
  },

  /** The team's events matching `filter`, newest first. */
  async listForTeam(ex: Executor, teamId: string, filter: AuditFilter, limit: number, offset: number): Promise<{ rows: AuditEventRow[]; total: number }> {
    const where = and(
      eq(auditEvents.teamId, teamId),
      filter.action ? (filter.action.endsWith('*') ? like(auditEvents.action, `${escapeLike(filter.action.slice(0, -1))}%`) : eq(auditEvents.action, filter.action)) : undefined,
      filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
      filter.targetType ? eq(auditEvents.targetType, filter.targetType) : undefined,
      filter.targetId ? eq(auditEvents.targetId, filter.targetId) : undefined,
      filter.from ? gte(auditEvents.at, filter.from) : undefined,
      filter.to ? lt(auditEvents.at, filter.to) : undefined,
    );
    const [rows, [n]] = await Promise.all([
      ex.select().from(auditEvents).where(where).orderBy(desc(auditEvents.at), desc(auditEvents.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(auditEvents).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  /**
   * Writes a batch of usage rows in one statement. `unnest` over one array per column keeps the
   * statement at thirteen parameters whatever the batch size.
   */
  async insertUsage(ex: Executor, rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Each column travels as one array parameter (sql.param), not expanded into a row of values.
    const col = <K extends keyof UsageRow>(k: K) => sql.param(rows.map((r) => r[k] ?? null));
    await ex.execute(sql`
      insert into api_usage (at, actor_type, actor_id, team_id, method, route, status, duration_ms, ip, browser, os, request_id)
      select * from unnest(
        ${sql.param(rows.map((r) => (r.at as Date).toISOString()))}::timestamptz[], ${col('actorType')}::text[], ${col('actorId')}::text[],
        ${col('teamId')}::uuid[], ${col('method')}::text[], ${col('route')}::text[], ${col('status')}::int[],
        ${col('durationMs')}::int[], ${col('ip')}::text[], ${col('browser')}::text[], ${col('os')}::text[], ${col('requestId')}::text[]
      )`);
  },

  async purgeUsageBefore(ex: Executor, before: Date): Promise<number> {
    return (await ex.delete(apiUsage).where(lt(apiUsage.at, before)).returning({ id: apiUsage.id })).length;
  },

  async purgeEventsBefore(ex: Executor, before: Date): Promise<number> {
    return (await ex.delete(auditEvents).where(lt(auditEvents.at, before)).returning({ id: auditEvents.id })).length;
  },
};
