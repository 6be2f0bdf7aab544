import { and, arrayContains, count, desc, eq, inArray, isNotNull, ne, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { computeActions, computes, type actionStatuses } from './computes.schema.ts';

export type ComputeRow = typeof computes.$inferSelect;
export type ComputeActionRow = typeof computeActions.$inferSelect;
type ComputePatch = Partial<Omit<ComputeRow, 'id' | 'teamId' | 'createdAt'>>;

const notDestroyed = ne(computes.state, 'DESTROYED');

export const computesRepository = {
  async insert(ex: Executor, row: typeof computes.$inferInsert): Promise<ComputeRow> {
    const [created] = await ex.insert(computes).values(row).returning();
    return created!;
  },

  async find(ex: Executor, id: string): Promise<ComputeRow | undefined> {
    const [row] = await ex.select().from(computes).where(eq(computes.id, id)).limit(1);
    return row;
  },

  async findInTeam(ex: Executor, teamId: string, id: string): Promise<ComputeRow | undefined> {
    const [row] = await ex.select().from(computes).where(and(eq(computes.id, id), eq(computes.teamId, teamId))).limit(1);
    return row;
  },

  /** Locks the compute row until the transaction ends, so two changes of one compute see each other. */
  async lock(ex: Executor, id: string, teamId?: string): Promise<ComputeRow | undefined> {
    const where = teamId ? and(eq(computes.id, id), eq(computes.teamId, teamId)) : eq(computes.id, id);
    const [row] = await ex.select().from(computes).where(where).for('update');
    return row;
  },

  /** The team's computes that are not destroyed, newest first; `tag` keeps those carrying it. */
  async list(ex: Executor, teamId: string, opts: { tag?: string; limit: number; offset: number }): Promise<{ rows: ComputeRow[]; total: number }> {
    const where = and(eq(computes.teamId, teamId), notDestroyed, opts.tag === undefined ? undefined : arrayContains(computes.tags, [opts.tag]));
    const [rows, [n]] = await Promise.all([
      ex.select().from(computes).where(where).orderBy(desc(computes.createdAt), desc(computes.id)).limit(opts.limit).offset(opts.offset),
      ex.select({ n: count() }).from(computes).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async update(ex: Executor, id: string, patch: ComputePatch): Promise<ComputeRow> {
    const [row] = await ex.update(computes).set(patch).where(eq(computes.id, id)).returning();
    return row!;
  },

  /** Computes that are not yet destroyed (DESTROYING ones included: their machine may still exist). */
  async countLive(ex: Executor, teamId: string): Promise<number> {
    const [n] = await ex.select({ n: count() }).from(computes).where(and(eq(computes.teamId, teamId), notDestroyed));
    return n?.n ?? 0;
  },

  /** The team's computes that may still run, locked, oldest first. */
  async lockActiveOfTeam(ex: Executor, teamId: string): Promise<ComputeRow[]> {
    return ex
      .select()
      .from(computes)
      .where(and(eq(computes.teamId, teamId), notInArray(computes.state, ['DESTROYING', 'DESTROYED'])))
      .orderBy(computes.createdAt, computes.id)
      .for('update');
  },

  /** The team's computes a billing suspension stopped, locked. */
  async lockSuspended(ex: Executor, teamId: string): Promise<ComputeRow[]> {
    return ex
      .select()
      .from(computes)
      .where(and(eq(computes.teamId, teamId), isNotNull(computes.suspendedAt)))
      .orderBy(computes.createdAt, computes.id)
      .for('update');
  },
};

export const computeActionsRepository = {
  async insert(ex: Executor, row: typeof computeActions.$inferInsert): Promise<ComputeActionRow> {
    const [created] = await ex.insert(computeActions).values(row).returning();
    return created!;
  },

  async find(ex: Executor, id: string): Promise<ComputeActionRow | undefined> {
    const [row] = await ex.select().from(computeActions).where(eq(computeActions.id, id)).limit(1);
    return row;
  },

  async findInTeam(ex: Executor, teamId: string, id: string): Promise<ComputeActionRow | undefined> {
    const [row] = await ex.select().from(computeActions).where(and(eq(computeActions.id, id), eq(computeActions.teamId, teamId))).limit(1);
    return row;
  },

  /** The pending or running action of a compute, if any (there is at most one). */
  async openFor(ex: Executor, computeId: string): Promise<ComputeActionRow | undefined> {
    const [row] = await ex
      .select()
      .from(computeActions)
      .where(and(eq(computeActions.computeId, computeId), inArray(computeActions.status, ['pending', 'running'])))
      .limit(1);
    return row;
  },

  async listForCompute(ex: Executor, computeId: string, limit: number, offset: number): Promise<{ rows: ComputeActionRow[]; total: number }> {
    const where = eq(computeActions.computeId, computeId);
    const [rows, [n]] = await Promise.all([
      ex.select().from(computeActions).where(where).orderBy(desc(computeActions.createdAt), desc(computeActions.id)).limit(limit).offset(offset),
      ex.select({ n: count() }).from(computeActions).where(where),
    ]);
    return { rows, total: n?.n ?? 0 };
  },

  async markRunning(ex: Executor, id: string, at: Date): Promise<void> {
    await ex
      .update(computeActions)
      .set({ status: 'running', startedAt: sql`coalesce(${computeActions.startedAt}, ${at.toISOString()}::timestamptz)` })
      .where(and(eq(computeActions.id, id), inArray(computeActions.status, ['pending', 'running'])));
  },

  async setProgress(ex: Executor, id: string, progress: number): Promise<void> {
    await ex
      .update(computeActions)
      .set({ progress: Math.max(0, Math.min(100, Math.round(progress))) })
      .where(and(eq(computeActions.id, id), eq(computeActions.status, 'running')));
  },

  /** Ends an open action; false when it had already ended (a job run twice). */
  async finish(ex: Executor, id: string, outcome: { status: Extract<(typeof actionStatuses)[number], 'succeeded' | 'failed'>; error?: string; at: Date }): Promise<boolean> {
    const rows = await ex
      .update(computeActions)
      .set({
        status: outcome.status,
        error: outcome.error ?? null,
        finishedAt: outcome.at,
        ...(outcome.status === 'succeeded' ? { progress: 100 } : {}),
        startedAt: sql`coalesce(${computeActions.startedAt}, ${outcome.at.toISOString()}::timestamptz)`,
      })
      .where(and(eq(computeActions.id, id), inArray(computeActions.status, ['pending', 'running'])))
      .returning({ id: computeActions.id });
    return rows.length > 0;
  },
};
