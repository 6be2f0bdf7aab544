import type { Executor } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { findJob, insertJob, requeueDeadJob, selectJobs, type JobRow, type JobStatus } from './jobs.repository.ts';

export interface EnqueueOptions {
  /** Earliest time the job may run; defaults to now. */
  runAt?: Date;
  /** Added to `runAt` (or to now). */
  delayMs?: number;
  /** Runs before the job is declared dead; the table default (5) when omitted. */
  maxAttempts?: number;
}

export interface JobListFilter {
  status?: JobStatus;
  name?: string;
  /** 1–500, default 50. Newest first. */
  limit?: number;
}

/**
 * Durable jobs in the `jobs` table (docs/decisions/0003-durable-jobs.md).
 *
 * The queue owns no connection: every call runs on the executor it is given, so a service that
 * enqueues with its transaction gets the job if and only if its own change commits.
 * Jobs run at least once; handlers must be idempotent.
 */
export class JobQueue {
  constructor(private readonly clock: Clock) {}

  async enqueue(ex: Executor, name: string, payload: unknown, opts: EnqueueOptions = {}): Promise<JobRow> {
    if (name.trim() === '') throw new TypeError('A job needs a name.');
    if (opts.maxAttempts !== undefined && !(Number.isInteger(opts.maxAttempts) && opts.maxAttempts >= 1)) {
      throw new RangeError('maxAttempts must be an integer of at least 1.');
    }
    if (opts.delayMs !== undefined && !(Number.isFinite(opts.delayMs) && opts.delayMs >= 0)) {
      throw new RangeError('delayMs must be a non-negative number.');
    }
    if (opts.runAt !== undefined && Number.isNaN(opts.runAt.getTime())) throw new RangeError('runAt is not a valid date.');
    const now = this.clock.now();
    const runAt = new Date((opts.runAt ?? now).getTime() + (opts.delayMs ?? 0));
    return insertJob(ex, { name, payload, runAt, maxAttempts: opts.maxAttempts, createdAt: now });
  }

  /** For operators: plain rows, newest first. `lastError` holds the message of the last failure. */
  async listJobs(ex: Executor, filter: JobListFilter = {}): Promise<JobRow[]> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 500);
    return selectJobs(ex, { status: filter.status, name: filter.name, limit });
  }

  /** Puts a dead job back in the queue with a fresh set of attempts, due now. */
  async retryDeadJob(ex: Executor, id: number): Promise<JobRow> {
    const job = await requeueDeadJob(ex, id, this.clock.now());
    if (job) return job;
    const existing = await findJob(ex, id);
    if (!existing) throw new AppError('NOT_FOUND', `There is no job ${id}.`);
    throw new AppError('CONFLICT', `Job ${id} is ${existing.status}; only dead jobs can be retried.`);
  }
}
