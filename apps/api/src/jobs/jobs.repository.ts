import { and, asc, desc, eq, inArray, lt, lte, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import { jobSchedules, jobs } from './jobs.schema.ts';

export type JobRow = typeof jobs.$inferSelect;
export type JobStatus = JobRow['status'];
export type JobScheduleRow = typeof jobSchedules.$inferSelect;

/**
 * The claim token of a running job. `attempts` fences it: once a stale lock has been
 * recovered and the job claimed again, the first worker's late result no longer matches.
 */
export interface JobLock {
  id: number;
  workerId: string;
  attempts: number;
}

export async function insertJob(
  ex: Executor,
  row: { name: string; payload: unknown; runAt: Date; maxAttempts?: number; createdAt: Date },
): Promise<JobRow> {
  const [job] = await ex
    .insert(jobs)
    .values({ name: row.name, payload: row.payload ?? {}, runAt: row.runAt, maxAttempts: row.maxAttempts, createdAt: row.createdAt })
    .returning();
  return job!;
}

/** One statement, so that concurrent workers never take the same job (SKIP LOCKED). */
export async function claimDueJobs(ex: Executor, opts: { now: Date; workerId: string; limit: number }): Promise<JobRow[]> {
  const due = ex
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'queued'), lte(jobs.runAt, opts.now)))
    .orderBy(asc(jobs.runAt), asc(jobs.id))
    .limit(opts.limit)
    .for('update', { skipLocked: true });
  const claimed = await ex
    .update(jobs)
    .set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, lockedAt: opts.now, lockedBy: opts.workerId })
    .where(inArray(jobs.id, due))
    .returning();
  // RETURNING has no defined order.
  return claimed.sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
}

function heldBy(lock: JobLock) {
  return and(eq(jobs.id, lock.id), eq(jobs.status, 'running'), eq(jobs.lockedBy, lock.workerId), eq(jobs.attempts, lock.attempts));
}

/** False when the lock was lost meanwhile (recovered as stale); the row is then left alone. */
export async function markSucceeded(ex: Executor, lock: JobLock, now: Date): Promise<boolean> {
  const rows = await ex
    .update(jobs)
    .set({ status: 'succeeded', finishedAt: now, lockedAt: null, lockedBy: null })
    .where(heldBy(lock))
    .returning({ id: jobs.id });
  return rows.length === 1;
}

export async function markForRetry(ex: Executor, lock: JobLock, runAt: Date, error: string): Promise<boolean> {
  const rows = await ex
    .update(jobs)
    .set({ status: 'queued', runAt, lastError: error, lockedAt: null, lockedBy: null })
    .where(heldBy(lock))
    .returning({ id: jobs.id });
  return rows.length === 1;
}

export async function markDead(ex: Executor, lock: JobLock, now: Date, error: string): Promise<boolean> {
  const rows = await ex
    .update(jobs)
    .set({ status: 'dead', finishedAt: now, lastError: error, lockedAt: null, lockedBy: null })
    .where(heldBy(lock))
    .returning({ id: jobs.id });
  return rows.length === 1;
}

/**
 * Releases running jobs whose lock is older than `lockedBefore` (their worker died). A job that
 * has used all its attempts goes to `dead` instead, so a job that kills its worker every time
 * cannot loop forever. `exceptIds` are the caller's own running jobs: alive, whatever their stamp.
 */
export async function recoverStaleJobs(
  ex: Executor,
  opts: { lockedBefore: Date; now: Date; exceptIds?: number[] },
): Promise<Pick<JobRow, 'id' | 'name' | 'status' | 'attempts'>[]> {
  const exhausted = sql`${jobs.attempts} >= ${jobs.maxAttempts}`;
  const now = sql`${opts.now.toISOString()}::timestamptz`;
  return ex
    .update(jobs)
    .set({
      status: sql`case when ${exhausted} then 'dead' else 'queued' end`,
      runAt: sql`case when ${exhausted} then ${jobs.runAt} else ${now} end`,
      finishedAt: sql`case when ${exhausted} then ${now} else null end`,
      lastError: sql`'lock of worker ' || coalesce(${jobs.lockedBy}, '?') || ' expired: the worker stopped while running the job'`,
      lockedAt: null,
      lockedBy: null,
    })
    .where(
      and(
        eq(jobs.status, 'running'),
        lt(jobs.lockedAt, opts.lockedBefore),
        opts.exceptIds?.length ? notInArray(jobs.id, opts.exceptIds) : undefined,
      ),
    )
    .returning({ id: jobs.id, name: jobs.name, status: jobs.status, attempts: jobs.attempts });
}

/** Keeps the locks of long-running handlers fresh so that they are not taken for crashed. */
export async function refreshLocks(ex: Executor, opts: { ids: number[]; workerId: string; now: Date }): Promise<void> {
  if (opts.ids.length === 0) return;
  await ex
    .update(jobs)
    .set({ lockedAt: opts.now })
    .where(and(inArray(jobs.id, opts.ids), eq(jobs.status, 'running'), eq(jobs.lockedBy, opts.workerId)));
}

export async function findJob(ex: Executor, id: number): Promise<JobRow | undefined> {
  const [job] = await ex.select().from(jobs).where(eq(jobs.id, id));
  return job;
}

export async function selectJobs(ex: Executor, filter: { status?: JobStatus; name?: string; limit: number }): Promise<JobRow[]> {
  return ex
    .select()
    .from(jobs)
    .where(
      and(
        filter.status === undefined ? undefined : eq(jobs.status, filter.status),
        filter.name === undefined ? undefined : eq(jobs.name, filter.name),
      ),
    )
    .orderBy(desc(jobs.id))
    .limit(filter.limit);
}

/** A dead job gets a fresh set of attempts; its last error stays visible until it runs again. */
export async function requeueDeadJob(ex: Executor, id: number, now: Date): Promise<JobRow | undefined> {
  const [job] = await ex
    .update(jobs)
    .set({ status: 'queued', attempts: 0, runAt: now, finishedAt: null, lockedAt: null, lockedBy: null })
    .where(and(eq(jobs.id, id), eq(jobs.status, 'dead')))
    .returning();
  return job;
}

/** Registers a schedule; its next run is kept unless the cron expression changed. */
export async function upsertSchedule(ex: Executor, row: { name: string; cron: string; nextRunAt: Date }): Promise<void> {
  await ex
    .insert(jobSchedules)
    .values(row)
    .onConflictDoUpdate({
      target: jobSchedules.name,
      set: {
        cron: sql`excluded.cron`,
        nextRunAt: sql`case when ${jobSchedules.cron} = excluded.cron then ${jobSchedules.nextRunAt} else excluded.next_run_at end`,
      },
    });
}

/** Locks the due schedules among `names`; call inside the transaction that enqueues and advances them. */
export async function claimDueSchedules(ex: Executor, opts: { names: string[]; now: Date }): Promise<JobScheduleRow[]> {
  if (opts.names.length === 0) return [];
  return ex
    .select()
    .from(jobSchedules)
    .where(and(inArray(jobSchedules.name, opts.names), lte(jobSchedules.nextRunAt, opts.now)))
    .orderBy(asc(jobSchedules.nextRunAt))
    .for('update', { skipLocked: true });
}

export async function advanceSchedule(ex: Executor, row: { name: string; nextRunAt: Date; lastRunAt: Date }): Promise<void> {
  await ex.update(jobSchedules).set({ nextRunAt: row.nextRunAt, lastRunAt: row.lastRunAt }).where(eq(jobSchedules.name, row.name));
}

export async function findSchedule(ex: Executor, name: string): Promise<JobScheduleRow | undefined> {
  const [row] = await ex.select().from(jobSchedules).where(eq(jobSchedules.name, name));
  return row;
}

/** Deletes finished jobs (succeeded or dead) whose `finished_at` is before `before`; returns the count. */
export async function purgeFinishedJobs(ex: Executor, before: Date): Promise<number> {
  const deleted = await ex
    .delete(jobs)
    .where(and(inArray(jobs.status, ['succeeded', 'dead']), lt(jobs.finishedAt, before)))
    .returning({ id: jobs.id });
  return deleted.length;
}
